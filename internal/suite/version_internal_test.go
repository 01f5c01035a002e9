package suite

import (
	"strings"
	"testing"

	"conformance/internal/driver"
	"conformance/internal/sdk"
)

// A build from source is judged as the source's version where its driver
// reports a placeholder, as the driver's where it reports a release, and
// says so when neither is known; its label carries the source's version.
func TestRunVersion(t *testing.T) {
	tagged := sdk.SourceVersion{Version: "1.0.11", From: "git tag v1.0.11"}
	for _, tc := range []struct {
		name      string
		cfg       Config
		reported  string
		want      string
		wantKnown bool
		wantNote  string
		wantLabel string
	}{
		{"registry build", Config{SDK: "python", Version: "1.0.4"}, "1.0.4", "1.0.4", true, "", "python@1.0.4"},
		{"placeholder from a tagged checkout", Config{SDK: "python", Source: "/src/python", SourceVersion: tagged}, "0.0.0.dev0", "1.0.11", true, "run as 1.0.11 (git tag v1.0.11)", "python@1.0.11+source"},
		{"go workspace", Config{SDK: "go", Source: "/src/go", SourceVersion: tagged}, "(devel)", "1.0.11", true, "run as 1.0.11", "go@1.0.11+source"},
		{"the driver's release wins", Config{SDK: "java", Source: "/src/java", SourceVersion: sdk.SourceVersion{Version: "1.0.9", From: "stated (SDK_SOURCE_VERSION)"}}, "1.0.4", "1.0.4", true, "the source was taken for 1.0.9", "java@1.0.9+source"},
		{"unknown", Config{SDK: "python", Source: "/src/python", SourceVersion: sdk.SourceVersion{From: "the git checkout is at no release tag"}}, "0.0.0.dev0", "0.0.0.dev0", false, "version unknown (the git checkout is at no release tag; state it with SDK_SOURCE_VERSION=)", "python+source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, known, note := runVersion(tc.cfg, driver.Hello{SDKVersion: tc.reported})
			if got != tc.want || known != tc.wantKnown || !strings.Contains(note, tc.wantNote) {
				t.Errorf("runVersion = %q, %v, %q; want %q, %v, a note with %q", got, known, note, tc.want, tc.wantKnown, tc.wantNote)
			}
			if label := tc.cfg.Label(); label != tc.wantLabel {
				t.Errorf("Label() = %q, want %q", label, tc.wantLabel)
			}
		})
	}
}
