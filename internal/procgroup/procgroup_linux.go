package procgroup

import (
	"os/exec"
	"syscall"
)

// prepare puts the child in a process group of its own and, should the
// suite be killed outright, has the kernel kill the child.
func prepare(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
