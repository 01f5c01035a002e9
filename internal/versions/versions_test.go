package versions

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/sdk"
)

func TestClassifyKeepsReleasesInOrderWithTheirGeneration(t *testing.T) {
	got := classify([]string{"1.0.14", "0.3.0", "1.0.5-preview.0", "1.0.4", " 1.0.10", "1.0.5",
		"1.0.15-unstable.1.gabc", "not-a-version", "1.0.4", "1.0.9"})
	assert.Equal(t, []Version{
		{"0.3.0", 0}, {"1.0.4", 1}, {"1.0.5", 2}, {"1.0.9", 2}, {"1.0.10", 2}, {"1.0.14", 2},
	}, got)
}

func TestClassifyReadsGoStyleVersions(t *testing.T) {
	g, err := sdk.Lookup("go")
	require.NoError(t, err)
	got := classify(g.ReleaseTags)
	assert.Equal(t, Version{"v1.0.2", 0}, got[2])
	assert.Equal(t, Version{"v1.0.4", 1}, got[3])
	assert.Equal(t, Version{"v1.0.14", 2}, got[len(got)-1])
}

func TestWithCallbackDropsVersionsBeforeTheCallback(t *testing.T) {
	l := List{Versions: classify([]string{"1.0.2", "1.0.4", "1.0.5"})}
	assert.Equal(t, []Version{{"1.0.4", 1}, {"1.0.5", 2}}, l.WithCallback())
}

func TestCompareOrdersAsSemanticVersions(t *testing.T) {
	assert.Negative(t, Compare("1.0.9", "1.0.10"))
	assert.Positive(t, Compare("v1.0.14", "v1.0.4"))
	assert.Zero(t, Compare("1.0.4", "v1.0.4"))
}

func TestPublishedRefusesAnUnknownSDK(t *testing.T) {
	_, err := Published(t.Context(), "cobol")
	assert.ErrorContains(t, err, `unknown SDK "cobol": known SDKs are`)
}

func TestSelect(t *testing.T) {
	vs := classify([]string{"1.0.4", "1.0.5", "1.0.9", "1.0.17", "1.0.18"})
	tests := []struct {
		spec    string
		want    []string
		wantErr string
	}{
		{"all", []string{"1.0.4", "1.0.5", "1.0.9", "1.0.17", "1.0.18"}, ""},
		{"1.0.9..1.0.18", []string{"1.0.9", "1.0.17", "1.0.18"}, ""},
		{"..1.0.5", []string{"1.0.4", "1.0.5"}, ""},
		{"1.0.17..", []string{"1.0.17", "1.0.18"}, ""},
		{"1.0.18, 1.0.4", []string{"1.0.18", "1.0.4"}, ""},
		{"1.0.6", nil, "1.0.6 is not a published version (published: 1.0.4, 1.0.5, 1.0.9, 1.0.17, 1.0.18)"},
		{"2.0.0..", nil, "no published version in that range"},
		{"a..b", nil, "want <from>..<to> with semantic versions"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := Select(vs, tt.spec)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			assert.NoError(t, err)
			var names []string
			for _, v := range got {
				names = append(names, v.Version)
			}
			assert.Equal(t, tt.want, names)
		})
	}
}
