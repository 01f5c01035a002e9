package versions

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"conformance/internal/sdk"
)

// The next channel: the newest version a registry serves, a prerelease
// included, where the released versions (Published) stop at the newest
// release. `SDK=<sdk>@next` and `RUNTIME_VERSION=next` run it
// (docs/next-channel.md).

// Next is what the next channel resolved to in one registry.
type Next struct {
	Version string `json:"version"` // as the registry spells it ("1.0.15-preview.4", "1.0.27rc1", Go "v1.0.14")
	// Latest is the newest release there (no prerelease), for the reader
	// to see how far ahead Version is; empty when there is none.
	Latest string `json:"latest,omitempty"`
	// From says where and how: the registry and package, and a fallback
	// taken when the registry lists nothing.
	From string `json:"from"`
}

// Prerelease says whether the version resolved is a prerelease.
func (n Next) Prerelease() bool { return n.Version != n.Latest }

func (n Next) String() string {
	s := n.Version + " (" + n.From
	switch {
	case n.Latest == "":
	case n.Prerelease():
		s += "; newest release " + n.Latest
	default:
		s += "; no prerelease newer than this release"
	}
	return s + ")"
}

// Registries are the base addresses of the registries the next channel
// asks, one per kind of package. The resolver speaks each registry's own
// HTTP protocol, the one its client speaks (npm's packument, PyPI's simple
// JSON API, cargo's sparse index, GOPROXY, Maven's metadata, NuGet's flat
// container), rather than running the clients: the clients have no
// command that lists prereleases in a form to read (pip index versions is
// experimental, cargo lists nothing), and so the unit tests can stand an
// httptest registry in for each without the toolchains.
type Registries struct {
	NPM, PyPI, Crates, GoProxy, Maven, NuGet string
	Client                                   *http.Client
}

// DefaultRegistries are the public registries, or the ones the clients
// are set to use here: npm_config_registry, PIP_INDEX_URL, GOPROXY's first
// proxy.
func DefaultRegistries() Registries {
	r := Registries{NPM: "https://registry.npmjs.org", PyPI: "https://pypi.org/simple", Crates: crateIndex,
		GoProxy: "https://proxy.golang.org", Maven: "https://repo.maven.apache.org/maven2", NuGet: "https://api.nuget.org/v3-flatcontainer"}
	if v := os.Getenv("npm_config_registry"); v != "" {
		r.NPM = v
	}
	if v := os.Getenv("PIP_INDEX_URL"); v != "" {
		r.PyPI = v
	}
	for _, p := range strings.FieldsFunc(os.Getenv("GOPROXY"), func(c rune) bool { return c == ',' || c == '|' }) {
		if strings.HasPrefix(p, "http") {
			r.GoProxy = p
			break
		}
	}
	return r
}

// NextSDK resolves an SDK's next channel in its registry (internal/sdk's
// Registry). Where the registry lists no version (the Go module proxy
// here), the newest of the SDK's recorded release tags stands in, and From
// says so.
func (r Registries) NextSDK(ctx context.Context, name string) (Next, error) {
	s, err := sdk.Lookup(name)
	if err != nil {
		return Next{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	pkg := s.Registry.Package
	var n Next
	switch s.Registry.Kind {
	case sdk.RegistryNPM:
		n, err = r.npmNext(ctx, pkg)
	case sdk.RegistryPyPI:
		n, err = r.pypiNext(ctx, pkg)
	case sdk.RegistryCrates:
		n, err = r.cratesNext(ctx, pkg)
	case sdk.RegistryGoProxy:
		n, err = r.goNext(ctx, pkg)
	case sdk.RegistryMaven:
		n, err = r.mavenNext(ctx, pkg)
	case sdk.RegistryNuGet:
		n, err = r.nugetNext(ctx, pkg)
	default:
		return Next{}, fmt.Errorf("%s: no way to ask a %s registry for its next version", name, s.Registry.Kind)
	}
	var none *noVersionsError
	if errors.As(err, &none) && len(s.ReleaseTags) > 0 {
		tags := semverOrder(s.ReleaseTags)
		newest := tags[len(tags)-1]
		return Next{Version: newest, Latest: newest, From: fmt.Sprintf("upstream release tags %s (%s; see internal/sdk/%s)",
			s.ReleaseTagPattern, err, s.Name)}, nil
	}
	if err != nil {
		return Next{}, fmt.Errorf("%s@next: %w", name, err)
	}
	return n, nil
}

// NextRuntime resolves the next channel of the real runtime's npm package.
func (r Registries) NextRuntime(ctx context.Context, pkg string) (Next, error) {
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	n, err := r.npmNext(ctx, pkg)
	if err != nil {
		return Next{}, fmt.Errorf("RUNTIME_VERSION=next: %w", err)
	}
	return n, nil
}

// noVersionsError is a registry that answered but lists no version.
type noVersionsError struct{ what string }

func (e *noVersionsError) Error() string { return e.what }

// snapshotLabels are the prerelease labels of per-commit CI builds (npm
// and crates.io 1.0.15-unstable.<run>.g<sha>, Maven -SNAPSHOT, PEP 440
// .devN): published from a branch for the SDK's own tests, not as a
// release candidate for users, and "unstable" would sort above "preview"
// by its letters alone. The next channel leaves them out, unless a dist-tag
// names one.
var snapshotLabels = []string{"unstable", "dev", "nightly", "snapshot"}

func isSnapshot(prerelease string) bool {
	first, _, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(prerelease, "-")), ".")
	for _, l := range snapshotLabels {
		if first == l {
			return true
		}
	}
	return false
}

// newestSemver picks the next channel from semantic versions: the newest
// that is not a snapshot (or is one of keep), and the newest release.
func newestSemver(all []string, keep map[string]bool, from string) (Next, error) {
	var candidates []string
	latest := ""
	for _, v := range all {
		c := canonical(strings.TrimSpace(v))
		if c == "" {
			continue
		}
		pre := semver.Prerelease(c)
		if isSnapshot(pre) && !keep[v] {
			continue
		}
		candidates = append(candidates, v)
		if pre == "" && (latest == "" || semver.Compare(c, canonical(latest)) > 0) {
			latest = v
		}
	}
	if len(candidates) == 0 {
		return Next{}, &noVersionsError{what: from + " lists no version"}
	}
	candidates = semverOrder(candidates)
	return Next{Version: candidates[len(candidates)-1], Latest: latest, From: from}, nil
}

// semverOrder sorts versions as semantic versions, oldest first, build
// metadata breaking ties (golang.org/x/mod/semver ignores it).
func semverOrder(vs []string) []string {
	out := append([]string(nil), vs...)
	sort.SliceStable(out, func(i, j int) bool {
		if c := semver.Compare(canonical(out[i]), canonical(out[j])); c != 0 {
			return c < 0
		}
		return out[i] < out[j]
	})
	return out
}

func (r Registries) get(ctx context.Context, rawURL, accept string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, resp.StatusCode, fmt.Errorf("GET %s: %s", rawURL, resp.Status)
	}
	return body, resp.StatusCode, nil
}

// npmNext reads the abbreviated packument (what npm install reads): the
// versions, and the dist-tags, which may name a prerelease for users
// ("next", "preview") even where its label reads like a snapshot's.
func (r Registries) npmNext(ctx context.Context, pkg string) (Next, error) {
	u := strings.TrimSuffix(r.NPM, "/") + "/" + strings.Replace(pkg, "/", "%2f", 1)
	body, _, err := r.get(ctx, u, "application/vnd.npm.install-v1+json")
	if err != nil {
		return Next{}, err
	}
	var doc struct {
		DistTags map[string]string          `json:"dist-tags"`
		Versions map[string]json.RawMessage `json:"versions"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return Next{}, fmt.Errorf("npm %s: %w", pkg, err)
	}
	var all []string
	for v := range doc.Versions {
		all = append(all, v)
	}
	keep := map[string]bool{}
	for _, v := range doc.DistTags {
		keep[v] = true
	}
	from := "npm " + pkg + " versions and dist-tags"
	if tags := distTagsLine(doc.DistTags); tags != "" {
		from += " (" + tags + ")"
	}
	return newestSemver(all, keep, from)
}

func distTagsLine(tags map[string]string) string {
	var parts []string
	for t, v := range tags {
		parts = append(parts, t+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// cratesNext reads the crate's sparse-index file, as cargo does; yanked
// versions are left out.
func (r Registries) cratesNext(ctx context.Context, crate string) (Next, error) {
	u := fmt.Sprintf("%s/%s", strings.TrimSuffix(r.Crates, "/"), sparseIndexPath(crate))
	body, _, err := r.get(ctx, u, "")
	if err != nil {
		return Next{}, err
	}
	var all []string
	for _, line := range strings.Split(string(body), "\n") {
		var entry struct {
			Vers   string `json:"vers"`
			Yanked bool   `json:"yanked"`
		}
		if strings.TrimSpace(line) == "" || json.Unmarshal([]byte(line), &entry) != nil || entry.Yanked {
			continue
		}
		all = append(all, entry.Vers)
	}
	return newestSemver(all, nil, "crates.io index "+crate)
}

// sparseIndexPath is a crate's file in cargo's sparse index: 1/, 2/, 3/<a>/
// or <ab>/<cd>/ before the lower-cased name.
func sparseIndexPath(crate string) string {
	n := strings.ToLower(crate)
	switch len(n) {
	case 1, 2:
		return fmt.Sprintf("%d/%s", len(n), n)
	case 3:
		return fmt.Sprintf("3/%s/%s", n[:1], n)
	}
	return fmt.Sprintf("%s/%s/%s", n[:2], n[2:4], n)
}

// goNext asks GOPROXY for the module's tagged versions (@v/list), then for
// @latest; a proxy that lists neither (proxy.golang.org as reached here
// refuses both for this module while it serves its versions) is a
// noVersionsError, for NextSDK's fallback.
func (r Registries) goNext(ctx context.Context, mod string) (Next, error) {
	esc, err := module.EscapePath(mod)
	if err != nil {
		return Next{}, err
	}
	base := strings.TrimSuffix(r.GoProxy, "/") + "/" + esc
	from := "Go module proxy " + mod
	body, _, err := r.get(ctx, base+"/@v/list", "")
	if err == nil {
		n, lerr := newestSemver(strings.Fields(string(body)), nil, from+" @v/list")
		if lerr == nil {
			return n, nil
		}
	}
	listErr := err
	body, _, err = r.get(ctx, base+"/@latest", "")
	if err != nil {
		if listErr == nil {
			listErr = errors.New("@v/list is empty")
		}
		return Next{}, &noVersionsError{what: fmt.Sprintf("%s lists no version: %v; %v", from, listErr, err)}
	}
	var info struct{ Version string }
	if err := json.Unmarshal(body, &info); err != nil || info.Version == "" {
		return Next{}, &noVersionsError{what: from + " @latest names no version"}
	}
	return newestSemver([]string{info.Version}, nil, from+" @latest")
}

// mavenNext reads the artifact's maven-metadata.xml, as Maven does for a
// version range. Package is groupId:artifactId.
func (r Registries) mavenNext(ctx context.Context, coords string) (Next, error) {
	group, artifact, ok := strings.Cut(coords, ":")
	if !ok {
		return Next{}, fmt.Errorf("maven package %q: want groupId:artifactId", coords)
	}
	u := fmt.Sprintf("%s/%s/%s/maven-metadata.xml", strings.TrimSuffix(r.Maven, "/"), strings.ReplaceAll(group, ".", "/"), artifact)
	body, _, err := r.get(ctx, u, "")
	if err != nil {
		return Next{}, err
	}
	var m struct {
		Versions []string `xml:"versioning>versions>version"`
	}
	if err := xml.Unmarshal(body, &m); err != nil {
		return Next{}, fmt.Errorf("maven %s: %w", coords, err)
	}
	return newestSemver(m.Versions, nil, "Maven "+coords)
}

// nugetNext reads the package's version list from NuGet's flat container.
func (r Registries) nugetNext(ctx context.Context, id string) (Next, error) {
	u := fmt.Sprintf("%s/%s/index.json", strings.TrimSuffix(r.NuGet, "/"), strings.ToLower(id))
	body, _, err := r.get(ctx, u, "")
	if err != nil {
		return Next{}, err
	}
	var doc struct{ Versions []string }
	if err := json.Unmarshal(body, &doc); err != nil {
		return Next{}, fmt.Errorf("nuget %s: %w", id, err)
	}
	return newestSemver(doc.Versions, nil, "NuGet "+id)
}

// pypiNext reads the project's page of the simple index in its JSON form
// (PEP 691; its "versions" key is PEP 700's), the index pip reads. A
// version whose files are all yanked is left out.
func (r Registries) pypiNext(ctx context.Context, project string) (Next, error) {
	name := pep503Name(project)
	u := strings.TrimSuffix(r.PyPI, "/") + "/" + name + "/"
	body, _, err := r.get(ctx, u, "application/vnd.pypi.simple.v1+json")
	if err != nil {
		return Next{}, err
	}
	var doc struct {
		Versions []string `json:"versions"`
		Files    []struct {
			Filename string          `json:"filename"`
			Yanked   json.RawMessage `json:"yanked"` // false, or true / a reason
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return Next{}, fmt.Errorf("PyPI %s: %w (want the simple index's JSON form, PEP 691)", project, err)
	}
	live, yanked := map[string]bool{}, map[string]bool{}
	for _, f := range doc.Files {
		v := pypiFileVersion(name, f.Filename)
		if y := strings.TrimSpace(string(f.Yanked)); y != "" && y != "false" {
			yanked[v] = true
		} else {
			live[v] = true
		}
	}
	var candidates []pep440
	latest := ""
	var latestV pep440
	for _, raw := range doc.Versions {
		v, ok := parsePEP440(raw)
		if !ok || v.dev || (yanked[raw] && !live[raw]) {
			continue // not a version this reads, a snapshot (.devN), or yanked
		}
		candidates = append(candidates, v)
		if !v.pre() && (latest == "" || v.compare(latestV) > 0) {
			latest, latestV = raw, v
		}
	}
	from := "PyPI " + project + " pre-releases and releases"
	if len(candidates) == 0 {
		return Next{}, &noVersionsError{what: from + " lists no version"}
	}
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].compare(candidates[j]) < 0 })
	return Next{Version: candidates[len(candidates)-1].raw, Latest: latest, From: from}, nil
}

var nonName = regexp.MustCompile(`[-_.]+`)

// pep503Name is a project's name as the simple index spells it.
func pep503Name(project string) string {
	return strings.ToLower(nonName.ReplaceAllString(project, "-"))
}

// pypiFileVersion is the version a wheel's or an sdist's file name
// carries: <name>-<version>-... .whl, <name>-<version>.tar.gz.
func pypiFileVersion(name, file string) string {
	under := strings.ReplaceAll(name, "-", "_")
	lower := strings.ToLower(file)
	for _, prefix := range []string{under + "-", name + "-"} {
		if rest, ok := strings.CutPrefix(lower, prefix); ok {
			rest = file[len(file)-len(rest):]
			if v, _, ok := strings.Cut(rest, "-"); ok && strings.HasSuffix(lower, ".whl") {
				return v
			}
			for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2"} {
				if strings.HasSuffix(lower, ext) {
					return rest[:len(rest)-len(ext)]
				}
			}
		}
	}
	return ""
}

// pep440 is a PEP 440 version in the normalised forms PyPI serves:
// N(.N)*[{a|b|rc}N][.postN][.devN]. Written here rather than taken from a
// library: the suite needs only this order, for one registry, and the Go
// PEP 440 libraries bring more than they save.
type pep440 struct {
	raw     string
	release []int
	preKind int // 0 a, 1 b, 2 rc, 3 none (a release sorts after its prereleases)
	preNum  int
	post    int // -1: none
	dev     bool
	devNum  int
}

var pep440Pattern = regexp.MustCompile(`^v?(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?$`)

func parsePEP440(raw string) (pep440, bool) {
	m := pep440Pattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(raw)))
	if m == nil {
		return pep440{}, false
	}
	v := pep440{raw: raw, preKind: 3, post: -1}
	for _, part := range strings.Split(m[1], ".") {
		n, _ := strconv.Atoi(part)
		v.release = append(v.release, n)
	}
	if m[2] != "" {
		v.preKind = map[string]int{"a": 0, "b": 1, "rc": 2}[m[2]]
		v.preNum, _ = strconv.Atoi(m[3])
	}
	if m[4] != "" {
		v.post, _ = strconv.Atoi(m[4])
	}
	if m[5] != "" {
		v.dev = true
		v.devNum, _ = strconv.Atoi(m[5])
	}
	return v, true
}

func (v pep440) pre() bool { return v.preKind < 3 || v.dev }

func (v pep440) compare(o pep440) int {
	for i := 0; i < len(v.release) || i < len(o.release); i++ {
		var a, b int
		if i < len(v.release) {
			a = v.release[i]
		}
		if i < len(o.release) {
			b = o.release[i]
		}
		if a != b {
			return cmpInt(a, b)
		}
	}
	// 1.0.dev1 < 1.0a1 < 1.0 < 1.0.post1: a bare dev release sorts before
	// the prereleases of its release.
	rank := func(x pep440) int {
		if x.dev && x.preKind == 3 && x.post < 0 {
			return -1
		}
		return x.preKind
	}
	if c := cmpInt(rank(v), rank(o)); c != 0 {
		return c
	}
	if c := cmpInt(v.preNum, o.preNum); c != 0 {
		return c
	}
	if c := cmpInt(v.post, o.post); c != 0 {
		return c
	}
	if v.dev != o.dev { // 1.0rc1.dev1 < 1.0rc1
		if v.dev {
			return -1
		}
		return 1
	}
	return cmpInt(v.devNum, o.devNum)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NextOnce resolves each next channel once and remembers the answer, so
// that the runs of one build (tcp and stdio, fake and real runtime) run
// one version even when a registry publishes during the run.
type NextOnce struct {
	Registries Registries
	mu         sync.Mutex
	seen       map[string]nextResult
}

type nextResult struct {
	n   Next
	err error
}

// DefaultNext is the process's NextOnce on DefaultRegistries.
var DefaultNext = &NextOnce{Registries: DefaultRegistries()}

// SDK is Registries.NextSDK, once per SDK.
func (o *NextOnce) SDK(ctx context.Context, name string) (Next, error) {
	return o.once("sdk "+name, func() (Next, error) { return o.Registries.NextSDK(ctx, name) })
}

// Runtime is Registries.NextRuntime, once per package.
func (o *NextOnce) Runtime(ctx context.Context, pkg string) (Next, error) {
	return o.once("runtime "+pkg, func() (Next, error) { return o.Registries.NextRuntime(ctx, pkg) })
}

func (o *NextOnce) once(key string, resolve func() (Next, error)) (Next, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.seen[key]; ok {
		return r.n, r.err
	}
	n, err := resolve()
	if o.seen == nil {
		o.seen = map[string]nextResult{}
	}
	o.seen[key] = nextResult{n, err}
	return n, err
}
