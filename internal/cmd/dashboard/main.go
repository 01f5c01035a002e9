// Command dashboard writes the parity dashboard (make dashboard) from the
// run records under one or more result folders, e.g. the artifacts of a
// CI matrix: dashboard.html, parity.json and parity-comment.md. See
// package dashboard.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"conformance/internal/contract"
	"conformance/internal/dashboard"
	"conformance/internal/results"
)

func main() {
	dirs := flag.String("results", "results", "comma-separated result folders to merge (each holds <label>/verdict.json)")
	out := flag.String("out", "results", "where to write dashboard.html, parity.json and parity-comment.md")
	features := flag.String("features", "features", "the feature files, which state the rules")
	schema := flag.String("schema", "schemas/parity.schema.json", "the JSON Schema parity.json must conform to (checked before anything is written)")
	soaks := flag.String("soak", "", "comma-separated soak reports (make soak) to merge; default: soak.json in each result folder where there is one")
	allowMixed := flag.Bool("allow-mixed-commits", false, "merge runs of one label made with different suite commits (the newer run is kept)")
	flag.Parse()
	rules, err := contract.Load(*features)
	if err != nil {
		fail(err)
	}
	list := splitList(*dirs)
	in, err := dashboard.Load(list, *allowMixed)
	if err != nil {
		fail(err)
	}
	if in.Soaks, err = dashboard.LoadSoaks(list, splitList(*soaks)); err != nil {
		fail(err)
	}
	p := dashboard.Build(rules, in, suiteVersion(), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	var ids [][3]string
	for _, r := range rules {
		ids = append(ids, [3]string{r.ID, r.Title, r.Text})
	}
	p.Suite = &results.Suite{Version: results.ReadSuiteVersion("."), Commit: results.SuiteCommit("."), Rules: results.RuleSetOf(ids)}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	var data bytes.Buffer
	if err := p.JSON(&data); err != nil {
		fail(err)
	}
	if err := dashboard.Validate(*schema, data.Bytes()); err != nil {
		fail(err)
	}
	for _, o := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"dashboard.html", func(b *bytes.Buffer) error { return p.HTML(b) }},
		{"parity.json", func(b *bytes.Buffer) error { _, err := b.Write(data.Bytes()); return err }},
		{"parity-comment.md", func(b *bytes.Buffer) error { return p.Comment(b) }},
	} {
		var b bytes.Buffer
		if err := o.write(&b); err != nil {
			fail(err)
		}
		path := filepath.Join(*out, o.name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			fail(err)
		}
		fmt.Printf("wrote %s (%d bytes)\n", path, b.Len())
	}
	fmt.Printf("%d runs from %s, %d columns\n", len(p.Runs), strings.Join(list, ", "), len(p.Columns))
	if p.Soak != nil {
		fmt.Println(p.Soak.Line())
	}
	for _, n := range p.Notes {
		fmt.Println("note:", n)
	}
}

// splitList is a comma-separated flag's items, blanks left out.
func splitList(s string) []string {
	var list []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	return list
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
