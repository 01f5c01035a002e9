package steps

import "sync"

// SerialTag marks a scenario that measures time (a bound in milliseconds,
// a round trip): it runs while no other scenario of its run does, so that
// what it measures is the SDK, not the scenarios beside it.
const SerialTag = "@serial"

// Gate lets a run's scenarios run side by side (suite.Config.Parallel)
// except those tagged SerialTag, which wait until they are alone and keep
// the others waiting while they run. A nil Gate lets everything through.
//
// It is a readers-writer lock: a waiting serial scenario holds back the
// scenarios that come after it (sync.RWMutex's writer preference), so it
// waits at most for the ones already running.
type Gate struct{ mu sync.RWMutex }

// enter waits for the scenario's turn and returns what ends it; calling
// that more than once does nothing more.
func (g *Gate) enter(serial bool) (leave func()) {
	if g == nil {
		return func() {}
	}
	lock, unlock := g.mu.RLock, g.mu.RUnlock
	if serial {
		lock, unlock = g.mu.Lock, g.mu.Unlock
	}
	lock()
	return sync.OnceFunc(unlock)
}
