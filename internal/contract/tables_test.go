package contract

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The rule tables of the repository's documents are the features' rules:
// editing a rule in its feature file and running make rule-tables is the
// whole change.
func TestDocumentTablesMatchTheFeatures(t *testing.T) {
	rules, err := Load("../../features")
	require.NoError(t, err)
	for _, doc := range []string{"../../README.md", "../../CONTRACT.md"} {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		got, err := TablesIn(string(b))
		require.NoError(t, err, doc)
		assert.Equal(t, Tables(rules), got, "%s: its rule table differs from the features; run make rule-tables", doc)
	}
}

func TestTables(t *testing.T) {
	rules := []Rule{
		{ID: "BT-1", Title: "First", Text: "One `a|b`.\n\nTwo.", File: "wire.feature"},
		{ID: "BT-2", Title: "Proposed", Text: "Three.", Why: "a fix upstream", Tentative: true, File: "tentative/more.feature"},
	}
	tests := []struct {
		name, doc, want, wantErr string
	}{
		{
			name: "replaces what is between the markers, keeps the rest",
			doc:  "intro\n" + BeginMarker + "\nstale\n" + EndMarker + "\nafter\n",
			want: "intro\n" + BeginMarker + "\n" +
				"| rule | feature | what it requires |\n|------|---------|------------------|\n" +
				"| BT-1 | wire | **First.** One `a\\|b`. Two. |\n" +
				"\nTentative rules (tag `@tentative`): proposed by the suite, not stated by the SDKs' sources; run and reported apart.\n\n" +
				"| rule | feature | what it proposes | why |\n|------|---------|------------------|-----|\n" +
				"| BT-2 | tentative/more | **Proposed.** Three. | a fix upstream |\n" +
				EndMarker + "\nafter\n",
		},
		{name: "no markers", doc: "intro\n", wantErr: "markers"},
		{name: "markers swapped", doc: EndMarker + "\n" + BeginMarker, wantErr: "markers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WithTables(tt.doc, rules)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			tables, err := TablesIn(got)
			require.NoError(t, err)
			assert.Equal(t, Tables(rules), tables, "TablesIn reads back what WithTables wrote")
		})
	}
}
