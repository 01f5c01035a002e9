package cimatrix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Rehearsal runs a workflow's matrix job cell by cell on this machine, each
// cell's results kept apart as its artifact would be, then the merge job
// over all of them, as the workflow's download step gathers them.
type Rehearsal struct {
	Workflow string   // the workflow file
	CellJob  string   // the matrix job ("cell")
	MergeJob string   // the job that merges the cells' results ("merge")
	Root     string   // the checkout
	Out      string   // where cells' results and the merge go (emptied first)
	Cells    []string // patterns narrowing the cells (Select); none: all
	Event    string   // github.event_name
	Output   io.Writer
}

// CellResult is what one cell did.
type CellResult struct {
	Cell   Cell
	Labels []string // the run folders it wrote (its artifact's content)
	Took   time.Duration
	Err    error
}

// Result is what the rehearsal did.
type Result struct {
	Cells    []CellResult
	MergeErr error
}

// OK reports whether every cell and the merge succeeded.
func (r Result) OK() bool {
	for _, c := range r.Cells {
		if c.Err != nil {
			return false
		}
	}
	return r.MergeErr == nil
}

// Run rehearses. The error is for a rehearsal that could not start (a
// workflow it cannot read, a pattern matching nothing); what cells and
// the merge did is in the Result.
func (h Rehearsal) Run(ctx context.Context) (Result, error) {
	w, err := Load(h.Workflow)
	if err != nil {
		return Result{}, err
	}
	cellJob, err := w.Job(h.CellJob)
	if err != nil {
		return Result{}, err
	}
	mergeJob, err := w.Job(h.MergeJob)
	if err != nil {
		return Result{}, err
	}
	all, err := cellJob.Cells()
	if err != nil {
		return Result{}, err
	}
	cells, err := Select(all, h.Cells)
	if err != nil {
		return Result{}, err
	}
	// Where the workflow's cells write their runs: its RESULTS, relative
	// to the checkout.
	resultsDir := filepath.Join(h.Root, "results")
	if v := w.Env["RESULTS"]; v != "" {
		resultsDir = filepath.Join(h.Root, v)
	}
	if err := os.RemoveAll(h.Out); err != nil {
		return Result{}, err
	}
	cellsDir, merged := filepath.Join(h.Out, "cells"), filepath.Join(h.Out, "merged")
	for _, d := range []string{cellsDir, merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return Result{}, err
		}
	}
	fmt.Fprintf(h.Output, "ci-matrix: %d of the %d cells of %s, then job %s\n", len(cells), len(all), h.Workflow, h.MergeJob)

	runner := Runner{Dir: h.Root, Event: h.Event, Output: h.Output}
	var res Result
	for _, c := range cells {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		start := time.Now()
		before, err := snapshot(resultsDir)
		if err != nil {
			return res, err
		}
		cr := CellResult{Cell: c}
		cr.Err = runner.RunJob(ctx, w, cellJob, c)
		cr.Took = time.Since(start)
		labels, err := changed(resultsDir, before)
		if err != nil {
			return res, err
		}
		// The cell's artifact: the run folders it wrote, nothing older.
		artifact := filepath.Join(cellsDir, artifactName(c))
		for _, l := range labels {
			if err := os.CopyFS(filepath.Join(artifact, l), os.DirFS(filepath.Join(resultsDir, l))); err != nil {
				return res, err
			}
		}
		cr.Labels = labels
		if len(labels) == 0 && cr.Err == nil {
			cr.Err = errors.New("the cell wrote no run folder (the workflow's upload step would fail: if-no-files-found: error)")
		}
		res.Cells = append(res.Cells, cr)
	}

	// The merge job's download step: every artifact's folders in one.
	var collisions []error
	from := map[string]string{}
	for _, cr := range res.Cells {
		for _, l := range cr.Labels {
			if other, ok := from[l]; ok {
				collisions = append(collisions, fmt.Errorf("cells %s and %s both wrote %s/: merged, one would overwrite the other", other, cr.Cell.ID, l))
				continue
			}
			from[l] = cr.Cell.ID
			if err := os.CopyFS(filepath.Join(merged, l), os.DirFS(filepath.Join(cellsDir, artifactName(cr.Cell), l))); err != nil {
				return res, err
			}
		}
	}
	if len(from) == 0 {
		res.MergeErr = errors.New("no cell wrote results: nothing to merge")
		return res, nil
	}
	mergeRunner := runner
	mergeRunner.Override = map[string]string{"RESULTS": merged}
	res.MergeErr = errors.Join(append(collisions, mergeRunner.RunJob(ctx, w, mergeJob, Cell{Matrix: map[string]any{}}))...)
	return res, nil
}

// Summary writes one line per cell and the merge's outcome.
func (r Result) Summary(w io.Writer, out string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "cell\tresult\ttime\truns")
	for _, c := range r.Cells {
		result := "ok"
		if c.Err != nil {
			result = "FAILED: " + firstLine(c.Err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Cell.ID, result, c.Took.Round(time.Second), strings.Join(c.Labels, " "))
	}
	merge := "ok"
	if r.MergeErr != nil {
		merge = "FAILED: " + strings.ReplaceAll(r.MergeErr.Error(), "\n", "; ")
	}
	fmt.Fprintf(tw, "merge\t%s\t\t%s\n", merge, filepath.Join(out, "merged"))
	tw.Flush()
}

// artifactName is the cell's folder, named as the workflow names its
// artifact (results-<build>-<runtime>-<transport>).
func artifactName(c Cell) string {
	return "results-" + strings.ReplaceAll(c.ID, "/", "-")
}

// snapshot records each run folder's verdict.json time under dir.
func snapshot(dir string) (map[string]time.Time, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "verdict.json"))
	if err != nil {
		return nil, err
	}
	s := map[string]time.Time{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		s[filepath.Base(filepath.Dir(p))] = fi.ModTime()
	}
	return s, nil
}

// changed lists the run folders whose verdict.json is new since before.
func changed(dir string, before map[string]time.Time) ([]string, error) {
	after, err := snapshot(dir)
	if err != nil {
		return nil, err
	}
	var labels []string
	for l, t := range after {
		if old, ok := before[l]; !ok || t.After(old) {
			labels = append(labels, l)
		}
	}
	sort.Strings(labels)
	return labels, nil
}
