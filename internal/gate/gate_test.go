package gate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/timings"
)

// Scenarios that measure nothing run side by side; a serial one waits for
// those running and holds back those that come after it.
func TestGateKeepsSerialScenariosAlone(t *testing.T) {
	g := &Gate{Dir: t.TempDir()}
	leaveA := mustEnter(t, g, false)
	leaveB := mustEnter(t, g, false) // two at once: this would block if they could not

	serialIn := enterAsync(g, true, 0)
	assertWaiting(t, serialIn, "a serial scenario while two others run")

	leaveA()
	leaveA() // a second call must not release B's turn
	assertWaiting(t, serialIn, "a serial scenario while one other runs")
	lateIn := enterAsync(g, false, 20*time.Millisecond) // after the serial one queued
	leaveB()
	leaveSerial := receive(t, serialIn, "the serial scenario once the others ended")
	assertWaiting(t, lateIn, "a scenario while a serial one runs")
	leaveSerial()
	receive(t, lateIn, "the scenario after the serial one ended")()
}

// Two Gates on one folder stand for two runs on the machine (builds side
// by side): a serial scenario of one waits for the other's scenarios, and
// holds back the other's later ones.
func TestGateKeepsSerialScenariosAloneAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	runA, runB := &Gate{Dir: dir}, &Gate{Dir: dir}
	leaveB := mustEnter(t, runB, false)

	serialIn := enterAsync(runA, true, 0)
	assertWaiting(t, serialIn, "a serial scenario of run A while run B's scenario runs")
	lateIn := enterAsync(runB, false, 50*time.Millisecond) // after the serial one queued
	leaveB()
	leaveSerial := receive(t, serialIn, "run A's serial scenario once run B's ended")
	assertWaiting(t, lateIn, "run B's scenario while run A's serial one runs")
	leaveSerial()
	receive(t, lateIn, "run B's scenario after run A's serial one ended")()
}

// Serial scenarios that wait at the same time take their turns one after
// the other: scenarios that ask in the meantime wait for the last of them,
// so the machine empties once for all of them, not once for each.
func TestSerialScenariosWaitingTogetherGoBeforeTheOthers(t *testing.T) {
	dir := t.TempDir()
	leaveRunning := mustEnter(t, &Gate{Dir: dir}, false)
	serial := map[chan func()]bool{}
	for range 3 {
		serial[enterAsync(&Gate{Dir: dir}, true, 0)] = true
	}
	// Several after the serial ones, each of another run: one of them
	// would come in between two turns if nothing held them back.
	var late []chan func()
	for range 8 {
		late = append(late, enterAsync(&Gate{Dir: dir}, false, 50*time.Millisecond))
	}
	time.Sleep(100 * time.Millisecond)
	leaveRunning()

	for turn := 1; len(serial) > 0; turn++ {
		leave := receiveAny(t, serial, fmt.Sprintf("serial turn %d of 3", turn))
		for _, in := range late {
			assertWaiting(t, in, fmt.Sprintf("a scenario that asked while three serial ones waited, during turn %d", turn))
		}
		leave()
	}
	for _, in := range late {
		receive(t, in, "a scenario after the serial ones ended")()
	}
}

// With Gather, a serial scenario lets the others go on for that long
// before it closes the machine to them, unless a queue of serial ones has
// formed, which it joins at once.
func TestASerialScenarioGathersOthersBeforeItsTurn(t *testing.T) {
	dir := t.TempDir()
	leaveRunning := mustEnter(t, &Gate{Dir: dir}, false) // the machine is busy
	gathering := &Gate{Dir: dir, Gather: 700 * time.Millisecond}
	firstIn := enterAsync(gathering, true, 0)
	time.Sleep(100 * time.Millisecond)
	mustEnter(t, &Gate{Dir: dir}, false)() // let in while it gathers
	assertWaiting(t, firstIn, "a serial scenario within its gathering time")
	time.Sleep(700 * time.Millisecond) // its gathering time is up: it queues
	lateIn := enterAsync(&Gate{Dir: dir}, false, 0)
	assertWaiting(t, lateIn, "a scenario while a serial one is queued")
	leaveRunning()
	leaveFirst := receive(t, firstIn, "a serial scenario once the machine emptied")

	// One that starts to gather now finds the queue and joins it.
	joinedIn := enterAsync(&Gate{Dir: dir, Gather: time.Minute}, true, 0)
	assertWaiting(t, joinedIn, "a serial scenario while another one runs")
	leaveFirst()
	receive(t, joinedIn, "a serial scenario that joined the queue, right after the turn before it")()
	receive(t, lateIn, "a scenario after the serial ones")()
}

// A serial scenario stops gathering once no scenario runs on the machine:
// waiting longer would gather no one (a run's last serial scenarios would
// wait out the whole time for company that does not come).
func TestASerialScenarioStopsGatheringOnAnEmptyMachine(t *testing.T) {
	dir := t.TempDir()
	leaveRunning := mustEnter(t, &Gate{Dir: dir}, false)
	serialIn := enterAsync(&Gate{Dir: dir, Gather: time.Minute}, true, 0)
	assertWaiting(t, serialIn, "a serial scenario gathering while another scenario runs")
	leaveRunning()
	receive(t, serialIn, "a serial scenario once no scenario runs, long before its gathering time is up")()

	// On a machine empty from the start it does not gather at all.
	receive(t, enterAsync(&Gate{Dir: dir, Gather: time.Minute}, true, 0), "a serial scenario on an empty machine")()
}

// The gathering time comes from the environment, as make test sets it.
func TestFromEnv(t *testing.T) {
	t.Setenv(TimesEnv, "/tmp/times")
	t.Setenv(GatherEnv, "20s")
	g, err := FromEnv("node")
	require.NoError(t, err)
	assert.Equal(t, &Gate{Times: "/tmp/times", Label: "node", Gather: 20 * time.Second}, g)

	for _, bad := range []string{"soon", "-1s", "1h"} {
		t.Setenv(GatherEnv, bad)
		_, err := FromEnv("node")
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), GatherEnv+`="`+bad+`"`)
	}
}

// receiveAny waits for one of the turns in ins and removes it from them.
func receiveAny(t *testing.T, ins map[chan func()]bool, what string) func() {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for in := range ins {
			select {
			case leave := <-in:
				delete(ins, in)
				return leave
			default:
			}
		}
	}
	t.Fatalf("still waiting after 5 s: %s", what)
	return nil
}

// Another process holding the gate (here flock(1), as another run would)
// keeps a serial scenario waiting, and the wait ends with an error that
// names the lock, at the context's deadline.
func TestGateWaitIsBoundedAndSaysWhy(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not found (util-linux)")
	}
	dir := t.TempDir()
	holder := exec.Command("flock", "--shared", dir+"/gate.lock", "sleep", "30")
	require.NoError(t, holder.Start())
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	waitForFile(t, dir+"/gate.lock")
	time.Sleep(100 * time.Millisecond) // flock(1) takes the lock after creating the file

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := (&Gate{Dir: dir}).Enter(ctx, true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the machine-wide gate, alone")
	assert.Contains(t, err.Error(), dir)

	leave, err := (&Gate{Dir: dir}).Enter(context.Background(), false) // shared with the holder
	require.NoError(t, err)
	leave()
}

func TestNilGateLetsEverythingThrough(t *testing.T) {
	var g *Gate
	mustEnter(t, g, true)()
	mustEnter(t, g, false)()
}

func mustEnter(t *testing.T, g *Gate, serial bool) func() {
	t.Helper()
	leave, err := g.Enter(context.Background(), serial)
	require.NoError(t, err)
	return leave
}

func enterAsync(g *Gate, serial bool, after time.Duration) chan func() {
	in := make(chan func(), 1)
	go func() {
		time.Sleep(after)
		leave, err := g.Enter(context.Background(), serial)
		if err != nil {
			panic(err)
		}
		in <- leave
	}()
	return in
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s was not created within 5 s", path)
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

// Asked to (Times), the gate records each turn alone with how long it
// waited for the machine to empty, and each wait of 1 s or more behind
// one: make test's report says what the gate cost.
func TestTheGateRecordsItsCost(t *testing.T) {
	dir, times := t.TempDir(), t.TempDir()
	serial := &Gate{Dir: dir, Times: times, Label: "node"}
	other := &Gate{Dir: dir, Times: times, Label: "go"}
	leave, err := serial.Enter(context.Background(), true)
	require.NoError(t, err)
	entered := make(chan func())
	go func() {
		l, err := other.Enter(context.Background(), false)
		assert.NoError(t, err)
		entered <- l
	}()
	time.Sleep(1100 * time.Millisecond)
	leave()
	(<-entered)()

	records, err := timings.Read(times)
	require.NoError(t, err)
	require.Len(t, records, 2)
	kinds := map[string]timings.Record{records[0].Kind: records[0], records[1].Kind: records[1]}
	assert.Equal(t, "node", kinds[timings.Alone].Name)
	assert.GreaterOrEqual(t, kinds[timings.Alone].Wall, 1.0, "it had the machine while the other waited")
	assert.Equal(t, "go", kinds[timings.Held].Name)
	assert.GreaterOrEqual(t, kinds[timings.Held].Waited, 1.0)
}
