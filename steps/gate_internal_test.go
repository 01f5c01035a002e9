package steps

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Scenarios that measure nothing run side by side; a serial one waits for
// those running and holds back those that come after it.
func TestGateKeepsSerialScenariosAlone(t *testing.T) {
	g := &Gate{}
	leaveA := g.enter(false)
	leaveB := g.enter(false) // two at once: this would block if they could not

	serialIn := make(chan func())
	go func() { serialIn <- g.enter(true) }()
	assertWaiting(t, serialIn, "a serial scenario while two others run")

	leaveA()
	leaveA() // a second call must not release B's turn
	assertWaiting(t, serialIn, "a serial scenario while one other runs")
	lateIn := make(chan func())
	go func() {
		time.Sleep(20 * time.Millisecond) // after the serial one queued
		lateIn <- g.enter(false)
	}()
	leaveB()
	leaveSerial := receive(t, serialIn, "the serial scenario once the others ended")
	assertWaiting(t, lateIn, "a scenario while a serial one runs")
	leaveSerial()
	receive(t, lateIn, "the scenario after the serial one ended")()
}

func TestNilGateLetsEverythingThrough(t *testing.T) {
	var g *Gate
	g.enter(true)()
	g.enter(false)()
}

func assertWaiting(t *testing.T, in chan func(), what string) {
	t.Helper()
	select {
	case <-in:
		assert.Fail(t, "did not wait: "+what)
	case <-time.After(100 * time.Millisecond):
	}
}

func receive(t *testing.T, in chan func(), what string) func() {
	t.Helper()
	select {
	case leave := <-in:
		return leave
	case <-time.After(5 * time.Second):
		t.Fatalf("still waiting after 5 s: %s", what)
		return nil
	}
}
