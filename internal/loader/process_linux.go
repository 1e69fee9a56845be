//go:build linux

package loader

import "syscall"

// sysProcAttr: the child dies with the parent and has its own process
// group (so a kill never reaches the parent's group).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
