package procgroup

import (
	"fmt"
	"os"
	"os/exec"
	"unsafe"

	"golang.org/x/sys/windows"
)

// prepare starts the child in a console process group of its own, so a
// Ctrl-C in the suite's console is the suite's to handle, not the child's.
func prepare(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &windows.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP
}

// group is a Job Object holding the child and, since Windows puts a
// process's children in its job, whatever it starts. The job is set to
// kill its processes when its last handle closes: the suite holds that
// handle, and Windows closes it when the suite exits, however it dies, so
// the children cannot outlive it. Weaker than Linux in one way: a process
// the child starts between its start and its assignment to the job (a
// few microseconds) escapes it.
type group windows.Handle

func adopt(p *os.Process) (group, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, fmt.Errorf("job object limits: %w", err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		windows.CloseHandle(job)
		return 0, fmt.Errorf("open process %d: %w", p.Pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return 0, fmt.Errorf("assign process %d to its job: %w", p.Pid, err)
	}
	return group(job), nil
}

// terminate has nothing to send: Windows has no SIGTERM for a process
// without a console window, so the group is killed at once.
func (g group) terminate() bool { return false }

func (g group) kill() {
	_ = windows.TerminateJobObject(windows.Handle(g), 1)
	_ = windows.CloseHandle(windows.Handle(g))
}
