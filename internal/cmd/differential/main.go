// Command differential compares, scenario by scenario, what an SDK sent and
// answered (and what reached the model endpoint) under the fake runtime and
// under the real one (make differential). See package differential. It
// exits 1 when a difference is not accepted or an accepted entry is stale,
// 2 when it cannot compare.
package main

import (
	"flag"
	"fmt"
	"os"

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
	rep, err := differential.Check(*fake, *real, accepted)
	if err != nil {
		fail(err.Error())
	}
	fmt.Print(rep.Markdown())
	if *out != "" {
		if err := rep.WriteMarkdown(*out); err != nil {
			fail(err.Error())
		}
	}
	if !rep.OK() {
		os.Exit(1)
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "differential:", msg)
	os.Exit(2)
}
