package steps_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
)

// A scenario is not applicable to an SDK only when its @needs-<capability>
// tag names a capability the driver does not declare. Rules BT-1 to BT-6 and
// BT-15 are the core of the contract: on the fake runtime they are never
// not applicable, so their scenarios carry no @needs tag. (The @observed
// scenarios tagged BT-6 record what an SDK does with a non-string return;
// they judge nothing, and a language whose callbacks cannot return one has
// nothing to record.) The one exception is `tools`: a core-rule scenario
// may need it when it is a turn with tool calls, which puts its many
// requests through the real runtime too; each such check also runs,
// asked for directly, in a scenario that needs nothing (its fake-runtime
// twin in the same feature).
func TestNeedsTagsNameCapabilitiesAndSpareTheCoreRules(t *testing.T) {
	core := regexp.MustCompile(`^@BT-([1-6]|15)$`)
	needsSeen := 0
	for _, pickle := range featurePickles(t, "../features/*.feature") {
		var needs, coreRules []string
		observed := false
		for _, tag := range pickle.Tags {
			if c, ok := strings.CutPrefix(tag.Name, "@needs-"); ok {
				needs = append(needs, c)
				assert.Contains(t, driver.Capabilities, c, "%s: scenario %q: %s names no capability of drivers/PROTOCOL.md", pickle.file, pickle.Name, tag.Name)
			}
			if core.MatchString(tag.Name) {
				coreRules = append(coreRules, tag.Name)
			}
			observed = observed || tag.Name == "@observed"
		}
		needsSeen += len(needs)
		if len(coreRules) > 0 && !observed {
			needs = slices.DeleteFunc(needs, func(c string) bool { return c == "tools" })
			assert.Empty(t, needs, "%s: scenario %q checks %v, which every SDK must do: it may need no optional capability", pickle.file, pickle.Name, coreRules)
		}
	}
	assert.NotZero(t, needsSeen, "no scenario has a @needs tag: the test would check nothing")
}

// Every capability the suite knows is documented in drivers/PROTOCOL.md.
func TestCapabilitiesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../drivers/PROTOCOL.md")
	require.NoError(t, err)
	for _, c := range driver.Capabilities {
		assert.True(t, slices.ContainsFunc(strings.Split(string(doc), "`"), func(s string) bool { return s == c }),
			"capability %q is not in drivers/PROTOCOL.md", c)
	}
}
