// Command cimatrix rehearses .github/workflows/conformance.yml on this
// machine (make ci-matrix): each cell of its matrix as the workflow runs
// it, each cell's results kept apart, then the merge job over them all.
// See package cimatrix.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"conformance/internal/cimatrix"
)

func main() {
	workflow := flag.String("workflow", ".github/workflows/conformance.yml", "the workflow to rehearse")
	cells := flag.String("cells", "", "comma-separated patterns over cell ids (build/runtime/transport, e.g. 'node/*/*,go/fake/tcp'); empty: every cell")
	out := flag.String("out", "results/ci-matrix", "where each cell's results (cells/<artifact>/) and the merge (merged/) go; emptied first")
	event := flag.String("event", "push", "the event the workflow runs for (github.event_name): push, pull_request or schedule")
	flag.Parse()

	root, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	outDir, err := filepath.Abs(*out)
	if err != nil {
		fail(err)
	}
	var patterns []string
	for _, p := range strings.Split(*cells, ",") {
		if p = strings.TrimSpace(p); p != "" {
			patterns = append(patterns, p)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := cimatrix.Rehearsal{Workflow: *workflow, CellJob: "cell", MergeJob: "merge", Root: root, Out: outDir,
		Cells: patterns, Event: *event, Output: os.Stdout}
	res, err := h.Run(ctx)
	fmt.Println()
	res.Summary(os.Stdout, outDir)
	if err != nil {
		fail(err)
	}
	if !res.OK() {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ci-matrix:", err)
	os.Exit(1)
}
