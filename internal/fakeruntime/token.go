package fakeruntime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"conformance/internal/wirelog"
)

// TokenRequest is the params of providerToken.getToken.
type TokenRequest struct {
	SessionID    string `json:"sessionId"`
	ProviderName string `json:"providerName"`
}

// TokenAnswer is how the SDK answered one providerToken.getToken request:
// either a result (Result raw, Token set when result.token is a string) or
// a JSON-RPC error.
type TokenAnswer struct {
	Request TokenRequest
	Result  json.RawMessage
	Token   string
	IsToken bool // Result is an object whose "token" is a string
	Error   *wirelog.ErrorObject
}

// String renders the answer for a failure message.
func (a TokenAnswer) String() string {
	if a.Error != nil {
		return fmt.Sprintf("error %d %q", a.Error.Code, a.Error.Message)
	}
	return "result " + string(a.Result)
}

// AskToken sends providerToken.getToken to the SDK that owns the session
// (or, for a session the runtime does not know, to the latest connection)
// and waits for the answer, at most the token timeout. The error is for a
// request that got no answer; a JSON-RPC error answer is in TokenAnswer.
func (r *Runtime) AskToken(ctx context.Context, req TokenRequest) (TokenAnswer, error) {
	return r.AskTokenWithin(ctx, req, r.cfg.tokenTimeout)
}

// AskTokenWithin is AskToken waiting at most timeout instead of the token
// timeout: for a callback the suite makes slower than that on purpose
// (BT-12's bound).
func (r *Runtime) AskTokenWithin(ctx context.Context, req TokenRequest, timeout time.Duration) (TokenAnswer, error) {
	answer, err := r.ask(ctx, req.SessionID, req, fmt.Sprintf("%+v", req), timeout)
	answer.Request = req
	return answer, err
}

// AskTokenRaw sends providerToken.getToken with params exactly as given,
// valid or not (a providerName that is missing or a number, a sessionId
// missing, fields the contract does not have), on the connection that owns
// routeSession, and waits for the answer like AskToken. It is how the
// suite observes what an SDK does with a malformed request. Request holds
// whatever of params reads as a TokenRequest.
func (r *Runtime) AskTokenRaw(ctx context.Context, routeSession string, params json.RawMessage) (TokenAnswer, error) {
	if !json.Valid(params) {
		return TokenAnswer{}, fmt.Errorf("params %s are not JSON: the runtime sends only JSON-RPC", params)
	}
	answer, err := r.ask(ctx, routeSession, params, string(params), r.cfg.tokenTimeout)
	_ = json.Unmarshal(params, &answer.Request) // best effort: the fields may be of any type
	return answer, err
}

// ask sends one providerToken.getToken with params; what names the
// request in errors.
func (r *Runtime) ask(ctx context.Context, routeSession string, params any, what string, timeout time.Duration) (TokenAnswer, error) {
	conn := r.connFor(routeSession)
	if conn == nil {
		return TokenAnswer{}, errors.New("no SDK is connected to the fake runtime")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var answer TokenAnswer
	err := conn.Call(ctx, "providerToken.getToken", params, &answer.Result)
	var rpcErr *jsonrpc2.Error
	switch {
	case errors.As(err, &rpcErr):
		answer.Error = &wirelog.ErrorObject{Code: int(rpcErr.Code), Message: rpcErr.Message}
		if rpcErr.Data != nil {
			answer.Error.Data = *rpcErr.Data
		}
		return answer, nil
	case errors.Is(err, context.DeadlineExceeded):
		return answer, fmt.Errorf("the SDK did not answer providerToken.getToken %s within %s", what, timeout)
	case errors.Is(err, jsonrpc2.ErrClosed):
		return answer, fmt.Errorf("the SDK closed the connection instead of answering providerToken.getToken %s", what)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		// The request was written after the SDK closed its end and before
		// the runtime's reader saw the end: the same cause, told by the
		// write.
		return answer, fmt.Errorf("the SDK closed the connection instead of answering providerToken.getToken %s (%v)", what, err)
	case err != nil:
		return answer, fmt.Errorf("providerToken.getToken %s: %w", what, err)
	}
	var body struct {
		Token *string `json:"token"`
	}
	if json.Unmarshal(answer.Result, &body) == nil && body.Token != nil {
		answer.Token, answer.IsToken = *body.Token, true
	}
	return answer, nil
}

// AskTokens sends n requests, each once the previous one is answered, and
// returns the answers in request order; it stops at the first that gets
// none. (Requests all at once are the steps' to send: they mix providers.)
func (r *Runtime) AskTokens(ctx context.Context, req TokenRequest, n int) ([]TokenAnswer, error) {
	answers := make([]TokenAnswer, 0, n)
	for range n {
		a, err := r.AskToken(ctx, req)
		answers = append(answers, a)
		if err != nil {
			return answers, err
		}
	}
	return answers, nil
}

func (r *Runtime) connFor(sessionID string) *jsonrpc2.Conn {
	r.mu.Lock()
	s, ok := r.sessions[sessionID]
	r.mu.Unlock()
	if ok && s.conn != nil {
		return s.conn
	}
	return r.latestConn()
}

// PendingToken is a token request on its way: sent, its answer not yet
// awaited. The wire log has the times of the request and of its answer.
type PendingToken struct {
	Request TokenRequest
	done    chan struct{}
	answer  TokenAnswer
	err     error
}

// StartAskToken sends providerToken.getToken like AskToken and returns at
// once, so that other requests can be sent while this one is pending (a
// slow callback must not hold them up: BT-16).
func (r *Runtime) StartAskToken(ctx context.Context, req TokenRequest) *PendingToken {
	p := &PendingToken{Request: req, done: make(chan struct{})}
	go func() { // bounded: AskToken waits at most the token timeout
		defer close(p.done)
		p.answer, p.err = r.AskToken(ctx, req)
	}()
	return p
}

// StartAskTokenRaw is AskTokenRaw returning at once, as StartAskToken.
func (r *Runtime) StartAskTokenRaw(ctx context.Context, routeSession string, params json.RawMessage) *PendingToken {
	p := &PendingToken{done: make(chan struct{})}
	_ = json.Unmarshal(params, &p.Request)
	go func() { // bounded: AskTokenRaw waits at most the token timeout
		defer close(p.done)
		p.answer, p.err = r.AskTokenRaw(ctx, routeSession, params)
	}()
	return p
}

// Wait returns the answer once it has come (or AskToken's error), at most
// the token timeout after the request was sent.
func (p *PendingToken) Wait() (TokenAnswer, error) {
	<-p.done
	return p.answer, p.err
}

// WaitFor is Wait for at most d: done is false when no answer (nor
// AskToken's error) came within d.
func (p *PendingToken) WaitFor(d time.Duration) (a TokenAnswer, done bool, err error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return p.answer, true, p.err
	case <-t.C:
		return TokenAnswer{}, false, nil
	}
}
