package steps_test

import (
	"os"
	"path/filepath"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
)

// featurePickle is one scenario as godog runs it (an outline's example
// row each), with the feature file it comes from.
type featurePickle struct {
	file string
	*messages.Pickle
}

// featurePickles parses the feature files the glob patterns match, which
// must match some.
func featurePickles(t *testing.T, patterns ...string) []featurePickle {
	t.Helper()
	var files []string
	for _, p := range patterns {
		matched, err := filepath.Glob(p)
		require.NoError(t, err)
		files = append(files, matched...)
	}
	require.NotEmpty(t, files, "no feature file matches %q", patterns)
	var pickles []featurePickle
	for _, f := range files {
		r, err := os.Open(f)
		require.NoError(t, err)
		doc, err := gherkin.ParseGherkinDocument(r, (&messages.Incrementing{}).NewId)
		r.Close()
		require.NoError(t, err, f)
		for _, p := range gherkin.Pickles(*doc, f, (&messages.Incrementing{}).NewId) {
			pickles = append(pickles, featurePickle{file: f, Pickle: p})
		}
	}
	return pickles
}
