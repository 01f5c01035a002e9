package reports

import (
	"encoding/json"

	"conformance/internal/results"
)

// errorCucumber is the cucumber.json of a run that ended without a
// verdict (run.Error): one feature, "did not run", with one scenario named
// after the step that failed, whose one step failed with the tool's
// message, so that a Cucumber report shows a red build saying why rather
// than an empty (green) one. It replaces whatever godog wrote of a run
// that stopped between scenarios: those results were not judged.
func errorCucumber(run results.Run) ([]byte, error) {
	e := run.Error
	step := map[string]any{
		"keyword": "Given ", "line": 1, "name": "the build's " + e.Step + " succeeds", "arguments": []any{},
		"match":  map[string]any{"location": "internal/suite"},
		"result": map[string]any{"status": "failed", "duration": 0, "error_message": e.String()},
	}
	feature := map[string]any{
		"uri": "features", "id": "did-not-run", "line": 1, "keyword": "Feature",
		"name":        run.Label + " did not run",
		"description": "The build ended without a verdict: " + e.String(),
		"tags":        []any{},
		"elements": []any{map[string]any{
			"id": "did-not-run;" + slug(e.Step), "line": 1, "keyword": "Scenario", "type": "scenario",
			"name": e.Step, "tags": []any{}, "steps": []any{step},
		}},
	}
	return json.MarshalIndent([]any{feature}, "", "    ")
}

func slug(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}
