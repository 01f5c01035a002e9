package steps

import (
	"errors"
	"fmt"

	"conformance/internal/fakeruntime"
	"conformance/internal/wirelog"
)

// Which runtime the SDKs talk to (Config.Runtime).
const (
	RuntimeFake = "fake" // the suite's own: fast, and able to act on its own
	RuntimeReal = "real" // the Copilot runtime from the npm registry, through a wire tap
)

// runtimeUnderTest is what every scenario needs of a runtime: where SDKs
// connect, and the wire log of what crossed. The fake runtime is one; a
// wire tap in front of the real runtime is the other.
type runtimeUnderTest interface {
	Addr() string
	Log() *wirelog.Log
	Problems() []string
	Close() error
}

// errNeedsFakeRuntime marks a step that only the fake runtime can perform
// (asking for tokens outside a turn, several model requests in a turn
// without tool calls): on
// the real runtime the scenario is not applicable, never passed.
var errNeedsFakeRuntime = errors.New("needs the fake runtime")

// fakeRuntime returns the fake runtime, or errNeedsFakeRuntime with what
// the step wanted to do.
func (sc *scenario) fakeRuntime(what string) (*fakeruntime.Runtime, error) {
	if sc.fake == nil {
		return nil, fmt.Errorf("%w: %s", errNeedsFakeRuntime, what)
	}
	return sc.fake, nil
}
