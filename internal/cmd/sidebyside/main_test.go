package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/sidebyside"
	"conformance/internal/timings"
)

func TestParseSetsMakesAJobPerEntry(t *testing.T) {
	jobs, err := parseSets(sets{
		"sdk=node,go@v1.0.4 runtime=fake,real transport=tcp,stdio",
		"sdk=java+/a/copilot-sdk-java-1.0.4.tar.gz",
		"sdk=rust runner=container",
	})
	require.NoError(t, err)
	assert.Equal(t, []sidebyside.Job{
		{Build: "node", Runtime: "fake,real", Transport: "tcp,stdio", Runner: "local"},
		{Build: "go@v1.0.4", Runtime: "fake,real", Transport: "tcp,stdio", Runner: "local"},
		{Build: "java+/a/copilot-sdk-java-1.0.4.tar.gz", Runtime: "fake", Transport: "tcp", Runner: "local"},
		{Build: "rust", Runtime: "fake", Transport: "tcp", Runner: "container"},
	}, jobs)
	assert.Equal(t, "rust [fake; tcp; container]", jobs[3].Name(), "a container run is timed apart from a local one")

	for _, bad := range []sets{nil, {"runtime=fake"}, {"sdk=node runner"}, {"sdk=node where=container"}, {"sdk=node runner=vm"}, {"sdk=node tcp"}, {"sdk=nod"}} {
		_, err := parseSets(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestOrderLongestFirstByTheLastRun(t *testing.T) {
	dir := t.TempDir()
	report := timings.Report{Builds: []timings.Record{
		{Kind: timings.Build, Name: "go [fake; tcp]", Wall: 10},
		{Kind: timings.Build, Name: "rust [fake; tcp]", Wall: 300},
		{Kind: timings.Build, Name: "node [fake; tcp]", Wall: 20},
	}}
	require.NoError(t, report.Write(filepath.Join(dir, "test-times.json")))
	jobs := []sidebyside.Job{
		{Build: "go", Runtime: "fake", Transport: "tcp"},
		{Build: "node", Runtime: "fake", Transport: "tcp"},
		{Build: "python", Runtime: "fake", Transport: "tcp"}, // never timed: first
		{Build: "rust", Runtime: "fake", Transport: "tcp"},
	}
	orderLongestFirst(jobs, filepath.Join(dir, "test-times.json"))
	var order []string
	for _, j := range jobs {
		order = append(order, j.Build)
	}
	assert.Equal(t, []string{"python", "rust", "node", "go"}, order)
}
