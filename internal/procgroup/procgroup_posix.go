//go:build unix

package procgroup

import (
	"os"
	"syscall"
)

// group is a process group, named by its leader's pid.
type group int

func adopt(p *os.Process) (group, error) { return group(p.Pid), nil }

// terminate sends SIGTERM to the group; a group always can be asked.
func (g group) terminate() bool {
	_ = syscall.Kill(-int(g), syscall.SIGTERM)
	return true
}

func (g group) kill() { _ = syscall.Kill(-int(g), syscall.SIGKILL) }
