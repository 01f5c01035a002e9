package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"conformance/internal/bench"
	"conformance/internal/differential"
	"conformance/internal/matrix"
	"conformance/internal/results"
	"conformance/internal/tailbuf"
	"conformance/internal/wirelog"
)

// Load reads every run record under the result folders (each
// <dir>/<label>/verdict.json), and the version matrices
// (<dir>/matrix/*.json), mutation scores (<dir>/mutants/*.json) and
// benchmark (<dir>/bench.json) beside them. Folders from different
// machines merge: a label found in two folders keeps the run that finished
// last, but only when both were made with the same suite commit; runs of
// one label from different (or unrecorded) commits are refused unless
// allowMixed, since they need not judge the same rules the same way.
func Load(dirs []string, allowMixed bool) (Input, error) {
	in := Input{Mutants: map[string]Mutation{}}
	byLabel := map[string]int{}
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*", results.FileName))
		if err != nil {
			return in, err
		}
		sort.Strings(paths)
		for _, p := range paths {
			runDir := filepath.Dir(p)
			r, err := results.Load(runDir)
			if err != nil {
				return in, err
			}
			if r.Label == "" || r.SDK == "" {
				return in, fmt.Errorf("%s: not a run record (no label or sdk)", p)
			}
			lr := LoadedRun{Run: r, Dir: runDir, Frames: wireFrames(runDir)}
			i, seen := byLabel[r.Label]
			if !seen {
				byLabel[r.Label] = len(in.Runs)
				in.Runs = append(in.Runs, lr)
				continue
			}
			old := in.Runs[i]
			a, b := commitOf(old.Run), commitOf(r)
			if (a != b || a == "unknown") && !allowMixed {
				return in, fmt.Errorf("run %q is in %s (suite commit %s) and in %s (suite commit %s): "+
					"runs of one label from different or unrecorded suite commits may judge the rules differently, so they are not merged; "+
					"rerun one of them on the other's commit, or merge anyway with ALLOW_MIXED_COMMITS=1 (flag -allow-mixed-commits)",
					r.Label, old.Dir, a, runDir, b)
			}
			keep, drop := old, lr
			if r.FinishedAt > old.FinishedAt {
				keep, drop = lr, old
				in.Runs[i] = lr
			}
			in.Notes = append(in.Notes, fmt.Sprintf("run %s: kept %s (finished %s), not %s (finished %s)",
				r.Label, keep.Dir, keep.FinishedAt, drop.Dir, drop.FinishedAt))
		}
		if err := loadMatrices(dir, &in); err != nil {
			return in, err
		}
		if err := loadMutants(dir, &in); err != nil {
			return in, err
		}
		if in.Bench == nil {
			b, err := loadBench(filepath.Join(dir, "bench.json"))
			if err != nil {
				return in, err
			}
			in.Bench = b
		}
	}
	if len(in.Runs) == 0 {
		return in, fmt.Errorf("no run records (<dir>/<label>/verdict.json) under %s: run make conformance first", strings.Join(dirs, ", "))
	}
	sort.Slice(in.Runs, func(i, j int) bool { return in.Runs[i].Label < in.Runs[j].Label })
	return in, nil
}

func loadMatrices(dir string, in *Input) error {
	paths, _ := filepath.Glob(filepath.Join(dir, "matrix", "*.json"))
	sort.Strings(paths)
	for _, p := range paths {
		sdk := strings.TrimSuffix(filepath.Base(p), ".json")
		m, err := matrix.Load(filepath.Dir(p), sdk)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if m.SDK == "" {
			continue // not a matrix (another tool's file in the folder)
		}
		dup := false
		for _, o := range in.Matrices {
			dup = dup || o.SDK == m.SDK
		}
		if dup {
			in.Notes = append(in.Notes, fmt.Sprintf("version matrix of %s: kept the first one read, not %s", m.SDK, p))
			continue
		}
		in.Matrices = append(in.Matrices, m)
	}
	return nil
}

// loadMutants reads each SDK's mutation score (make mutants): how many
// of the SDK's mutants, copies of its release broken one rule at a time,
// the suite caught.
func loadMutants(dir string, in *Input) error {
	paths, _ := filepath.Glob(filepath.Join(dir, "mutants", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var m Mutation
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if m.SDK == "" {
			return fmt.Errorf("%s: not a mutation score (no sdk; make mutants writes them)", p)
		}
		if _, seen := in.Mutants[m.SDK]; !seen {
			in.Mutants[m.SDK] = m
		}
	}
	return nil
}

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

// maxFrames is how many wire frames a result shows: the last ones about
// tokens, sessions ending, or errors, where a failure of the callback
// contract shows, not the whole log (the file has it).
const (
	maxFrames   = 6
	maxFrameLen = 240
)

var relevantMethod = regexp.MustCompile(`(?i)token|destroy|delete|detach|disconnect|abort|shutdown`)

// wireFrames reads a run's wire records on demand.
func wireFrames(runDir string) func(string) []string {
	return func(scenario string) []string {
		b, err := os.ReadFile(differential.FileName(runDir, scenario))
		if err != nil {
			return nil
		}
		var rec differential.Record
		if json.Unmarshal(b, &rec) != nil {
			return nil
		}
		return RelevantFrames(rec.Frames)
	}
}

// RelevantFrames picks the last few frames about tokens, sessions ending
// and errors, and the answers to such requests, each as one line.
func RelevantFrames(frames []wirelog.Frame) []string {
	asked := map[string]bool{} // conn/id of relevant requests
	var picked []string
	for _, f := range frames {
		m, err := f.Decode()
		key := fmt.Sprintf("%d/%s/%s", f.Conn, f.Dir, m.ID)
		answerKey := fmt.Sprintf("%d/%s/%s", f.Conn, other(f.Dir), m.ID)
		relevant := err != nil || m.Error != nil || (m.Method != "" && relevantMethod.MatchString(m.Method)) ||
			(m.IsResponse() && asked[answerKey])
		if m.IsRequest() && relevantMethod.MatchString(m.Method) {
			asked[key] = true
		}
		if !relevant {
			continue
		}
		line := fmt.Sprintf("#%d %s %s", f.Seq, f.Dir, compact(f.Raw))
		if err != nil {
			line = fmt.Sprintf("#%d %s unreadable: %s", f.Seq, f.Dir, f.Err)
		}
		picked = append(picked, tailbuf.Head([]byte(line), maxFrameLen))
	}
	if len(picked) > maxFrames {
		picked = append([]string{fmt.Sprintf("(%d earlier frames of the same kind left out)", len(picked)-maxFrames)}, picked[len(picked)-maxFrames:]...)
	}
	return picked
}

func other(d wirelog.Direction) wirelog.Direction {
	if d == wirelog.SDKToRuntime {
		return wirelog.RuntimeToSDK
	}
	return wirelog.SDKToRuntime
}

func compact(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
