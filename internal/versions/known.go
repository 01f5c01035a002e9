package versions

// knownTags are the released versions of the SDKs whose registry does not
// list them here, read from the upstream repository's release tags
// (go/v*, java/v*, and the v* tags that .NET's NuGet package follows) in
// its August 2026 snapshot, plus later versions the Go module proxy was
// seen to serve (v1.0.13, v1.0.14, checked 2026-11-28). Pre-releases are
// left out. This is the one place to add a release the registries do not
// list.
var knownTags = map[string][]string{
	"go": {"v1.0.0", "v1.0.1", "v1.0.2", "v1.0.4", "v1.0.5", "v1.0.6", "v1.0.7", "v1.0.8", "v1.0.9",
		"v1.0.11", "v1.0.13", "v1.0.14"},
	"java": {"1.0.0", "1.0.1", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8", "1.0.9", "1.0.11"},
	"dotnet": {"1.0.0", "1.0.1", "1.0.2", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8", "1.0.9",
		"1.0.11"},
}

var knownTagPrefix = map[string]string{
	"go":     "go/v*",
	"java":   "java/v*",
	"dotnet": "v*",
}
