package explore

import (
	"conformance/internal/expectations"
)

// Known says which violations an SDK's expectations file already records.
// A known failure there names a scenario of features/; the explorer maps a
// violation's rule and condition to the scenario that checks that rule
// under that condition (knownScenarios), and a violation is known when the
// file has an entry for that scenario that applies to the SDK's version.
// A known violation is still printed, marked as known, and does not fail
// the run; anything else is new.
type Known struct {
	file    expectations.File
	version string
}

// NewKnown reads expectations/<sdk>.yaml under dir for the SDK version the
// driver reported.
func NewKnown(dir, sdk, version string) (Known, error) {
	f, err := expectations.Load(dir, sdk)
	return Known{file: f, version: version}, err
}

// knownScenarios maps a rule and condition to the scenario of features/
// that checks it: the scenario whose known failure covers the violation.
var knownScenarios = map[[2]string]string{
	{"BT-8", "disconnected session"}: "A request naming a disconnected session gets an error, and the connection stays usable",
	{"BT-8", "unknown session"}:      "A request naming an unknown session gets an error, and the connection stays usable",
}

// Reason is the reason of the known failure a violation of rule under
// condition matches, or "" when none does.
func (k Known) Reason(rule, condition string) string {
	scenario, ok := knownScenarios[[2]string{rule, condition}]
	if !ok {
		return ""
	}
	for _, f := range k.file.KnownFailures {
		if f.Scenario == scenario && (f.Versions.All() || f.Versions.Contains(k.version)) {
			return f.Reason
		}
	}
	return ""
}
