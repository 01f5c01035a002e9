package steps_test

import (
	"regexp"
	"slices"
	"testing"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"

	"conformance/steps"
)

// A step that checks or records a time in milliseconds measures the SDK
// only if nothing else of the run competes for the machine meanwhile: its
// scenario must carry @serial. (The waits in seconds are bounds on a hang,
// and "no sooner than" cannot be met early by a busy machine.)
var measuresTime = regexp.MustCompile(`within \d+ ms|round trip`)

func TestScenariosThatMeasureTimeRunAlone(t *testing.T) {
	measuring := 0
	for _, pickle := range featurePickles(t, "../features/*.feature", "../features/tentative/*.feature") {
		serial := slices.ContainsFunc(pickle.Tags, func(tag *messages.PickleTag) bool { return tag.Name == steps.SerialTag })
		measures := slices.ContainsFunc(pickle.Steps, func(s *messages.PickleStep) bool { return measuresTime.MatchString(s.Text) })
		if measures {
			measuring++
		}
		assert.Equal(t, measures, serial, "%s: scenario %q: a scenario carries %s exactly when one of its steps measures time (%s)",
			pickle.file, pickle.Name, steps.SerialTag, measuresTime)
	}
	assert.NotZero(t, measuring, "no scenario measures time: the test would check nothing")
}
