// Command dashboard writes the parity dashboard (make dashboard) from the
// run records under results/. See package dashboard.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"conformance/internal/bench"
	"conformance/internal/contract"
	"conformance/internal/dashboard"
	"conformance/internal/results"
)

func main() {
	dir := flag.String("results", "results", "the directory of run records (results/<label>/verdict.json) and bench.json")
	features := flag.String("features", "features", "the feature files, which state the rules")
	flag.Parse()
	rules, err := contract.Load(*features)
	if err != nil {
		fail(err)
	}
	runs, err := results.LoadAll(*dir)
	if err != nil {
		fail(err)
	}
	benchReport, err := loadBench(filepath.Join(*dir, "bench.json"))
	if err != nil {
		fail(err)
	}
	page := dashboard.Build(rules, runs, benchReport, suiteVersion(), time.Now())
	for _, out := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"dashboard.html", func(b *bytes.Buffer) error { return page.HTML(b) }},
		{"dashboard.md", func(b *bytes.Buffer) error { return page.Markdown(b) }},
	} {
		var b bytes.Buffer
		if err := out.write(&b); err != nil {
			fail(err)
		}
		path := filepath.Join(*dir, out.name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			fail(err)
		}
		fmt.Println("wrote", path)
	}
}

// loadBench reads bench.json if a make bench left one.
func loadBench(path string) (*bench.Report, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r bench.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// suiteVersion is the checkout's commit, marked when it has local changes.
func suiteVersion() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	return strings.TrimSpace(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dashboard:", err)
	os.Exit(1)
}
