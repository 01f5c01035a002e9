// Command differential compares, scenario by scenario, what an SDK sent and
// answered (and what reached the model endpoint) under the fake runtime and
// under the real one (make differential). See package differential.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"conformance/internal/differential"
)

func main() {
	fake := flag.String("fake", "", "results directory of the fake-runtime run, e.g. results/node")
	real := flag.String("real", "", "results directory of the real-runtime run, e.g. results/node.real-runtime")
	acceptedFile := flag.String("accepted", "expectations/differential.yaml", "accepted differences, each with its reason")
	out := flag.String("out", "", "where to write the Markdown report (default: stdout only)")
	flag.Parse()
	if *fake == "" || *real == "" {
		fail("need -fake and -real results directories")
	}
	accepted, err := differential.LoadAccepted(*acceptedFile)
	if err != nil {
		fail(err.Error())
	}
	realFiles, err := filepath.Glob(filepath.Join(*real, "wire", "*.json"))
	if err != nil || len(realFiles) == 0 {
		fail("no wire records under " + filepath.Join(*real, "wire") + ": run make conformance RUNTIME=fake,real first")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Differential check: %s vs %s\n\n", *fake, *real)
	compared, unaccepted := 0, 0
	for _, rf := range realFiles {
		r, err := differential.Load(rf)
		if err != nil {
			fail(err.Error())
		}
		f, err := differential.Load(filepath.Join(*fake, "wire", filepath.Base(rf)))
		if err != nil {
			fmt.Fprintf(&b, "- %s: not run on the fake runtime (%v)\n", r.Scenario, err)
			continue
		}
		compared++
		diffs := differential.Compare(f, r, accepted)
		if len(diffs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n", r.Scenario)
		for _, d := range diffs {
			status := "DIFFERENCE"
			if d.Accepted != "" {
				status = "accepted (" + d.Accepted + ")"
			} else {
				unaccepted++
			}
			fmt.Fprintf(&b, "- only on the %s runtime, %s: `%s`\n", d.Only, status, d.Line)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d scenarios compared, %d unaccepted difference(s)\n", compared, unaccepted)
	fmt.Print(b.String())
	if *out != "" {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			fail(err.Error())
		}
	}
	if unaccepted > 0 {
		os.Exit(1)
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "differential:", msg)
	os.Exit(2)
}
