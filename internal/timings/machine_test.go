package timings

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const statStart = `cpu  1000 50 300 5000 100 10 20 5 0 0
cpu0 500 25 150 2500 50 5 10 2 0 0
cpu1 500 25 150 2500 50 5 10 3 0 0
intr 12345
`

const statEnd = `cpu  61000 50 20300 15000 600 30 40 5 7 0
cpu0 30500 25 10150 7500 300 15 20 2 0 0
cpu1 30500 25 10150 7500 300 15 20 3 0 0
`

func TestReadCPU(t *testing.T) {
	tests := []struct {
		name, stat string
		want       cpuSample
		err        string
	}{
		{"two cores", statStart, cpuSample{busy: 1000 + 50 + 300 + 10 + 20 + 5, idle: 5000 + 100, cores: 2}, ""},
		{"no cpu line", "intr 1\n", cpuSample{}, "no cpu line"},
		{"short line", "cpu 1 2 3\n", cpuSample{}, "at least 9"},
		{"not a number", "cpu 1 2 3 x 5 6 7 8\n", cpuSample{}, "field 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCPU(strings.NewReader(tt.stat))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("readCPU = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestMachineBetweenAndSummary(t *testing.T) {
	start, _ := readCPU(strings.NewReader(statStart))
	end, _ := readCPU(strings.NewReader(statEnd))
	m := machineBetween(start, end)
	// busy: user +60000, system +20000, irq +20, softirq +20 ticks; idle:
	// idle +10000, iowait +500 ticks; 100 ticks a second.
	if want := (Machine{Cores: 2, Busy: 800.4, Idle: 105}); m != want {
		t.Fatalf("machineBetween = %+v, want %+v", m, want)
	}
	var out bytes.Buffer
	Report{Machine: &m}.MachineSummary(&out)
	for _, want := range []string{"2 cores", "busy for 800 CPU-s", "idle for 105 CPU-s", "at least 400 s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary %q lacks %q", out.String(), want)
		}
	}
	out.Reset()
	Report{}.MachineSummary(&out)
	if out.Len() != 0 {
		t.Errorf("a report without a machine sample printed %q", out.String())
	}
}

func TestMachineSinceWithoutAStartSample(t *testing.T) {
	_, ok, err := MachineSince(t.TempDir())
	if ok || err != nil {
		t.Fatalf("MachineSince(empty dir) = ok %v, err %v; want no sample and no error", ok, err)
	}
}

func TestMachineSinceReadsThisMachine(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc/stat here (not Linux)")
	}
	dir := t.TempDir()
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, MachineStartFile), stat, 0o644); err != nil {
		t.Fatal(err)
	}
	m, ok, err := MachineSince(dir)
	if !ok || err != nil {
		t.Fatalf("MachineSince = ok %v, err %v", ok, err)
	}
	if m.Cores < 1 || m.Busy < 0 || m.Idle < 0 {
		t.Fatalf("MachineSince = %+v: want at least one core and no negative time", m)
	}
}
