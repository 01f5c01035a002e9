// Package ciplan reads the CI plan, ci/plan.yaml: the runs of make test
// and the build list of the conformance workflow, written once. The
// Makefile asks internal/cmd/plan for its lists; a test checks the
// workflow against the plan.
package ciplan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"conformance/internal/build"
	"conformance/internal/sdk"
)

// Plan is ci/plan.yaml.
type Plan struct {
	// Archives is where make test finds the release source archives,
	// relative to the checkout.
	Archives string `yaml:"archives"`
	// Runs are make test's feature runs, by name: gen2 (with every
	// package's unit tests) and gen1.
	Runs       map[string]Run `yaml:"runs"`
	Mutants    Mutants        `yaml:"mutants"`
	Containers Containers     `yaml:"containers"`
	Workflow   Workflow       `yaml:"workflow"`
}

// Run is a set of builds on each of some runtimes and transports.
type Run struct {
	Builds     []string `yaml:"builds"`  // as package build spells them, no sources
	Sources    []string `yaml:"sources"` // release sources, <sdk>@<version>
	Runtimes   []string `yaml:"runtimes"`
	Transports []string `yaml:"transports"`
}

// Mutants are the SDKs whose mutant sets make test runs, and in how many
// rotating parts.
type Mutants struct {
	SDKs  []string `yaml:"sdks"`
	Parts Parts    `yaml:"parts"`
}

// Parts is a mapping sdk: N, in the file's order.
type Parts []Part

// Part says to run one N-th of an SDK's mutants at a time.
type Part struct {
	SDK string
	N   int
}

// UnmarshalYAML keeps the mapping's order.
func (p *Parts) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: mutants.parts is a mapping sdk: N", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		var part Part
		part.SDK = n.Content[i].Value
		if err := n.Content[i+1].Decode(&part.N); err != nil || part.N < 1 {
			return fmt.Errorf("line %d: mutants.parts.%s: want a number >= 1", n.Content[i+1].Line, part.SDK)
		}
		*p = append(*p, part)
	}
	return nil
}

// Containers are the builds make test runs with RUNNER=container, and the
// images internal/container's test checks.
type Containers struct {
	Builds     []string `yaml:"builds"`
	Sources    []string `yaml:"sources"`
	Transports []string `yaml:"transports"`
	Images     []string `yaml:"images"`
}

// Workflow is what the conformance workflow runs besides the runs' builds.
type Workflow struct {
	Builds     []string `yaml:"builds"`
	Runtimes   []string `yaml:"runtimes"`
	Transports []string `yaml:"transports"`
}

// The runs make test has a recipe line for.
var runNames = []string{"gen2", "gen1"}

// Load reads and checks a plan: unknown fields, SDKs, spellings or
// runtimes fail, naming what is wrong.
func Load(file string) (*Plan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &p, nil
}

func (p *Plan) check() error {
	if len(p.Runs) != len(runNames) {
		return fmt.Errorf("runs: want exactly %s (the Makefile's test recipe runs each)", strings.Join(runNames, ", "))
	}
	for _, name := range runNames {
		r, ok := p.Runs[name]
		if !ok {
			return fmt.Errorf("runs: no %s", name)
		}
		if err := checkBuilds("runs."+name, r.Builds, r.Sources); err != nil {
			return err
		}
		if _, err := build.Expand(nil, join(r.Runtimes), join(r.Transports), ""); err != nil {
			return fmt.Errorf("runs.%s: %w", name, err)
		}
	}
	if err := checkBuilds("containers", p.Containers.Builds, p.Containers.Sources); err != nil {
		return err
	}
	if err := checkBuilds("workflow", p.Workflow.Builds, nil); err != nil {
		return err
	}
	for _, list := range [][]string{p.Mutants.SDKs, p.Containers.Images} {
		if _, err := build.ParseBuilds(join(list), build.Defaults{}); err != nil {
			return err
		}
	}
	for _, part := range p.Mutants.Parts {
		if _, err := sdk.Lookup(part.SDK); err != nil {
			return fmt.Errorf("mutants.parts: %w", err)
		}
	}
	return nil
}

func checkBuilds(where string, builds, sources []string) error {
	for _, b := range builds {
		if strings.Contains(b, "+") {
			return fmt.Errorf("%s.builds: %q: a source build goes under sources:, as <sdk>@<version>", where, b)
		}
	}
	if len(builds) > 0 {
		if _, err := build.ParseBuilds(join(builds), build.Defaults{}); err != nil {
			return fmt.Errorf("%s.builds: %w", where, err)
		}
	}
	for _, s := range sources {
		if _, err := parseSource(s); err != nil {
			return fmt.Errorf("%s.sources: %w", where, err)
		}
	}
	return nil
}

// Source is a release built from its sources.
type Source struct {
	SDK, Version string
}

func parseSource(s string) (Source, error) {
	b, err := build.ParseBuilds(s, build.Defaults{})
	if err != nil {
		return Source{}, err
	}
	if len(b) != 1 || b[0].Version == "" {
		return Source{}, fmt.Errorf("%q: want <sdk>@<version>, a release", s)
	}
	return Source{SDK: b[0].SDK, Version: strings.TrimPrefix(b[0].Version, "v")}, nil
}

// Archive is the file name of the release's source archive.
func (s Source) Archive() string { return fmt.Sprintf("copilot-sdk-%s-%s.tar.gz", s.SDK, s.Version) }

// Label is the label (results/<label>/) of a run built from it.
func (s Source) Label() string { return s.SDK + "@" + s.Version + "+source" }

func join(xs []string) string { return strings.Join(xs, ",") }

// MakeVar is one variable the Makefile takes from the plan.
type MakeVar struct{ Name, Value string }

// MakeVars are the lists make test uses, for a checkout at root (the
// archives that exist there, by absolute path). Values hold no spaces: the
// Makefile splits the lines on them.
func (p *Plan) MakeVars(root string) ([]MakeVar, error) {
	archives := filepath.Join(root, p.Archives)
	var vars []MakeVar
	add := func(name, value string) { vars = append(vars, MakeVar{name, value}) }
	var labels, sourceLabels, missing []string
	for _, name := range runNames {
		r := p.Runs[name]
		entries := append([]string(nil), r.Builds...)
		labels = append(labels, r.Builds...)
		for _, s := range r.Sources {
			src, _ := parseSource(s)
			path := filepath.Join(archives, src.Archive())
			if _, err := os.Stat(path); err != nil {
				missing = append(missing, path)
				continue
			}
			entries = append(entries, src.SDK+"+"+path)
			sourceLabels = append(sourceLabels, src.Label())
		}
		up := strings.ToUpper(name)
		add("TEST_"+up+"_ENTRIES", join(entries))
		add("TEST_"+up+"_RUNTIMES", join(r.Runtimes))
		add("TEST_"+up+"_TRANSPORTS", join(r.Transports))
	}
	add("TEST_LABELS", join(append(labels, sourceLabels...)))
	add("TEST_MISSING_ARCHIVES", join(missing))
	add("TEST_MUTANT_SDKS", join(p.Mutants.SDKs))
	var parts []string
	for _, part := range p.Mutants.Parts {
		parts = append(parts, part.SDK+"="+strconv.Itoa(part.N))
	}
	add("TEST_MUTANT_PARTS", join(parts))
	add("TEST_CONTAINER_SDKS", join(p.Containers.Builds))
	add("TEST_CONTAINER_TRANSPORTS", join(p.Containers.Transports))
	// Not checked for existence: a missing archive fails the container
	// run, saying so, as it always has.
	var sources []string
	for _, s := range p.Containers.Sources {
		src, _ := parseSource(s)
		sources = append(sources, src.SDK+"+"+root+"/"+p.Archives+"/"+src.Archive())
	}
	add("TEST_CONTAINER_SOURCES", join(sources))
	add("TEST_IMAGE_SDKS", join(p.Containers.Images))
	return vars, nil
}

// SDKs are every SDK the runs of make test use, sorted.
func (p *Plan) SDKs() []string {
	seen := map[string]bool{}
	addBuilds := func(list []string) {
		bs, _ := build.ParseBuilds(join(list), build.Defaults{})
		for _, b := range bs {
			seen[b.SDK] = true
		}
	}
	addSources := func(list []string) {
		for _, s := range list {
			src, _ := parseSource(s)
			seen[src.SDK] = true
		}
	}
	for _, name := range runNames {
		addBuilds(p.Runs[name].Builds)
		addSources(p.Runs[name].Sources)
	}
	addBuilds(p.Mutants.SDKs)
	addBuilds(p.Containers.Builds)
	addSources(p.Containers.Sources)
	addBuilds(p.Containers.Images)
	return sortedKeys(seen)
}

// WorkflowBuild is one entry of the workflow's build axis.
type WorkflowBuild struct {
	Name      string `yaml:"name"`
	SDK       string `yaml:"sdk"`
	Version   string `yaml:"version,omitempty"`
	SourceRef string `yaml:"source-ref,omitempty"`
	SourceDir string `yaml:"source-dir,omitempty"`
}

// WorkflowBuilds is the build axis the conformance workflow must have:
// every build and source of the runs, then the workflow's own builds.
func (p *Plan) WorkflowBuilds() []WorkflowBuild {
	var out []WorkflowBuild
	var sources []string
	for _, name := range runNames {
		bs, _ := build.ParseBuilds(join(p.Runs[name].Builds), build.Defaults{})
		for _, b := range bs {
			out = append(out, WorkflowBuild{Name: b.String(), SDK: b.SDK, Version: b.Version})
		}
		sources = append(sources, p.Runs[name].Sources...)
	}
	bs, _ := build.ParseBuilds(join(p.Workflow.Builds), build.Defaults{})
	for _, b := range bs {
		out = append(out, WorkflowBuild{Name: b.String(), SDK: b.SDK, Version: b.Version})
	}
	for _, s := range sources {
		src, _ := parseSource(s)
		entry, _ := sdk.Lookup(src.SDK)
		out = append(out, WorkflowBuild{Name: src.SDK + "-source@" + src.Version, SDK: src.SDK,
			SourceRef: entry.TagPrefix + "v" + src.Version, SourceDir: strings.TrimSuffix(entry.TagPrefix, "/")})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
