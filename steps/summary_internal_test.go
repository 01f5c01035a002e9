package steps

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"conformance/internal/driver"
	"conformance/internal/expectations"
)

func TestFormatSummary(t *testing.T) {
	j := func(n int) []expectations.Judged { return make([]expectations.Judged, n) }
	out := FormatSummary([]SummaryRow{
		{Label: "node", Report: &Report{Hello: driver.Hello{SDKVersion: "1.0.14", Generation: 2},
			Verdict: expectations.Verdict{Passed: j(38), ExpectedFailures: j(1), Observed: j(3)}}},
		{Label: "node@1.0.4", Report: &Report{Hello: driver.Hello{SDKVersion: "1.0.4", Generation: 1},
			Verdict: expectations.Verdict{Passed: j(36), UnexpectedFailures: j(2), NotApplicable: j(3),
				NotApplicableByRule: map[string]int{"BT-7": 2, "BT-13": 1}, Stale: make([]expectations.KnownFailure, 1)}}},
		{Label: "dotnet", Problem: "dotnet: .NET SDK not found (no dotnet on PATH)"},
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Len(t, lines, 4)
	assert.Regexp(t, `^node\s+1\.0\.14\s+2\s+38\s+1 \(1, 0\)\s+0\s+0\s+3\s+0\s+ok$`, lines[1])
	assert.Regexp(t, `^node@1\.0\.4\s+1\.0\.4\s+1\s+36\s+2 \(0, 2\)\s+0\s+3 \(BT-7: 2, BT-13: 1\)\s+0\s+1\s+UNEXPECTED RESULTS$`, lines[2])
	assert.Regexp(t, `^dotnet\s+-.*dotnet: \.NET SDK not found \(no dotnet on PATH\)$`, lines[3])
}
