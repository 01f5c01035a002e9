//go:build unix && !linux

package procgroup

import (
	"os/exec"
	"syscall"
)

// prepare puts the child in a process group of its own. Weaker than on
// Linux: macOS and the BSDs have no parent-death signal, so if the suite
// is killed outright (SIGKILL, a crash) its children are not killed with
// it. Drivers and the runtimes exit when their stdin closes, which the
// suite's death causes, so most still go; anything that ignores stdin
// lives on. Interrupts (Ctrl-C, SIGTERM) still kill every group.
func prepare(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}
