package contract

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The repository's features state the contract: this is the test that
// fails when a scenario sits outside its rule, a rule is stated twice, or a
// rule has nothing checking it.
func TestTheFeaturesStateEachRuleOnce(t *testing.T) {
	rules, err := Load("../../features")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(rules), 15, "BT-1 to BT-15 at least")
	for i, r := range rules {
		assert.Equal(t, i+1, r.Number)
		assert.NotEmpty(t, r.Title, r.ID)
		assert.NotEmpty(t, r.Text, r.ID)
		assert.NotEmpty(t, r.Scenarios, r.ID)
		if r.Tentative {
			assert.NotEmpty(t, r.Why, r.ID)
		}
	}
	bt4, ok := ByID(rules, "BT-4")
	require.True(t, ok)
	assert.Equal(t, `The singular provider is named "default"`, bt4.Title)
	assert.Equal(t, "token_requests.feature", bt4.File)
	assert.False(t, bt4.Tentative)
}

const header = "Feature: f\n  A feature.\n\n"

func TestLoadFS(t *testing.T) {
	scenario := func(tags, name string) string {
		return "  " + tags + "\n  Scenario: " + name + "\n    Given a step\n\n"
	}
	rule := func(tags, name, text string) string {
		return "  " + tags + "\n  Rule: " + name + "\n    " + text + "\n\n"
	}
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string // "" for none
		check   func(t *testing.T, rules []Rule)
	}{
		{
			name: "rules across files and subdirectories, in number order",
			files: map[string]string{
				"b.feature": header + rule("", "BT-2 Second", "The second rule.") + scenario("@BT-2 @BT-1", "two"),
				"a.feature": header + rule("", "BT-1 First", "The first\n    rule.\n\n    Its second paragraph.") + scenario("@BT-1 @fake-only", "one"),
				"tentative/c.feature": header + rule("@tentative", "BT-3 Proposed", "A proposal.\n\n    Why: upstream fixed it once.") +
					scenario("@BT-3", "three"),
			},
			check: func(t *testing.T, rules []Rule) {
				require.Len(t, rules, 3)
				assert.Equal(t, []string{"BT-1", "BT-2", "BT-3"}, []string{rules[0].ID, rules[1].ID, rules[2].ID})
				assert.Equal(t, "The first rule.\n\nIts second paragraph.", rules[0].Text)
				assert.Equal(t, "The first rule. Its second paragraph.", rules[0].OneLine())
				assert.Equal(t, []Scenario{{Name: "one", Tags: []string{"@BT-1", "@fake-only"}, Line: 12}}, rules[0].Scenarios)
				assert.Equal(t, "tentative/c.feature", rules[2].File)
				assert.True(t, rules[2].Tentative)
				assert.Equal(t, "A proposal.", rules[2].Text)
				assert.Equal(t, "upstream fixed it once.", rules[2].Why)
			},
		},
		{
			name:    "a scenario outside a rule",
			files:   map[string]string{"a.feature": header + scenario("@BT-1", "loose") + rule("", "BT-1 First", "Text.") + scenario("@BT-1", "one")},
			wantErr: `scenario "loose" is outside a Rule`,
		},
		{
			name:    "a scenario without its rule's tag",
			files:   map[string]string{"a.feature": header + rule("", "BT-1 First", "Text.") + scenario("@BT-2", "one") + rule("", "BT-2 Second", "Text.") + scenario("@BT-2", "two")},
			wantErr: `scenario "one" is under rule BT-1 but is not tagged @BT-1`,
		},
		{
			name:    "a scenario citing a rule nobody states",
			files:   map[string]string{"a.feature": header + rule("", "BT-1 First", "Text.") + scenario("@BT-1 @BT-9", "one")},
			wantErr: `cites @BT-9, which no Rule states`,
		},
		{
			name: "a rule stated twice",
			files: map[string]string{
				"a.feature": header + rule("", "BT-1 First", "Text.") + scenario("@BT-1", "one"),
				"b.feature": header + rule("", "BT-1 Again", "Text.") + scenario("@BT-1", "two"),
			},
			wantErr: "rule BT-1 is also stated in a.feature",
		},
		{
			name:    "a rule without a scenario",
			files:   map[string]string{"a.feature": header + rule("", "BT-1 First", "Text.")},
			wantErr: "rule BT-1 has no scenario",
		},
		{
			name:    "a gap in the numbers",
			files:   map[string]string{"a.feature": header + rule("", "BT-2 Second", "Text.") + scenario("@BT-2", "two")},
			wantErr: "rule BT-1 is missing",
		},
		{
			name:    "a rule not named BT-n",
			files:   map[string]string{"a.feature": header + rule("", "Tokens are fresh", "Text.") + scenario("@BT-1", "one")},
			wantErr: `Rule "Tokens are fresh" is not named "BT-<n> <title>"`,
		},
		{
			name:    "a rule without text",
			files:   map[string]string{"a.feature": header + "  Rule: BT-1 First\n\n" + scenario("@BT-1", "one")},
			wantErr: "rule BT-1 has no text",
		},
		{
			name:    "a tentative rule without its why",
			files:   map[string]string{"a.feature": header + rule("@tentative", "BT-1 First", "Text.") + scenario("@BT-1", "one")},
			wantErr: `tentative rule BT-1 does not end with a paragraph "Why: ..."`,
		},
		{
			name:    "a why without the tentative tag",
			files:   map[string]string{"a.feature": header + rule("", "BT-1 First", "Text.\n\n    Why: because.") + scenario("@BT-1", "one")},
			wantErr: `rule BT-1 has a "Why:" paragraph but no @tentative tag`,
		},
		{
			name: "two scenarios with one name",
			files: map[string]string{"a.feature": header + rule("", "BT-1 First", "Text.") +
				scenario("@BT-1", "same") + scenario("@BT-1", "same")},
			wantErr: `scenario name "same" is used in a.feature and a.feature`,
		},
		{
			name:    "no features",
			files:   map[string]string{"README.md": "none"},
			wantErr: "no .feature files",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			rules, err := LoadFS(fsys)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, rules)
		})
	}
}
