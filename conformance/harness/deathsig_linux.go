package harness

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd if the process that started it
// dies first (a test binary killed on timeout), so no runtime outlives it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
