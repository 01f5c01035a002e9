package main

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/build"
	"conformance/internal/versions"
)

// The matrix takes the build spelling of every command: a bare name runs
// the versions VERSIONS selects, name@version that version, name+source
// the version its source is of, built from it.
func TestSelectVersionsReadsEveryBuildSpelling(t *testing.T) {
	root := t.TempDir()
	archive := filepath.Join(root, "copilot-sdk-java-1.0.4.tar.gz")
	writeEmptyTarGz(t, archive)
	builds, err := build.ParseBuilds("java+"+archive+",node@1.0.4,node", build.Defaults{})
	require.NoError(t, err)
	s := sweep{root: root}

	javaList := versions.List{SDK: "java", Versions: []versions.Version{{Version: "1.0.4", Generation: 1}, {Version: "1.0.11", Generation: 2}}}
	got, built, err := s.selectVersions("java", javaList, builds, "all")
	require.NoError(t, err)
	assert.Equal(t, []versions.Version{{Version: "1.0.4", Generation: 1}}, got, "only the source's version, not the whole list")
	assert.Equal(t, map[string]string{"1.0.4": archive}, built)

	nodeList := versions.List{SDK: "node", Versions: []versions.Version{{Version: "1.0.4", Generation: 1}, {Version: "1.0.5", Generation: 2}, {Version: "1.0.14", Generation: 2}}}
	got, _, err = s.selectVersions("node", nodeList, builds[1:2], "all")
	require.NoError(t, err)
	assert.Equal(t, nodeList.Versions[:1], got, "node@1.0.4: that version")
	got, _, err = s.selectVersions("node", nodeList, builds[1:], "1.0.5..")
	require.NoError(t, err)
	assert.Equal(t, nodeList.Versions, got, "node@1.0.4 and node with VERSIONS=1.0.5..: both, oldest first")
}

func writeEmptyTarGz(t *testing.T, path string) {
	f, err := os.Create(path)
	require.NoError(t, err)
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "copilot-sdk-java-1.0.4/", Typeflag: tar.TypeDir, Mode: 0o755}))
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	require.NoError(t, f.Close())
}

// RUNTIME_VERSIONS names package versions (all and next ask npm, which
// the versions package's tests stand in for); each runs once.
func TestListRuntimesKeepsEachVersionOnce(t *testing.T) {
	got, err := listRuntimes(t.Context(), "1.0.13, 1.0.14,1.0.15-preview.0,1.0.13")
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0.13", "1.0.14", "1.0.15-preview.0"}, got)
}

// SDK=node@next in the matrix runs the version the next channel
// resolved to, as any other; one before the callback is listed as such.
func TestSelectVersionsResolvesTheNextChannel(t *testing.T) {
	builds, err := build.ParseBuilds("node@next,java@next", build.Defaults{})
	require.NoError(t, err)
	s := sweep{root: t.TempDir(), next: func(name string) (versions.Next, error) {
		return map[string]versions.Next{"node": {Version: "1.0.15-preview.4", From: "npm"}, "java": {Version: "0.3.0-java.2", From: "Maven"}}[name], nil
	}}
	got, _, err := s.selectVersions("node", versions.List{SDK: "node"}, builds, "all")
	require.NoError(t, err)
	assert.Equal(t, []versions.Version{{Version: "1.0.15-preview.4", Generation: 2}}, got)
	got, _, err = s.selectVersions("java", versions.List{SDK: "java"}, builds, "all")
	require.NoError(t, err)
	assert.Equal(t, []versions.Version{{Version: "0.3.0-java.2", Generation: 0}}, got)
}
