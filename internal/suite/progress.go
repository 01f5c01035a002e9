package suite

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"conformance/internal/expectations"
)

// progress reports each scenario as it ends, one line: which SDK build,
// how far along, how many are left, the outcome and the scenario; a failure
// follows, indented, with its diagnostics. It replaces godog's dots on the
// terminal: they say how a run goes, not where it is. (The cucumber and
// JUnit reports still come from godog's own formatters.)
type progress struct {
	w     io.Writer
	label string
	total int // 0 when unknown (a tag filter is set)

	mu   sync.Mutex
	done int
}

func newProgress(w io.Writer, label, featuresDir, tags string) *progress {
	p := &progress{w: w, label: label}
	if tags == "" {
		p.total = countScenarios(featuresDir)
	}
	return p
}

// finish reports a scenario. A known failure gets its reason in one line;
// an unexpected one the whole error, with its diagnostics.
func (p *progress) finish(r expectations.Judged, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	where := fmt.Sprintf("%s %d", p.label, p.done)
	if p.total > 0 {
		where = fmt.Sprintf("%s %d/%d, %d left", p.label, p.done, p.total, p.total-p.done)
	}
	status, detail := string(r.Status), ""
	switch {
	case r.Status == expectations.NotApplicable:
		detail = r.Message
	case r.Status == expectations.Failed && r.Expected:
		status, detail = "failed (known)", r.Reason
	case r.Status == expectations.Failed && r.Note != "":
		status, detail = "FAILED", fmt.Sprintf("at step %q (%s): %s", r.Step, r.Note, err)
	case r.Status == expectations.Failed:
		status, detail = "FAILED", fmt.Sprintf("at step %q: %s", r.Step, err)
	case r.Status == expectations.Passed && r.Expected:
		status, detail = "PASSED (known failure)", "listed in expectations: "+r.Reason
	}
	fmt.Fprintf(p.w, "[%s] %-14s %s\n", where, status, r.Scenario)
	if detail != "" {
		fmt.Fprintf(p.w, "    %s\n", strings.ReplaceAll(strings.TrimRight(detail, "\n"), "\n", "\n    "))
	}
}

// countScenarios counts the scenarios (outline rows included) of every
// feature file under dir, subdirectories included as godog reads them; 0
// if one cannot be read, which only costs the "left" count.
func countScenarios(dir string) int {
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".feature") {
			files = append(files, p)
		}
		return nil
	})
	n := 0
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return 0
		}
		doc, err := gherkin.ParseGherkinDocument(r, (&messages.Incrementing{}).NewId)
		r.Close()
		if err != nil {
			return 0
		}
		n += len(gherkin.Pickles(*doc, f, (&messages.Incrementing{}).NewId))
	}
	return n
}
