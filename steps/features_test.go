package steps_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The features are the contract: every scenario must cite a rule, and
// scenario names must be unique, because expectations files and the
// dashboard refer to scenarios by name.
func TestFeaturesCiteRulesAndHaveUniqueNames(t *testing.T) {
	files, err := filepath.Glob("../features/*.feature")
	require.NoError(t, err)
	tentative, err := filepath.Glob("../features/tentative/*.feature")
	require.NoError(t, err)
	files = append(files, tentative...)
	require.NotEmpty(t, files)
	ruleTag := regexp.MustCompile(`^@BT-([1-9]|1[0-7])$`)
	seen := map[string]string{}
	for _, f := range files {
		r, err := os.Open(f)
		require.NoError(t, err)
		doc, err := gherkin.ParseGherkinDocument(r, (&messages.Incrementing{}).NewId)
		r.Close()
		require.NoError(t, err, f)
		for _, pickle := range gherkin.Pickles(*doc, f, (&messages.Incrementing{}).NewId) {
			var rules []string
			for _, tag := range pickle.Tags {
				if ruleTag.MatchString(tag.Name) {
					rules = append(rules, tag.Name)
				}
				if strings.HasPrefix(tag.Name, "@BT-") && !ruleTag.MatchString(tag.Name) {
					t.Errorf("%s: scenario %q has tag %s, which names no rule of CONTRACT.md", f, pickle.Name, tag.Name)
				}
			}
			assert.NotEmpty(t, rules, "%s: scenario %q cites no rule (@BT-n)", f, pickle.Name)
			if other, dup := seen[pickle.Name]; dup {
				t.Errorf("scenario name %q is used in %s and %s", pickle.Name, other, f)
			}
			seen[pickle.Name] = f
		}
	}
}
