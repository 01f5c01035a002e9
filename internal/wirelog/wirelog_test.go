package wirelog

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestsAndResponsesAreMatchedByDirectionAndID(t *testing.T) {
	l := New()
	l.Add(SDKToRuntime, []byte(`{"jsonrpc":"2.0","id":1,"method":"session.create","params":{"model":"m"}}`))
	l.Add(RuntimeToSDK, []byte(`{"jsonrpc":"2.0","id":1,"method":"providerToken.getToken","params":{}}`))
	l.Add(RuntimeToSDK, []byte(`{"jsonrpc":"2.0","id":1,"result":{"sessionId":"s"}}`))
	l.Add(SDKToRuntime, []byte(`{"jsonrpc":"2.0","id":"1","result":{"token":"string-id"}}`))
	l.Add(SDKToRuntime, []byte(`{"jsonrpc":"2.0","id":1,"result":{"token":"t"}}`))

	creates := l.Requests(SDKToRuntime, "session.create")
	require.Len(t, creates, 1)
	assert.JSONEq(t, `{"model":"m"}`, string(creates[0].Params))
	assert.Empty(t, l.Requests(RuntimeToSDK, "session.create"), "direction is part of the match")

	resp, ok := l.ResponseTo(RuntimeToSDK, creates[0])
	require.True(t, ok)
	assert.JSONEq(t, `{"sessionId":"s"}`, string(resp.Result))

	tokenReq := l.Requests(RuntimeToSDK, "providerToken.getToken")[0]
	resp, ok = l.ResponseTo(SDKToRuntime, tokenReq)
	require.True(t, ok)
	assert.JSONEq(t, `{"token":"t"}`, string(resp.Result), "id 1 and id \"1\" are different ids")
}

// The real runtime numbers its requests from 0 on every connection: an
// answer belongs to the request of the same id on the same connection.
func TestResponsesAreMatchedOnTheirOwnConnection(t *testing.T) {
	l := New()
	first, second := l.NewConnection(), l.NewConnection()
	first.Add(RuntimeToSDK, []byte(`{"jsonrpc":"2.0","id":0,"method":"providerToken.getToken","params":{"providerName":"a"}}`))
	second.Add(RuntimeToSDK, []byte(`{"jsonrpc":"2.0","id":0,"method":"providerToken.getToken","params":{"providerName":"b"}}`))
	second.Add(SDKToRuntime, []byte(`{"jsonrpc":"2.0","id":0,"result":{"token":"for-b"}}`))
	first.Add(SDKToRuntime, []byte(`{"jsonrpc":"2.0","id":0,"result":{"token":"for-a"}}`))

	reqs := l.Requests(RuntimeToSDK, "providerToken.getToken")
	require.Len(t, reqs, 2)
	assert.Equal(t, []int{1, 2}, []int{reqs[0].Conn, reqs[1].Conn})
	for i, want := range []string{`{"token":"for-a"}`, `{"token":"for-b"}`} {
		resp, ok := l.ResponseTo(SDKToRuntime, reqs[i])
		require.True(t, ok)
		assert.JSONEq(t, want, string(resp.Result))
	}
	assert.Contains(t, l.String(), "conn 2 ")
}

func TestUnreadableFramesAreKeptAndShown(t *testing.T) {
	l := New()
	l.Add(SDKToRuntime, []byte(`{"jsonrpc":"2.0","method":"x"}`))
	l.AddError(SDKToRuntime, errors.New("frame body is not valid JSON"))
	require.Len(t, l.Errors(), 1)
	assert.Equal(t, 2, l.Errors()[0].Seq)
	_, err := l.Errors()[0].Decode()
	assert.Error(t, err)
	assert.Contains(t, l.String(), "UNREADABLE FRAME: frame body is not valid JSON")
}

func TestStringTruncatesLongFrames(t *testing.T) {
	l := New()
	big, _ := json.Marshal(map[string]string{"x": strings.Repeat("a", 5000)})
	l.Add(RuntimeToSDK, big)
	s := l.String()
	assert.Less(t, len(s), 1000)
	assert.Contains(t, s, "(5008 bytes)")
}

func TestConcurrentAddsGetDistinctSequenceNumbers(t *testing.T) {
	l := New()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); l.Add(SDKToRuntime, []byte(`{}`)) }()
	}
	wg.Wait()
	for i, f := range l.Frames() {
		assert.Equal(t, i+1, f.Seq)
	}
}
