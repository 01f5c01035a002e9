package steps_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A scenario that registers a client tool needs the driver capability
// tools: without the tag it would reach a driver that cannot register one
// and fail instead of being not applicable.
func TestScenariosWithAClientToolNeedTools(t *testing.T) {
	seen := 0
	for _, pickle := range featurePickles(t, "../features/*.feature", "../features/*/*.feature") {
		registers := false
		for _, st := range pickle.Steps {
			registers = registers || strings.Contains(st.Text, "registers the client tool")
		}
		if !registers {
			continue
		}
		seen++
		tagged := false
		for _, tag := range pickle.Tags {
			tagged = tagged || tag.Name == "@needs-tools"
		}
		assert.True(t, tagged, "%s: scenario %q registers a client tool without @needs-tools", pickle.file, pickle.Name)
	}
	assert.NotZero(t, seen, "no scenario registers a client tool: the test would check nothing")
}
