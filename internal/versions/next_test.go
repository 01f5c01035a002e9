package versions

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registries is an httptest server standing in for every registry: each
// path answers what that registry serves for the SDKs' packages (shaped
// as the real ones were seen to answer), and hits counts the requests.
func registries(t *testing.T, routes map[string]string) (Registries, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, ok := routes[r.URL.EscapedPath()]
		if !ok {
			http.Error(w, "This module version is not available.", http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	u := srv.URL
	return Registries{NPM: u + "/npm", PyPI: u + "/pypi/simple", Crates: u + "/crates", GoProxy: u + "/goproxy",
		Maven: u + "/maven2", NuGet: u + "/nuget", Client: srv.Client()}, &hits
}

const npmPackument = `{"name":"@github/copilot-sdk","dist-tags":{"latest":"1.0.14"},"versions":{
  "1.0.13":{},"1.0.14":{},"1.0.15-preview.0":{},"1.0.15-preview.4":{},
  "1.0.15-unstable.35393089353.gfc44743":{},"1.0.4":{}}}`

func TestNextNPMIsTheNewestPrereleaseButNotACISnapshot(t *testing.T) {
	r, _ := registries(t, map[string]string{"/npm/@github%2fcopilot-sdk": npmPackument})
	n, err := r.NextSDK(t.Context(), "node")
	require.NoError(t, err)
	// 1.0.15-unstable.* sorts above preview.4 by its letters; it is a CI
	// snapshot, not the prerelease users are offered.
	assert.Equal(t, "1.0.15-preview.4", n.Version)
	assert.Equal(t, "1.0.14", n.Latest)
	assert.True(t, n.Prerelease())
	assert.Contains(t, n.String(), "npm @github/copilot-sdk versions and dist-tags (latest=1.0.14); newest release 1.0.14")
}

func TestNextNPMTakesASnapshotThatADistTagNames(t *testing.T) {
	r, _ := registries(t, map[string]string{"/npm/@github%2fcopilot-sdk-linux-x64": `{"dist-tags":{"latest":"1.0.14","next":"1.0.16-unstable.1.gabc"},
	  "versions":{"1.0.14":{},"1.0.15-preview.4":{},"1.0.16-unstable.1.gabc":{}}}`})
	n, err := r.NextRuntime(t.Context(), "@github/copilot-sdk-linux-x64")
	require.NoError(t, err)
	assert.Equal(t, "1.0.16-unstable.1.gabc", n.Version)
}

func TestNextIsTheNewestReleaseWhereNoPrereleaseIsNewer(t *testing.T) {
	r, _ := registries(t, map[string]string{"/npm/@github%2fcopilot-sdk": `{"dist-tags":{"latest":"1.0.14"},
	  "versions":{"1.0.13":{},"1.0.14-preview.1":{},"1.0.14":{}}}`})
	n, err := r.NextSDK(t.Context(), "node")
	require.NoError(t, err)
	assert.Equal(t, Next{Version: "1.0.14", Latest: "1.0.14", From: n.From}, n)
	assert.False(t, n.Prerelease())
	assert.Contains(t, n.String(), "no prerelease newer than this release")
}

func TestNextPyPIOrdersAsPEP440AndSkipsDevAndYanked(t *testing.T) {
	r, _ := registries(t, map[string]string{"/pypi/simple/github-copilot-sdk/": `{"meta":{"api-version":"1.1"},
	  "versions":["1.0.26","1.0.27rc4","1.0.27","1.0.28.dev4003","1.0.28rc0","1.0.28rc1","1.0.28rc10","1.0.28rc2"],
	  "files":[{"filename":"github_copilot_sdk-1.0.27-py3-none-any.whl","yanked":false},
	           {"filename":"github_copilot_sdk-1.0.28rc0-py3-none-any.whl","yanked":false},
	           {"filename":"github_copilot_sdk-1.0.28rc1-py3-none-any.whl","yanked":false},
	           {"filename":"github_copilot_sdk-1.0.28rc2-py3-none-any.whl","yanked":false},
	           {"filename":"github_copilot_sdk-1.0.28rc10-py3-none-any.whl","yanked":"broken"},
	           {"filename":"github_copilot_sdk-1.0.28rc10.tar.gz","yanked":true}]}`})
	n, err := r.NextSDK(t.Context(), "python")
	require.NoError(t, err)
	// rc10 is yanked (both its files), the .dev build a snapshot; rc2 <
	// rc10 numerically would matter if rc10 were live.
	assert.Equal(t, "1.0.28rc2", n.Version)
	assert.Equal(t, "1.0.27", n.Latest)
}

func TestPEP440Order(t *testing.T) {
	order := []string{"1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0rc10", "1.0", "1.0.post1", "1.0.1", "1.0.10"}
	for i := 1; i < len(order); i++ {
		a, ok := parsePEP440(order[i-1])
		require.True(t, ok, order[i-1])
		b, ok := parsePEP440(order[i])
		require.True(t, ok, order[i])
		assert.Negative(t, a.compare(b), "%s < %s", order[i-1], order[i])
		assert.Positive(t, b.compare(a), "%s > %s", order[i], order[i-1])
	}
	_, ok := parsePEP440("1.0-preview.4")
	assert.False(t, ok)
}

func TestNextCratesSkipsYankedAndSnapshots(t *testing.T) {
	r, _ := registries(t, map[string]string{"/crates/gi/th/github-copilot-sdk": `{"name":"github-copilot-sdk","vers":"1.0.28","yanked":false}
{"name":"github-copilot-sdk","vers":"1.0.29-preview.3","yanked":false}
{"name":"github-copilot-sdk","vers":"1.0.29-preview.4","yanked":false}
{"name":"github-copilot-sdk","vers":"1.0.29-preview.5","yanked":true}
{"name":"github-copilot-sdk","vers":"1.0.29-unstable.41528289608.g54dc3af","yanked":false}
`})
	n, err := r.NextSDK(t.Context(), "rust")
	require.NoError(t, err)
	assert.Equal(t, "1.0.29-preview.4", n.Version)
	assert.Equal(t, "1.0.28", n.Latest)
}

func TestNextGoReadsTheProxyList(t *testing.T) {
	r, _ := registries(t, map[string]string{"/goproxy/github.com/github/copilot-sdk/go/@v/list": "v1.0.13\nv1.0.14\nv1.0.15-preview.1\n"})
	n, err := r.NextSDK(t.Context(), "go")
	require.NoError(t, err)
	assert.Equal(t, "v1.0.15-preview.1", n.Version)
	assert.Equal(t, "v1.0.14", n.Latest)
}

func TestNextGoFallsBackToLatestThenToTheReleaseTags(t *testing.T) {
	r, _ := registries(t, map[string]string{"/goproxy/github.com/github/copilot-sdk/go/@latest": `{"Version":"v1.0.14","Time":"2026-09-16T05:09:15Z"}`})
	n, err := r.NextSDK(t.Context(), "go")
	require.NoError(t, err)
	assert.Equal(t, "v1.0.14", n.Version)
	assert.Contains(t, n.From, "@latest")

	// The proxy as reached here: 403 for the list and for @latest.
	r, _ = registries(t, map[string]string{})
	n, err = r.NextSDK(t.Context(), "go")
	require.NoError(t, err)
	assert.Equal(t, "v1.0.14", n.Version, "the newest of internal/sdk's release tags for go")
	assert.Contains(t, n.From, "upstream release tags go/v*")
	assert.Contains(t, n.From, "403 Forbidden")
}

func TestNextMavenReadsTheMetadata(t *testing.T) {
	r, _ := registries(t, map[string]string{"/maven2/com/github/copilot-sdk-java/maven-metadata.xml": `<?xml version="1.0"?>
<metadata><groupId>com.github</groupId><artifactId>copilot-sdk-java</artifactId>
<versioning><latest>0.3.0-java.2</latest><release>0.3.0-java.2</release><versions><version>0.3.0-java.1</version><version>0.3.0-java.2</version></versions></versioning></metadata>`})
	n, err := r.NextSDK(t.Context(), "java")
	require.NoError(t, err)
	assert.Equal(t, "0.3.0-java.2", n.Version)
	_, hasCallback := Classify(n.Version)
	assert.False(t, hasCallback, "0.3.0-java.2 is a prerelease of a version before the callback")
}

func TestNextNuGetReadsTheFlatContainer(t *testing.T) {
	r, _ := registries(t, map[string]string{"/nuget/github.copilot.sdk/index.json": `{"versions":["1.0.13","1.0.14","1.0.15-preview.2"]}`})
	n, err := r.NextSDK(t.Context(), "dotnet")
	require.NoError(t, err)
	assert.Equal(t, "1.0.15-preview.2", n.Version)
}

func TestNextFailsWithTheRegistrysAnswer(t *testing.T) {
	r, _ := registries(t, map[string]string{})
	_, err := r.NextSDK(t.Context(), "node")
	assert.ErrorContains(t, err, "node@next: GET ")
	assert.ErrorContains(t, err, "403 Forbidden")
	_, err = r.NextRuntime(t.Context(), "@github/copilot-sdk-linux-x64")
	assert.ErrorContains(t, err, "RUNTIME_VERSION=next")
}

func TestNextOnceAsksOncePerPackage(t *testing.T) {
	r, hits := registries(t, map[string]string{"/npm/@github%2fcopilot-sdk": npmPackument})
	o := &NextOnce{Registries: r}
	for range 3 {
		n, err := o.SDK(t.Context(), "node")
		require.NoError(t, err)
		assert.Equal(t, "1.0.15-preview.4", n.Version)
	}
	assert.EqualValues(t, 1, hits.Load())
}

func TestSparseIndexPath(t *testing.T) {
	assert.Equal(t, "1/a", sparseIndexPath("a"))
	assert.Equal(t, "3/s/syn", sparseIndexPath("syn"))
	assert.Equal(t, "gi/th/github-copilot-sdk", sparseIndexPath("github-copilot-sdk"))
}
