// Package versions knows which versions of each SDK were published, asking
// each SDK's registry through its ordinary client, and which of them have
// the bearer-token callback (and of which contract generation). The
// version matrix (internal/matrix) runs the features against them.
package versions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"conformance/internal/sdk"
)

// Version is one published version of an SDK.
type Version struct {
	Version string `json:"version"` // as the SDK's registry spells it ("1.0.4"; Go "v1.0.4")
	// Generation is the contract generation of its callback: 1
	// (getBearerToken), 2 (bearerTokenProvider), or 0 when the version
	// predates the callback.
	Generation int `json:"generation"`
}

// HasCallback says whether the version has a bearer-token callback at all.
func (v Version) HasCallback() bool { return v.Generation > 0 }

// List is an SDK's published versions, oldest first, and where the list
// came from.
type List struct {
	SDK      string    `json:"sdk"`
	Versions []Version `json:"versions"`
	// From says where the list came from: a registry, or the upstream
	// release tags (the SDK's ReleaseTags in internal/sdk) where the registry does not list versions.
	From string `json:"from"`
}

// WithCallback is the part of the list that has the callback.
func (l List) WithCallback() []Version {
	var out []Version
	for _, v := range l.Versions {
		if v.HasCallback() {
			out = append(out, v)
		}
	}
	return out
}

// registryTimeout bounds one registry query.
const registryTimeout = 60 * time.Second

// Published lists the released (not pre-release) versions of an SDK.
func Published(ctx context.Context, name string) (List, error) {
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	var (
		raw  []string
		from string
	)
	s, err := sdk.Lookup(name)
	if err != nil {
		return List{}, err
	}
	pkg := s.Registry.Package
	if s.Registry.Lists {
		switch s.Registry.Kind {
		case sdk.RegistryNPM:
			raw, err = npmVersions(ctx, pkg)
			from = "npm " + pkg
		case sdk.RegistryPyPI:
			raw, err = pypiVersions(ctx, pkg)
			from = "PyPI " + pkg
		case sdk.RegistryCrates:
			raw, err = crateVersions(ctx, pkg)
			from = "crates.io " + pkg
		case sdk.RegistryGoProxy:
			raw, err = goVersions(ctx, pkg)
			from = "Go module proxy " + pkg
		default:
			return List{}, fmt.Errorf("%s: no way to list the versions of a %s package", name, s.Registry.Kind)
		}
	}
	if err == nil && len(raw) == 0 {
		if len(s.ReleaseTags) == 0 {
			return List{}, fmt.Errorf("no version list for SDK %q", name)
		}
		// A registry that does not list versions here (Maven, NuGet), or
		// lists none (the Go module proxy, seen here): the release tags
		// the SDK's entry records stand in; a run of a version the
		// registry does not serve is then reported as not run, with the
		// registry's answer.
		why := "the registry here does not list versions"
		if s.Registry.Lists {
			why = "the registry lists none"
		}
		raw, from = s.ReleaseTags, fmt.Sprintf("upstream release tags %s (%s; see internal/sdk/%s)", s.ReleaseTagPattern, why, s.Name)
	}
	if err != nil {
		return List{}, fmt.Errorf("%s: listing versions (%s): %w", name, from, err)
	}
	return List{SDK: name, Versions: classify(raw), From: from}, nil
}

// classify keeps the released versions, sorted oldest first, each with its
// contract generation. Every SDK shipped the callback first in 1.0.4
// (generation 1) and renamed it in 1.0.5 (generation 2), the same numbers
// in every registry (CONTRACT.md, "Generations").
func classify(raw []string) []Version {
	seen := map[string]bool{}
	var out []Version
	for _, r := range raw {
		r = strings.TrimSpace(r)
		sv := canonical(r)
		if sv == "" || semver.Prerelease(sv) != "" || seen[sv] {
			continue
		}
		seen[sv] = true
		gen := 2
		switch c := semver.Compare(sv, "v1.0.4"); {
		case c < 0:
			gen = 0
		case c == 0:
			gen = 1
		}
		out = append(out, Version{Version: r, Generation: gen})
	}
	sort.Slice(out, func(i, j int) bool { return semver.Compare(canonical(out[i].Version), canonical(out[j].Version)) < 0 })
	return out
}

// Classify is one version with its contract generation (see classify);
// false when it is not a released semantic version.
func Classify(v string) (Version, bool) {
	c := classify([]string{v})
	if len(c) != 1 {
		return Version{}, false
	}
	return c[0], true
}

// canonical is the version as golang.org/x/mod/semver reads it ("v1.0.4"),
// or "" when it is not a semantic version.
func canonical(v string) string {
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

// Compare orders two versions of one SDK as semantic versions.
func Compare(a, b string) int { return semver.Compare(canonical(a), canonical(b)) }

// npmVersions asks the npm client, so that its registry configuration
// (a mirror, a token) applies.
func npmVersions(ctx context.Context, pkg string) ([]string, error) {
	out, err := command(ctx, "npm", "view", pkg, "versions", "--json")
	if err != nil {
		return nil, err
	}
	var vs []string
	if err := json.Unmarshal(out, &vs); err != nil {
		return nil, fmt.Errorf("npm view: %w", err)
	}
	return vs, nil
}

// pypiVersions asks pip, for the same reason. `pip index versions` prints
// "Available versions: 1.0.27, 1.0.26, ...".
func pypiVersions(ctx context.Context, pkg string) ([]string, error) {
	out, err := command(ctx, "python3", "-m", "pip", "index", "versions", "--disable-pip-version-check", pkg)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Available versions:"); ok {
			return strings.Split(rest, ","), nil
		}
	}
	return nil, fmt.Errorf("pip index versions printed no \"Available versions:\" line:\n%s", out)
}

// goVersions asks the go command, which asks GOPROXY's @v/list.
func goVersions(ctx context.Context, module string) ([]string, error) {
	out, err := command(ctx, "go", "list", "-m", "-versions", "-json", module+"@latest")
	if err != nil {
		// A proxy that refuses the list makes @latest fail too; the caller
		// falls back to the release tags.
		return nil, nil
	}
	var m struct{ Versions []string }
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	return m.Versions, nil
}

// crateIndex is crates.io's sparse index, the protocol cargo itself uses;
// cargo has no command that lists a crate's versions.
var crateIndex = "https://index.crates.io"

func crateVersions(ctx context.Context, crate string) ([]string, error) {
	// Index layout: /<first two letters>/<next two letters>/<name> for
	// names of four letters or more.
	url := fmt.Sprintf("%s/%s/%s/%s", crateIndex, crate[0:2], crate[2:4], crate)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var vs []string
	dec := json.NewDecoder(resp.Body)
	for {
		var entry struct {
			Vers   string `json:"vers"`
			Yanked bool   `json:"yanked"`
		}
		if err := dec.Decode(&entry); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			break // io.EOF: one JSON object a line, to the end
		}
		if !entry.Yanked {
			vs = append(vs, entry.Vers)
		}
	}
	return vs, nil
}

func command(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Select narrows a list by a spec: "all" (or ""), a range "<from>..<to>"
// (inclusive, either end may be left out), or a comma-separated list of
// versions, each of which must be in the list.
func Select(vs []Version, spec string) ([]Version, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "all" {
		return vs, nil
	}
	if from, to, ok := strings.Cut(spec, ".."); ok {
		if from != "" && canonical(from) == "" || to != "" && canonical(to) == "" {
			return nil, fmt.Errorf("VERSIONS=%s: want <from>..<to> with semantic versions", spec)
		}
		var out []Version
		for _, v := range vs {
			if (from == "" || Compare(v.Version, from) >= 0) && (to == "" || Compare(v.Version, to) <= 0) {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("VERSIONS=%s: no published version in that range (%s)", spec, spellAll(vs))
		}
		return out, nil
	}
	var out []Version
	for _, want := range strings.Split(spec, ",") {
		found := false
		for _, v := range vs {
			if Compare(v.Version, strings.TrimSpace(want)) == 0 {
				out, found = append(out, v), true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("VERSIONS=%s: %s is not a published version (%s)", spec, strings.TrimSpace(want), spellAll(vs))
		}
	}
	return out, nil
}

func spellAll(vs []Version) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.Version)
	}
	return "published: " + strings.Join(s, ", ")
}

// RuntimeVersions lists the released versions of the real runtime's npm
// package, oldest first.
func RuntimeVersions(ctx context.Context, pkg string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	raw, err := npmVersions(ctx, pkg)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range classify(raw) {
		out = append(out, v.Version)
	}
	return out, nil
}
