package timings

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Machine is what the whole machine's processors did during a make test:
// every process's time, the containers' and the Docker engine's included,
// which the phases' records (CPU time of the processes each phase waited
// for) do not see. It also says how short the run could be at best: its
// busy time spread over every core with none idle.
type Machine struct {
	Cores int `json:"cores"`
	// Busy and Idle are CPU seconds over all cores, from /proc/stat
	// (idle counts I/O wait too).
	Busy float64 `json:"busyCPUSeconds"`
	Idle float64 `json:"idleCPUSeconds"`
}

// MachineStartFile is where make test keeps a copy of /proc/stat from its
// start, in the records' folder.
const MachineStartFile = "machine.start"

// procStatTicks is the unit of /proc/stat: USER_HZ, 100 on every Linux
// architecture Go builds for (the kernel's ABI, whatever its HZ).
const procStatTicks = 100

// cpuSample is one reading of /proc/stat: ticks busy and idle, all cores.
type cpuSample struct {
	busy, idle uint64
	cores      int
}

// readCPU parses /proc/stat's text.
func readCPU(r io.Reader) (cpuSample, error) {
	var s cpuSample
	found := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "cpu") {
			continue
		}
		if fields[0] != "cpu" {
			s.cores++
			continue
		}
		// cpu user nice system idle iowait irq softirq steal [guest guest_nice]:
		// guest time is already in user and nice.
		if len(fields) < 9 {
			return s, fmt.Errorf("the cpu line of /proc/stat has %d fields, want at least 9: %q", len(fields), sc.Text())
		}
		var v [8]uint64
		for i := range v {
			n, err := strconv.ParseUint(fields[i+1], 10, 64)
			if err != nil {
				return s, fmt.Errorf("the cpu line of /proc/stat: field %d: %w", i+1, err)
			}
			v[i] = n
		}
		s.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
		s.idle = v[3] + v[4]
		found = true
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	if !found {
		return s, errors.New("no cpu line in /proc/stat")
	}
	return s, nil
}

// MachineSince reads the sample make test took at its start (in dir) and
// /proc/stat now. ok is false where there is no start sample (not Linux,
// or an older make test), which is no error.
func MachineSince(dir string) (m Machine, ok bool, err error) {
	f, err := os.Open(filepath.Join(dir, MachineStartFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	defer f.Close()
	start, err := readCPU(f)
	if err != nil {
		return m, false, fmt.Errorf("%s: %w", f.Name(), err)
	}
	now, err := os.Open("/proc/stat")
	if err != nil {
		return m, false, err
	}
	defer now.Close()
	end, err := readCPU(now)
	if err != nil {
		return m, false, err
	}
	if end.busy < start.busy || end.idle < start.idle {
		return m, false, errors.New("/proc/stat counts less than at make test's start: the machine restarted meanwhile")
	}
	return machineBetween(start, end), true, nil
}

func machineBetween(start, end cpuSample) Machine {
	return Machine{
		Cores: end.cores,
		Busy:  float64(end.busy-start.busy) / procStatTicks,
		Idle:  float64(end.idle-start.idle) / procStatTicks,
	}
}

// MachineSummary writes what the machine's cores did, and the shortest
// the same work could take on them.
func (r Report) MachineSummary(w io.Writer) {
	m := r.Machine
	if m == nil || m.Cores == 0 {
		return
	}
	fmt.Fprintf(w, "the machine's %d cores were busy for %.0f CPU-s and idle for %.0f CPU-s during make test (every process on the machine, containers included); with no core idle, that work takes at least %.0f s\n",
		m.Cores, m.Busy, m.Idle, m.Busy/float64(m.Cores))
}
