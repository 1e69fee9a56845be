//go:build linux

package sandbox

import (
	"fmt"
	"strings"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/landlock-lsm/go-landlock/landlock"
	"golang.org/x/sys/unix"
)

// deniedSyscalls fail with EPERM in a sandbox child: no new processes, no
// sockets, no file opening or changes, no tracing or kernel facilities a
// JS engine does not need. The Go runtime's own needs (threads through
// clone, mmap, futex, signals to its own threads) stay allowed.
var deniedSyscalls = []string{
	"execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
	"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
	"open", "openat", "openat2", "creat", "truncate", "unlink", "unlinkat", "rename", "renameat", "renameat2",
	"mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "chown", "fchownat", "lchown",
	"mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "kexec_load", "init_module", "finit_module", "delete_module",
	"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"kill", "memfd_create", "name_to_handle_at", "open_by_handle_at", "quotactl", "reboot", "swapon", "swapoff", "syslog",
}

// Harden applies the child's OS limits to the current process and reports
// what it could apply. A missing kernel feature (Landlock, seccomp) is
// skipped and reported, not an error; a failing rlimit is an error.
func Harden(opts ChildOptions) (string, error) {
	var done []string
	set := func(res int, v uint64, name string) error {
		if err := unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v}); err != nil {
			return fmt.Errorf("setrlimit %s: %w", name, err)
		}
		done = append(done, name)
		return nil
	}
	if opts.AddressSpace > 0 {
		if err := set(unix.RLIMIT_AS, opts.AddressSpace, "RLIMIT_AS"); err != nil {
			return "", err
		}
	}
	if opts.CPUSeconds > 0 {
		// Soft limit: SIGXCPU kills the child; hard limit one second later.
		if err := unix.Setrlimit(unix.RLIMIT_CPU, &unix.Rlimit{Cur: opts.CPUSeconds, Max: opts.CPUSeconds + 1}); err != nil {
			return "", fmt.Errorf("setrlimit RLIMIT_CPU: %w", err)
		}
		done = append(done, "RLIMIT_CPU")
	}
	if err := set(unix.RLIMIT_NOFILE, 16, "RLIMIT_NOFILE"); err != nil {
		return "", err
	}
	if err := set(unix.RLIMIT_FSIZE, 0, "RLIMIT_FSIZE"); err != nil {
		return "", err
	}
	if err := set(unix.RLIMIT_CORE, 0, "RLIMIT_CORE"); err != nil {
		return "", err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return "", fmt.Errorf("no_new_privs: %w", err)
	}
	done = append(done, "no_new_privs")
	// Landlock: no file system access and no TCP bind/connect at all.
	if err := landlock.V5.BestEffort().Restrict(); err != nil {
		done = append(done, "landlock unavailable ("+err.Error()+")")
	} else {
		done = append(done, "landlock")
	}
	if seccomp.Supported() {
		f := seccomp.Filter{
			NoNewPrivs: true,
			Flag:       seccomp.FilterFlagTSync,
			Policy: seccomp.Policy{
				DefaultAction: seccomp.ActionAllow,
				Syscalls:      []seccomp.SyscallGroup{{Names: existingSyscalls(), Action: seccomp.ActionErrno}},
			},
		}
		if err := seccomp.LoadFilter(f); err != nil {
			return "", fmt.Errorf("seccomp: %w", err)
		}
		done = append(done, "seccomp")
	} else {
		done = append(done, "seccomp unavailable")
	}
	return strings.Join(done, ", "), nil
}

// existingSyscalls drops names the running architecture lacks (e.g. open
// and fork on arm64), which the policy assembler would reject.
func existingSyscalls() []string {
	var out []string
	for _, n := range deniedSyscalls {
		p := seccomp.Policy{DefaultAction: seccomp.ActionAllow, Syscalls: []seccomp.SyscallGroup{{Names: []string{n}, Action: seccomp.ActionErrno}}}
		if _, err := p.Assemble(); err == nil {
			out = append(out, n)
		}
	}
	return out
}
