package suite

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"conformance/internal/realruntime"
	"conformance/internal/results"
	"conformance/internal/sdk"
	"conformance/internal/versions"
)

// The next channel (docs/next-channel.md): a build whose version is
// "next" (SDK=node@next, SDK_VERSION=next) runs the newest version its
// registry serves, a prerelease included; RUNTIME_VERSION=next the newest
// real-runtime package. The label keeps "next", so that the scheduled
// runs of every day land in one place; the record and the output name
// the version resolved.

// nextResolver resolves the next channels, once per process; a variable
// so that a test can stand a registry in.
var nextResolver interface {
	SDK(ctx context.Context, name string) (versions.Next, error)
	Runtime(ctx context.Context, pkg string) (versions.Next, error)
} = versions.DefaultNext

// resolveNext sets the version to install and the real runtime's, and
// records and prints what a next channel resolved to. A next version
// that predates the callback (Maven here serves only 0.3.0-java.2) cannot
// run: that is sdk.ErrNotRunnableHere, recorded as not run with why.
func (u *setUp) resolveNext(ctx context.Context) error {
	u.install = u.cfg.Version
	label := u.cfg.Label()
	if u.cfg.Version == results.NextChannel {
		if u.cfg.Source != "" {
			return failedAt(StepNext, fmt.Errorf("%s: SDK_SOURCE and the next channel name two builds: set one", label))
		}
		n, err := nextResolver.SDK(ctx, u.cfg.SDK)
		if err != nil {
			return failedAt(StepNext, err)
		}
		u.next = &results.Next{SDK: resolvedOf(n)}
		fmt.Fprintf(u.cfg.Output, "\n%s: %s@next resolved to %s\n", label, u.cfg.SDK, n)
		if predatesCallback(n.Version) {
			return fmt.Errorf("%s@next resolved to %s (%s), which predates the bearer-token callback (first released in 1.0.4): no build of the next channel to run here: %w",
				u.cfg.SDK, n.Version, n.From, sdk.ErrNotRunnableHere)
		}
		u.install = n.Version
	}
	if u.cfg.Runtime == RuntimeReal && u.cfg.RuntimeVersion == results.NextChannel && u.cfg.RuntimeBinary == "" {
		n, err := nextResolver.Runtime(ctx, realruntime.PackageName)
		if err != nil {
			u.runtime = results.NextChannel // the record says which runtime was asked for
			return failedAt(StepNext, err)
		}
		if u.next == nil {
			u.next = &results.Next{}
		}
		u.next.Runtime = resolvedOf(n)
		fmt.Fprintf(u.cfg.Output, "\n%s: RUNTIME_VERSION=next resolved to %s\n", label, n)
	}
	return nil
}

// runtimeVersion is the real runtime's package version to install: the
// one asked for, or what next resolved to.
func (u *setUp) runtimeVersion() string {
	if u.next != nil && u.next.Runtime != nil {
		return u.next.Runtime.Version
	}
	return u.cfg.RuntimeVersion
}

func resolvedOf(n versions.Next) *results.Resolved {
	return &results.Resolved{Version: n.Version, Latest: n.Latest, From: n.From}
}

var releasePart = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)`)

// predatesCallback says whether a version (semantic or PEP 440) comes
// before 1.0.4, the first release with the callback in every SDK
// (CONTRACT.md, "Generations"); a version it cannot read does not.
func predatesCallback(v string) bool {
	m := releasePart.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	first := [3]int{1, 0, 4}
	for i := range 3 {
		n, _ := strconv.Atoi(m[i+1])
		if n != first[i] {
			return n < first[i]
		}
	}
	return false
}
