package reports

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// scenarioKey names a scenario as the verdict does: the feature file's
// base name without ".feature", and the scenario's name.
type scenarioKey struct{ feature, scenario string }

// durations holds, per scenario, the time of each run of that name in the
// order godog ran them (an outline's rows may share a name).
type durations map[scenarioKey][]time.Duration

// take returns the next recorded time of a scenario, or 0 if none is left.
func (d durations) take(k scenarioKey) time.Duration {
	ts := d[k]
	if len(ts) == 0 {
		return 0
	}
	d[k] = ts[1:]
	return ts[0]
}

// fixCucumber makes godog's cucumber JSON valid against Cucumber's schema
// for the format (schema/cucumber-js.schema.json, the format
// multiple-cucumber-html-reporter and the like read): no feature-level
// "comments" (godog copies the feature file's comments there), feature
// "uri"s relative to root (godog writes the absolute paths it was given,
// which name the machine's checkout), a step's data table or doc string as
// its "arguments" (godog writes them as "rows" and "doc_string"), and the
// lists the schema requires ("tags", "arguments") present even when empty.
// It also returns each scenario's time: the sum of its steps' durations.
func fixCucumber(raw []byte, root string) ([]byte, durations, error) {
	var features []map[string]any
	if err := json.Unmarshal(raw, &features); err != nil {
		return nil, nil, fmt.Errorf("godog's cucumber JSON: %w", err)
	}
	times := durations{}
	for _, f := range features {
		delete(f, "comments")
		uri, _ := f["uri"].(string)
		if rel, err := filepath.Rel(root, uri); err == nil && filepath.IsAbs(uri) && !strings.HasPrefix(rel, "..") {
			uri = filepath.ToSlash(rel)
			f["uri"] = uri
		}
		ensureList(f, "tags")
		feature := strings.TrimSuffix(filepath.Base(uri), ".feature")
		elements, _ := f["elements"].([]any)
		for _, e := range elements {
			element, ok := e.(map[string]any)
			if !ok {
				continue
			}
			ensureList(element, "tags")
			var total time.Duration
			steps, _ := element["steps"].([]any)
			for _, s := range steps {
				step, ok := s.(map[string]any)
				if !ok {
					continue
				}
				if hidden, _ := step["hidden"].(bool); !hidden {
					stepArguments(step)
				}
				if result, ok := step["result"].(map[string]any); ok {
					if ns, ok := result["duration"].(float64); ok {
						total += time.Duration(ns) // Cucumber JSON durations are nanoseconds
					}
				}
			}
			name, _ := element["name"].(string)
			k := scenarioKey{feature, name}
			times[k] = append(times[k], total)
		}
	}
	fixed, err := json.MarshalIndent(features, "", "    ")
	return fixed, times, err
}

// stepArguments moves a step's data table and doc string where the
// schema has them: {"arguments": [{"rows": [...]}, {"content", "line"}]}.
func stepArguments(step map[string]any) {
	args, _ := step["arguments"].([]any)
	if rows, ok := step["rows"]; ok {
		args = append(args, map[string]any{"rows": rows})
		delete(step, "rows")
	}
	if doc, ok := step["doc_string"].(map[string]any); ok {
		args = append(args, map[string]any{"content": doc["value"], "line": doc["line"]})
		delete(step, "doc_string")
	}
	if args == nil {
		args = []any{}
	}
	step["arguments"] = args
}

func ensureList(m map[string]any, key string) {
	if v, ok := m[key]; !ok || v == nil {
		m[key] = []any{}
	}
}
