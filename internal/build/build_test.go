package build

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/sdk"
)

func TestParseBuildsReadsEverySpelling(t *testing.T) {
	got, err := ParseBuilds(" java+/x/copilot-sdk-java-1.0.4.tar.gz, node@1.0.4 ,go,", Defaults{Version: "v1.0.9"})
	require.NoError(t, err)
	assert.Equal(t, []Build{
		{SDK: "java", Source: "/x/copilot-sdk-java-1.0.4.tar.gz"},
		{SDK: "node", Version: "1.0.4"},
		{SDK: "go", Version: "v1.0.9"}, // the default applies to a build named without its own
	}, got)
	assert.Equal(t, "java+/x/copilot-sdk-java-1.0.4.tar.gz", got[0].String())
	assert.Equal(t, "node@1.0.4", got[1].String())
}

func TestParseBuildsTakesARelativeSourceFromDir(t *testing.T) {
	got, err := ParseBuilds("java+a/x.tar.gz,java+/abs/y.tar.gz", Defaults{Dir: "/checkout"})
	require.NoError(t, err)
	assert.Equal(t, "/checkout/a/x.tar.gz", got[0].Source)
	assert.Equal(t, "/abs/y.tar.gz", got[1].Source)
}

func TestParseBuildsAllIsEverySDK(t *testing.T) {
	got, err := ParseBuilds("all", Defaults{Source: "/src"})
	require.NoError(t, err)
	require.Len(t, got, len(sdk.Names()))
	for i, n := range sdk.Names() {
		assert.Equal(t, Build{SDK: n, Source: "/src"}, got[i])
	}
}

func TestParseBuildsRefusesABadSpellingNamingTheKnownSDKs(t *testing.T) {
	for _, spec := range []string{"node@1.0.4+x", "cobol", "node@", "java+", "all,node", ""} {
		_, err := ParseBuilds(spec, Defaults{})
		require.Error(t, err, spec)
		assert.Contains(t, err.Error(), "known SDKs: dotnet, go, java, node, python, rust", spec)
		assert.Contains(t, err.Error(), Syntax, spec)
	}
}

func TestSDKNames(t *testing.T) {
	names, err := SDKNames("java+a.tar.gz,java+b.tar.gz,node@1.0.4,go")
	require.NoError(t, err)
	assert.Equal(t, []string{"java", "node", "go"}, names)
	names, err = SDKNames("all")
	require.NoError(t, err)
	assert.Empty(t, names, "all names no SDK in particular")
	_, err = SDKNames("java+x.tar.gz,nod")
	assert.ErrorContains(t, err, `"nod" is not a known SDK`)
}

func TestExpandIsEveryCombination(t *testing.T) {
	builds := []Build{{SDK: "node"}, {SDK: "go", Version: "v1.0.4"}}
	cells, err := Expand(builds, "fake,real", "tcp,stdio", "")
	require.NoError(t, err)
	require.Len(t, cells, 8)
	assert.Equal(t, Cell{Build: builds[0], Runtime: "fake", Transport: "tcp", Runner: "local"}, cells[0])
	assert.Equal(t, Cell{Build: builds[1], Runtime: "real", Transport: "stdio", Runner: "local"}, cells[7])
	_, err = Expand(builds, "fake,rael", "", "")
	assert.EqualError(t, err, `RUNTIME="fake,rael": "rael" is none of fake, real`)
}
