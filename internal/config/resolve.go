package config

import (
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by Resolve when neither the file, the environment nor a
// flag sets a value.
const (
	DefaultPort        = 8787
	DefaultIP          = "127.0.0.1"
	DefaultPersistTo   = ".isola/state" // relative to Project.Dir
	DefaultCPUMs       = 30000
	DefaultMemoryBytes = 128 << 20
)

// Environment variables Resolve reads. Each overrides the config file and is
// overridden by the matching flag.
const (
	EnvPort      = "ISOLA_PORT"       // e.g. 8080; 0 picks a free port
	EnvIP        = "ISOLA_IP"         // e.g. 0.0.0.0
	EnvPersistTo = "ISOLA_PERSIST_TO" // a directory
	EnvCPUMs     = "ISOLA_CPU_MS"     // CPU time per request, ms
	EnvMemoryMiB = "ISOLA_MEMORY_MB"  // memory per runtime, MiB
)

// Flags are the command-line overrides of `isola dev` and `isola serve`. A nil
// pointer or nil map means "not given"; the zero Flags overrides nothing.
type Flags struct {
	// Port is --port. 0 asks for a free port.
	Port *int
	// IP is --ip, the address to listen on.
	IP *string
	// PersistTo is --persist-to, the directory for Durable Object and KV
	// state. A relative path is relative to the working directory.
	PersistTo *string
	// Vars are --var KEY:VALUE pairs; they override vars and secrets of the
	// main worker, as wrangler's --var does.
	Vars map[string]string
	// CPUMs is --cpu-ms, the CPU time limit per request for every worker.
	CPUMs *int
	// MemoryMiB is --memory-mb, the memory limit per runtime.
	MemoryMiB *int
}

// Runtime is the resolved configuration the server runs with. Every field is
// set; none means "default".
type Runtime struct {
	// Port to listen on. Default DefaultPort (8787); 0 picks a free port.
	Port int
	// IP to listen on. Default DefaultIP (127.0.0.1).
	IP string
	// PersistTo is the state directory. Default DefaultPersistTo
	// (.isola/state) inside the project directory.
	PersistTo string
	// MemoryLimit is the memory limit per JS runtime in bytes.
	// Default DefaultMemoryBytes (128 MiB).
	MemoryLimit int64
	// Workers are copies of the project's workers with Limits.CPUMs filled
	// in (default DefaultCPUMs, 30 s) and the --var overrides applied to the
	// main worker (Workers[0]). The project itself is not modified.
	Workers []*Worker
}

// Addr returns IP:Port, ready for net.Listen.
func (r *Runtime) Addr() string {
	return net.JoinHostPort(r.IP, strconv.Itoa(r.Port))
}

// CPULimit returns the CPU-time limit per request of w.
func (w *Worker) CPULimit() time.Duration {
	ms := w.Limits.CPUMs
	if ms <= 0 {
		ms = DefaultCPUMs
	}
	return time.Duration(ms) * time.Millisecond
}

// Resolve layers the settings the server runs with, lowest first: defaults,
// the config file (p, which may be nil), the environment variables in env
// (KEY=VALUE strings as from os.Environ; see EnvPort and friends), and flags.
// It returns an error naming the variable or flag for a value that does not
// parse or is out of range.
func Resolve(p *Project, env []string, f Flags) (*Runtime, error) {
	r := &Runtime{
		Port:        DefaultPort,
		IP:          DefaultIP,
		PersistTo:   DefaultPersistTo,
		MemoryLimit: DefaultMemoryBytes,
	}
	cpuMs := 0 // 0: per worker, from its file or the default

	// File.
	if p != nil {
		if p.Dev.Port != 0 {
			r.Port = p.Dev.Port
		}
		if p.Dev.IP != "" {
			r.IP = p.Dev.IP
		}
		r.PersistTo = filepath.Join(p.Dir, DefaultPersistTo)
	}

	// Environment.
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	if v, ok := vars[EnvPort]; ok {
		n, err := parseRange(v, 0, 65535)
		if err != nil {
			return nil, fmt.Errorf("config: %s=%q: %w", EnvPort, v, err)
		}
		r.Port = n
	}
	if v, ok := vars[EnvIP]; ok {
		if err := checkIP(v); err != nil {
			return nil, fmt.Errorf("config: %s=%q: %w", EnvIP, v, err)
		}
		r.IP = v
	}
	if v, ok := vars[EnvPersistTo]; ok {
		if v == "" {
			return nil, fmt.Errorf("config: %s is empty", EnvPersistTo)
		}
		r.PersistTo = v
	}
	if v, ok := vars[EnvCPUMs]; ok {
		n, err := parseRange(v, 1, 1<<31-1)
		if err != nil {
			return nil, fmt.Errorf("config: %s=%q: %w", EnvCPUMs, v, err)
		}
		cpuMs = n
	}
	if v, ok := vars[EnvMemoryMiB]; ok {
		n, err := parseRange(v, 1, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("config: %s=%q: %w", EnvMemoryMiB, v, err)
		}
		r.MemoryLimit = int64(n) << 20
	}

	// Flags.
	if f.Port != nil {
		if *f.Port < 0 || *f.Port > 65535 {
			return nil, fmt.Errorf("config: --port %d: must be from 0 to 65535", *f.Port)
		}
		r.Port = *f.Port
	}
	if f.IP != nil {
		if err := checkIP(*f.IP); err != nil {
			return nil, fmt.Errorf("config: --ip %q: %w", *f.IP, err)
		}
		r.IP = *f.IP
	}
	if f.PersistTo != nil {
		if *f.PersistTo == "" {
			return nil, fmt.Errorf("config: --persist-to is empty")
		}
		r.PersistTo = *f.PersistTo
	}
	if f.CPUMs != nil {
		if *f.CPUMs < 1 {
			return nil, fmt.Errorf("config: --cpu-ms %d: must be positive", *f.CPUMs)
		}
		cpuMs = *f.CPUMs
	}
	if f.MemoryMiB != nil {
		if *f.MemoryMiB < 1 || *f.MemoryMiB > 1<<20 {
			return nil, fmt.Errorf("config: --memory-mb %d: must be from 1 to %d", *f.MemoryMiB, 1<<20)
		}
		r.MemoryLimit = int64(*f.MemoryMiB) << 20
	}

	if p != nil {
		for i, w := range p.Workers {
			c := *w
			c.Vars = maps.Clone(w.Vars)
			if c.Vars == nil {
				c.Vars = map[string]any{}
			}
			c.Secrets = slices.Clone(w.Secrets)
			switch {
			case cpuMs > 0:
				c.Limits.CPUMs = cpuMs
			case c.Limits.CPUMs <= 0:
				c.Limits.CPUMs = DefaultCPUMs
			}
			if i == 0 {
				for k, v := range f.Vars {
					c.Vars[k] = v
					c.Secrets = slices.DeleteFunc(c.Secrets, func(s string) bool { return s == k })
				}
			}
			r.Workers = append(r.Workers, &c)
		}
	}
	return r, nil
}

func parseRange(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("not an integer")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("must be from %d to %d", lo, hi)
	}
	return n, nil
}

// checkIP accepts an IP address or "localhost".
func checkIP(s string) error {
	if s == "localhost" || net.ParseIP(s) != nil {
		return nil
	}
	return fmt.Errorf("not an IP address")
}
