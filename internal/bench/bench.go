// Package bench measures what the bearer-token callback costs a model
// request: the providerToken.getToken round trip as the runtime sees it,
// from sending the request to reading the SDK's answer, over N requests in
// a row and N in flight at once. A Go baseline client that answers at once,
// speaking the same protocol, shows the suite's own share of the time.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"conformance/internal/fakeruntime"
	"conformance/internal/jsonrpc"
)

// Stats summarises a set of round trips.
type Stats struct {
	N   int           `json:"n"`
	Min time.Duration `json:"minNs"`
	P50 time.Duration `json:"p50Ns"`
	P90 time.Duration `json:"p90Ns"`
	P99 time.Duration `json:"p99Ns"`
	Max time.Duration `json:"maxNs"`
}

// Summarise computes nearest-rank percentiles.
func Summarise(samples []time.Duration) Stats {
	if len(samples) == 0 {
		return Stats{}
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Stats{N: len(s), Min: s[0], P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: s[len(s)-1]}
}

// Result is one measured series.
type Result struct {
	Client    string `json:"client"` // "node 1.0.14", "go baseline", ...
	Transport string `json:"transport"`
	Mode      string `json:"mode"` // "sequential" or "concurrent"
	Stats     Stats  `json:"stats"`
}

// Measure sends n token requests for (sessionID, provider) one after the
// other, then n at once, and times each from request to answer. Every
// answer must be a token: an error answer fails the measurement.
func Measure(ctx context.Context, rt *fakeruntime.Runtime, sessionID, provider string, n int) (sequential, concurrent Stats, err error) {
	req := fakeruntime.TokenRequest{SessionID: sessionID, ProviderName: provider}
	one := func() (time.Duration, error) {
		start := time.Now()
		a, err := rt.AskToken(ctx, req)
		took := time.Since(start)
		if err == nil && !a.IsToken {
			err = fmt.Errorf("getToken was answered with %s, not a token", a)
		}
		return took, err
	}
	seq := make([]time.Duration, n)
	for i := range seq {
		if seq[i], err = one(); err != nil {
			return Stats{}, Stats{}, err
		}
	}
	conc := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range conc {
		wg.Add(1)
		go func() { defer wg.Done(); conc[i], errs[i] = one() }()
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return Stats{}, Stats{}, e
		}
	}
	return Summarise(seq), Summarise(conc), nil
}

// Baseline is the Go baseline client: connected to the runtime, it
// creates a flagged session and answers every token request at once.
type Baseline struct {
	conn      *jsonrpc2.Conn
	SessionID string
}

// StartBaseline connects the baseline client to the runtime at addr.
func StartBaseline(ctx context.Context, addr string) (*Baseline, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), jsonrpc2.AsyncHandler(baselineHandler{}))
	b := &Baseline{conn: conn, SessionID: "baseline-session"}
	if err := conn.Call(ctx, "connect", map[string]any{}, nil); err != nil {
		conn.Close()
		return nil, err
	}
	err = conn.Call(ctx, "session.create", map[string]any{"sessionId": b.SessionID, "model": "m",
		"provider": map[string]any{"baseUrl": "http://127.0.0.1:9/v1", "hasBearerTokenProvider": true}}, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return b, nil
}

// Close disconnects the baseline client.
func (b *Baseline) Close() error { return b.conn.Close() }

type baselineHandler struct{}

func (baselineHandler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Method == "providerToken.getToken" {
		_ = conn.Reply(ctx, req.ID, map[string]string{"token": "baseline"})
	}
}

// Table renders results for the terminal.
func Table(results []Result) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "client\ttransport\tmode\tn\tp50\tp90\tp99\tmax\t")
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", r.Client, r.Transport, r.Mode, r.Stats.N,
			ms(r.Stats.P50), ms(r.Stats.P90), ms(r.Stats.P99), ms(r.Stats.Max))
	}
	w.Flush()
	return b.String()
}

// Report is results/bench.json.
type Report struct {
	Date    string   `json:"date"`
	Runtime string   `json:"runtime"`
	N       int      `json:"n"`
	Results []Result `json:"results"`
}

// WriteJSON writes the report.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Merge adds the results of a newer report to an earlier one: a client's
// results replace that client's earlier ones, and the others are kept. So
// `make bench SDK=all` and then `make bench SDK=java SDK_SOURCE=...` leave
// one report with both. Reports of different n or runtimes are not
// comparable: then only the newer one is kept.
func Merge(earlier, newer Report) Report {
	if earlier.N != newer.N || earlier.Runtime != newer.Runtime {
		return newer
	}
	measured := map[string]bool{}
	for _, r := range newer.Results {
		measured[r.Client] = true
	}
	merged := newer
	merged.Results = nil
	for _, r := range earlier.Results {
		if !measured[r.Client] {
			merged.Results = append(merged.Results, r)
		}
	}
	merged.Results = append(merged.Results, newer.Results...)
	sort.SliceStable(merged.Results, func(i, j int) bool {
		a, b := merged.Results[i], merged.Results[j]
		if a.Transport != b.Transport {
			return a.Transport < b.Transport
		}
		return a.Client < b.Client
	})
	return merged
}
