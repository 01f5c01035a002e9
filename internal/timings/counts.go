package timings

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"conformance/internal/results"
)

// Count is how many scenarios of one run (a results/<label>/ folder) ended
// each way. A make test with builds side by side must count the same as
// one with a build at a time (BUILDS_AT_ONCE=1): a difference is a
// scenario that the other builds beside it changed.
type Count struct {
	Label              string `json:"label"`
	Status             string `json:"status"`
	Passed             int    `json:"passed"`
	ExpectedFailures   int    `json:"expectedFailures"`
	UnexpectedFailures int    `json:"unexpectedFailures"`
	UnexpectedPasses   int    `json:"unexpectedPasses"`
	NotApplicable      int    `json:"notApplicable"`
	Observed           int    `json:"observed"`
}

// CountRuns counts the scenarios of every run record under resultsDir
// that finished at or after since (the first phase's start; zero: every
// record), so that the folders of earlier runs do not count.
func CountRuns(resultsDir string, since time.Time) ([]Count, error) {
	runs, err := results.LoadAll(resultsDir)
	if err != nil {
		return nil, err
	}
	var counts []Count
	for _, r := range runs {
		if !since.IsZero() {
			finished, err := time.Parse(time.RFC3339, r.FinishedAt)
			if err == nil && finished.Before(since.Truncate(time.Second)) {
				continue
			}
		}
		v := r.Verdict
		counts = append(counts, Count{Label: r.Label, Status: r.Status,
			Passed: len(v.Passed), ExpectedFailures: len(v.ExpectedFailures),
			UnexpectedFailures: len(v.UnexpectedFailures), UnexpectedPasses: len(v.UnexpectedPasses),
			NotApplicable: len(v.NotApplicable), Observed: len(v.Observed)})
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].Label < counts[j].Label })
	return counts, nil
}

// FirstStart is when the report's first phase started (zero if no phase
// says).
func (r Report) FirstStart() time.Time {
	var first float64
	for _, p := range r.Phases {
		if p.Start > 0 && (first == 0 || p.Start < first) {
			first = p.Start
		}
	}
	if first == 0 {
		return time.Time{}
	}
	return time.Unix(int64(first), 0)
}

// CompareCounts writes every run whose counts differ between two reports,
// and the runs only one of them has, and says whether they agree.
func CompareCounts(w io.Writer, a, b Report, aName, bName string) bool {
	byLabel := map[string]Count{}
	for _, c := range b.Counts {
		byLabel[c.Label] = c
	}
	same := true
	seen := map[string]bool{}
	for _, ca := range a.Counts {
		seen[ca.Label] = true
		cb, ok := byLabel[ca.Label]
		switch {
		case !ok:
			fmt.Fprintf(w, "%s: only in %s\n", ca.Label, aName)
			same = false
		case ca != cb:
			fmt.Fprintf(w, "%s: %s %s; %s %s\n", ca.Label, aName, ca, bName, cb)
			same = false
		}
	}
	for _, cb := range b.Counts {
		if !seen[cb.Label] {
			fmt.Fprintf(w, "%s: only in %s\n", cb.Label, bName)
			same = false
		}
	}
	if same {
		fmt.Fprintf(w, "the %d runs count the same scenarios each way in %s and %s\n", len(a.Counts), aName, bName)
	}
	return same
}

func (c Count) String() string {
	return fmt.Sprintf("%s: %d passed, %d expected failures, %d unexpected failures, %d unexpected passes, %d not applicable, %d observed",
		c.Status, c.Passed, c.ExpectedFailures, c.UnexpectedFailures, c.UnexpectedPasses, c.NotApplicable, c.Observed)
}

// ReadReport reads a test-times.json.
func ReadReport(path string) (Report, error) {
	var r Report
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
