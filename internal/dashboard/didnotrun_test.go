package dashboard

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
	"conformance/internal/results"
)

// A build that ended in an error verdict is a column that did not run,
// saying why, in the page, parity.json and the comment.
func TestAnErrorVerdictIsACellThatDidNotRun(t *testing.T) {
	rules, err := contract.Load("../../features")
	require.NoError(t, err)
	failed := results.Run{Label: "python.stdio", SDK: "python", Runtime: "fake", Transport: "stdio", Runner: "local",
		Error: &results.RunError{Step: "stdio shim build", Message: "go build: exit status 1"}}
	p := Build(rules, Input{Runs: []LoadedRun{{Run: failed}}}, "v", "now")
	var col Column
	for i, c := range p.Columns {
		if c.SDK == "python" {
			col = c
			cell := p.Rules[0].Cells[i]
			assert.Equal(t, NotRun, cell.State)
			assert.Equal(t, "did not run: stdio shim build: go build: exit status 1", cell.Reason)
		}
	}
	assert.Equal(t, "did not run: stdio shim build: go build: exit status 1", col.NotRun)
	assert.Equal(t, "did not run: stdio shim build: go build: exit status 1", p.Runs[0].NotRun)
	var b strings.Builder
	require.NoError(t, p.Comment(&b))
	assert.Contains(t, b.String(), "did not run: stdio shim build")
}
