// Package build reads how a user names the SDK builds to run, the one
// spelling every command takes (make conformance, soak, matrix, bisect,
// bench, mutants, the CI plan): a comma-separated list of
//
//	node                 the driver's pinned release
//	node@1.0.4           a published version (SDK_VERSION for one build)
//	node@next            the next channel: the newest version its registry
//	                     serves, a prerelease included, resolved when the
//	                     build runs (internal/versions, docs/next-channel.md)
//	java+<path>          a local checkout, package or archive (SDK_SOURCE for one build)
//	all                  every SDK the suite has a driver for
//
// and expands builds into the runs of every runtime, transport and runner.
package build

import (
	"fmt"
	"path/filepath"
	"strings"

	"conformance/internal/sdk"
)

// Build is one SDK build: an SDK's pinned release, a published Version of
// it, or a local Source of it.
type Build struct {
	SDK     string
	Version string
	Source  string
}

// String spells the build as ParseBuilds reads it.
func (b Build) String() string {
	switch {
	case b.Source != "":
		return b.SDK + "+" + b.Source
	case b.Version != "":
		return b.SDK + "@" + b.Version
	}
	return b.SDK
}

// Defaults apply to the builds named without a version or source of their
// own: SDK_VERSION and SDK_SOURCE.
type Defaults struct {
	Version, Source string
	// Dir, when set, is the folder a relative <sdk>+<source> is taken
	// from (make conformance's tests run in steps/, the user in the
	// checkout).
	Dir string
}

// Syntax is what an entry may be, for error messages.
const Syntax = "<sdk>, <sdk>@<version>, <sdk>+<source> or all"

// ParseBuilds reads a build list (see the package comment). An unknown SDK
// or a malformed entry fails with one message that names the known SDKs.
func ParseBuilds(spec string, d Defaults) ([]Build, error) {
	entries := List(spec)
	if len(entries) == 0 {
		return nil, fmt.Errorf("SDK=%q names no build: want %s (known SDKs: %s)", spec, Syntax, strings.Join(sdk.Names(), ", "))
	}
	if IsAll(spec) {
		entries = sdk.Names()
	}
	var out []Build
	for _, e := range entries {
		b, err := parseEntry(e, d)
		if err != nil {
			return nil, fmt.Errorf("SDK=%q: %w", spec, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func parseEntry(e string, d Defaults) (Build, error) {
	bad := func(why string) error {
		return fmt.Errorf("%q %s: want %s (known SDKs: %s)", e, why, Syntax, strings.Join(sdk.Names(), ", "))
	}
	var b Build
	name, source, hasSource := strings.Cut(e, "+")
	name, version, hasVersion := strings.Cut(name, "@")
	b.SDK = strings.TrimSpace(name)
	switch {
	case e == "all":
		return b, bad("mixes all with other builds")
	case hasSource && hasVersion:
		return b, bad("names both a version and a source")
	case hasSource && strings.TrimSpace(source) == "":
		return b, bad("names no source after +")
	case hasVersion && strings.TrimSpace(version) == "":
		return b, bad("names no version after @")
	}
	if _, err := sdk.Lookup(b.SDK); err != nil {
		return b, bad("is not a known SDK")
	}
	switch {
	case hasSource:
		b.Source = strings.TrimSpace(source)
		if d.Dir != "" && !filepath.IsAbs(b.Source) {
			b.Source = filepath.Join(d.Dir, b.Source)
		}
	case hasVersion:
		b.Version = strings.TrimSpace(version)
	default:
		b.Version, b.Source = d.Version, d.Source
	}
	return b, nil
}

// IsAll says whether a build list is "all": every SDK with a driver, of
// which a run skips, saying why, those this machine cannot run.
func IsAll(spec string) bool { return strings.TrimSpace(spec) == "all" }

// SDKNames are the SDKs a build list names, each once, in order; none for
// "all" (it names no SDK in particular: setup checks only Go for it).
func SDKNames(spec string) ([]string, error) {
	if IsAll(spec) {
		return nil, nil
	}
	builds, err := ParseBuilds(spec, Defaults{})
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, b := range builds {
		if !seen[b.SDK] {
			seen[b.SDK] = true
			names = append(names, b.SDK)
		}
	}
	return names, nil
}

// List splits a comma-separated list, trimming each item and dropping
// empty ones.
func List(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// The axes besides the build, and their values.
var (
	Runtimes   = []string{"fake", "real"}
	Transports = []string{"tcp", "stdio"}
	Runners    = []string{"local", "container"}
)

// Cell is one run: a build on a runtime, over a transport, by a runner.
type Cell struct {
	Build
	Runtime, Transport, Runner string
}

// Expand is every combination of the builds with the comma-separated
// runtimes, transports and runners (each empty: its first value), in the
// order transport, runtime, runner, build. A value not among the axis's
// fails, naming them.
func Expand(builds []Build, runtimes, transports, runners string) ([]Cell, error) {
	rts, err := axis("RUNTIME", runtimes, Runtimes)
	if err != nil {
		return nil, err
	}
	tps, err := axis("TRANSPORT", transports, Transports)
	if err != nil {
		return nil, err
	}
	rns, err := axis("RUNNER", runners, Runners)
	if err != nil {
		return nil, err
	}
	var cells []Cell
	for _, tp := range tps {
		for _, rt := range rts {
			for _, rn := range rns {
				for _, b := range builds {
					cells = append(cells, Cell{Build: b, Runtime: rt, Transport: tp, Runner: rn})
				}
			}
		}
	}
	return cells, nil
}

func axis(name, spec string, known []string) ([]string, error) {
	values := List(spec)
	if len(values) == 0 {
		return known[:1], nil
	}
	for _, v := range values {
		ok := false
		for _, k := range known {
			ok = ok || v == k
		}
		if !ok {
			return nil, fmt.Errorf("%s=%q: %q is none of %s", name, spec, v, strings.Join(known, ", "))
		}
	}
	return values, nil
}
