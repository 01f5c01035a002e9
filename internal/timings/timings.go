// Package timings keeps where a `make test` spent its time: one record per
// phase (a Makefile step, timed by scripts/timed.sh) and per SDK build
// (internal/cmd/sidebyside), appended as JSON lines while the run goes,
// then gathered into one report (results/test-times.json) whose slowest
// parts are printed at the end.
package timings

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kinds of record.
const (
	Phase = "phase" // a step of make test (vet, unit tests, features, mutants, ...)
	Build = "build" // one SDK build's run within the features phase
	// Alone is one @serial scenario's turn alone on the machine
	// (internal/gate): Wall is how long it had the machine, Waited how long
	// it waited for the scenarios running before it to end.
	Alone = "alone"
	// Held is a scenario that waited at the gate behind a turn alone
	// (Waited; recorded from 1 s on).
	Held = "held"
)

// Record is one timed part.
type Record struct {
	Kind string  `json:"kind"`
	Name string  `json:"name"`
	Wall float64 `json:"wallSeconds"`
	// CPU is user plus system time of the part's processes and those they
	// waited for.
	CPU float64 `json:"cpuSeconds"`
	OK  bool    `json:"ok"`
	// Start is when the part started (Unix seconds; 0: not recorded).
	// make test runs two lanes at once, so phases overlap: its own wall
	// time is from the first start to the last end.
	Start float64 `json:"startUnix,omitempty"`
	// Waited is, for Alone and Held, the time spent waiting at the gate.
	Waited float64 `json:"waitedSeconds,omitempty"`
}

// Dir is where a run's records accumulate, under the results folder.
func Dir(results string) string { return filepath.Join(results, "times") }

// Append adds r to the records in dir (one JSON line in records.jsonl).
func Append(dir string, r Record) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "records.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// One write of a line under PIPE_BUF-like sizes: appends from the
	// shell and from Go do not interleave within a line.
	_, err = f.Write(append(line, '\n'))
	return errors.Join(err, f.Close())
}

// Read returns the records in dir, in the order they were written.
func Read(dir string) ([]Record, error) {
	f, err := os.Open(filepath.Join(dir, "records.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var records []Record
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", f.Name(), n, err)
		}
		records = append(records, r)
	}
	return records, sc.Err()
}

// Report is the gathered record of one make test.
type Report struct {
	Phases []Record `json:"phases"`
	Builds []Record `json:"builds"`
	// Gate are the turns alone on the machine and the waits behind them
	// (internal/gate), one record each.
	Gate []Record `json:"gate,omitempty"`
	// Counts are the scenario counts of each run the make test wrote
	// (results/<label>/verdict.json), to compare with another make test's
	// (go run ./internal/cmd/testtimes -compare <its test-times.json>).
	Counts []Count `json:"counts,omitempty"`
	// Machine is what every core of the machine did meanwhile (Linux).
	Machine *Machine `json:"machine,omitempty"`
}

// Gather reads the records in dir into a report.
func Gather(dir string) (Report, error) {
	records, err := Read(dir)
	var r Report
	for _, rec := range records {
		switch rec.Kind {
		case Build:
			r.Builds = append(r.Builds, rec)
		case Alone, Held:
			r.Gate = append(r.Gate, rec)
		default:
			r.Phases = append(r.Phases, rec)
		}
	}
	return r, err
}

// Write writes the report as JSON to path.
func (r Report) Write(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// span says how long the phases took from the first one's start to the
// last one's end, where every phase says when it started; else what they
// add up to.
func (r Report) span() string {
	if len(r.Phases) == 0 {
		return "no phase recorded"
	}
	var first, last, sum float64
	started := true
	for i, p := range r.Phases {
		sum += p.Wall
		started = started && p.Start > 0
		if i == 0 || p.Start < first {
			first = p.Start
		}
		last = max(last, p.Start+p.Wall)
	}
	if !started {
		return fmt.Sprintf("phases add up to %.0f s", sum)
	}
	return fmt.Sprintf("%.0f s from the first phase's start to the last one's end; make test's lanes overlap", last-first)
}

// Slowest writes the n slowest parts, phases and builds together, by wall
// time: where a maintainer looks first to make make test faster. A build
// ran within the features phase, so their times overlap.
func (r Report) Slowest(w io.Writer, n int) {
	all := append(append([]Record(nil), r.Phases...), r.Builds...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Wall > all[j].Wall })
	if len(all) > n {
		all = all[:n]
	}
	fmt.Fprintf(w, "\nthe %d slowest parts of make test (%s; builds run within the features phase):\n", len(all), r.span())
	for _, rec := range all {
		status := ""
		if !rec.OK {
			status = "  (failed)"
		}
		fmt.Fprintf(w, "  %-6s %-60s %7.0f s wall %7.0f s CPU%s\n", rec.Kind, rec.Name, rec.Wall, rec.CPU, status)
	}
}

// GateSummary writes what the machine-wide gate cost: the @serial
// scenarios' turns alone, the time each waited for the machine to empty
// (while it waits, no scenario starts), and the waits of the scenarios
// held back behind them.
func (r Report) GateSummary(w io.Writer) {
	var turns, held int
	var alone, emptying, behind float64
	for _, g := range r.Gate {
		switch g.Kind {
		case Alone:
			turns++
			alone += g.Wall
			emptying += g.Waited
		case Held:
			held++
			behind += g.Waited
		}
	}
	if turns == 0 && held == 0 {
		return
	}
	fmt.Fprintf(w, "the gate: %d turns alone on the machine (@serial) took %.0f s, after %.0f s of waiting for the scenarios before them to end; %d scenarios waited %.0f s in all behind them; the machine was closed to new scenarios for %.0f s of the run\n",
		turns, alone, emptying, held, behind, r.closed())
}

// closed is how long, in all, the machine was closed to new scenarios:
// the union of the turns alone with the waits for the machine to empty
// before them (turns of runs side by side overlap, and their batches
// share one emptying).
func (r Report) closed() float64 {
	type span struct{ from, to float64 }
	var spans []span
	for _, g := range r.Gate {
		if g.Kind == Alone {
			spans = append(spans, span{g.Start - g.Waited, g.Start + g.Wall})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var total float64
	var open *span
	for i := range spans {
		switch {
		case open == nil:
			open = &spans[i]
		case spans[i].from <= open.to:
			open.to = max(open.to, spans[i].to)
		default:
			total += open.to - open.from
			open = &spans[i]
		}
	}
	if open != nil {
		total += open.to - open.from
	}
	return total
}
