package modelendpoint

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func post(t *testing.T, url, auth, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPlainJSONCompletionAndRecording(t *testing.T) {
	s := Start(WithReply("forty-two"))
	t.Cleanup(s.Close)
	resp := post(t, s.URL()+"/red/v1/chat/completions", "Bearer tok-1", `{"model":"gpt-4o","messages":[]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var got struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.Equal(t, "forty-two", got.Choices[0].Message.Content)

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/red/v1/chat/completions", reqs[0].Path)
	assert.Equal(t, "Bearer tok-1", reqs[0].Authorization)
	assert.Equal(t, "gpt-4o", reqs[0].Model)
	assert.False(t, reqs[0].Stream)
}

func TestStreamingCompletionIsServerSentEvents(t *testing.T) {
	s := Start()
	t.Cleanup(s.Close)
	resp := post(t, s.URL()+"/v1/chat/completions", "Bearer x", `{"model":"m","stream":true}`)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	var data []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			data = append(data, line)
		}
	}
	require.Len(t, data, 3)
	assert.Contains(t, data[0], `"content":"ten"`)
	assert.Contains(t, data[1], `"finish_reason":"stop"`)
	assert.Equal(t, "[DONE]", data[2])
	assert.True(t, s.Requests()[0].Stream)
}

func TestOtherPathsAre404ButRecorded(t *testing.T) {
	s := Start()
	t.Cleanup(s.Close)
	resp := post(t, s.URL()+"/v1/embeddings", "", `not json`)
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, string(b))
	require.Len(t, s.Requests(), 1)
	assert.Equal(t, "/v1/embeddings", s.Requests()[0].Path)
	assert.Contains(t, s.String(), "POST /v1/embeddings")
}

// BT-6 covers tokens up to 64 KB, and BT-15 wants each in the model
// request's Authorization header: the endpoint's HTTP server must take
// such a header whole. It keeps net/http's default limit on header bytes
// (http.DefaultMaxHeaderBytes, 1 MB), far above 64 KB.
func TestA64KBBearerTokenIsRecordedWhole(t *testing.T) {
	s := Start()
	t.Cleanup(s.Close)
	token := strings.Repeat("abcdefgh", 64<<10/8)
	resp := post(t, s.URL()+"/v1/chat/completions", "Bearer "+token, `{"model":"gpt-4o","messages":[]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Bearer "+token, reqs[0].Authorization)
}
