// Command isola runs Cloudflare Workers projects (wrangler.jsonc + worker
// code) on your own machine. main only wires flags to internal/server.
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/isola-run/isola/internal/loader"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/isola-run/isola/internal/config"
	"github.com/isola-run/isola/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `isola runs Cloudflare Workers projects on your own machine.

Usage:
  isola dev [PATH] [flags]      run a project for development (reloads on change)
  isola serve --config FILE     run a project in production (JSON logs, graceful shutdown)
  isola version                 print the version

Run "isola <command> --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case loader.SandboxCommand: // hidden: a Dynamic Workers sandbox child (internal/loader)
		return loader.RunChild(args[1:])
	case "dev":
		return runServer(args[1:], stdout, stderr, true)
	case "serve":
		return runServer(args[1:], stdout, stderr, false)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "isola", versionString())
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "isola: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

type varFlags map[string]string

func (v varFlags) String() string { return "" }
func (v varFlags) Set(s string) error {
	k, val, ok := strings.Cut(s, ":")
	if !ok || k == "" {
		return fmt.Errorf("want KEY:VALUE, got %q", s)
	}
	v[k] = val
	return nil
}

func runServer(args []string, stdout, stderr io.Writer, dev bool) int {
	name := "serve"
	if dev {
		name = "dev"
	}
	fs := flag.NewFlagSet("isola "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 8787, "port to listen on (0 picks a free port)")
	ip := fs.String("ip", "127.0.0.1", "address to listen on")
	cfg := fs.String("config", "", "wrangler config file (default: found in PATH)")
	env := fs.String("env", "", "named environment of the config to use")
	persist := fs.String("persist-to", "", "directory for Durable Object state (default .isola/state in the project)")
	grace := fs.Duration("grace", 30*time.Second, "how long shutdown waits for in-flight requests")
	runtimes := fs.Int("runtimes", 0, "JS runtimes per worker (default: number of CPUs)")
	cpuMs := fs.Int("cpu-ms", 0, "CPU time limit per request in ms (default: limits.cpu_ms or 30000)")
	memMiB := fs.Int("memory-mb", 0, "memory limit per JS runtime in MiB (default 128)")
	idle := fs.Duration("idle-timeout", 70*time.Second, "evict a Durable Object after this long without events")
	hibernate := fs.Duration("hibernation-timeout", 10*time.Second, "evict a Durable Object whose only work is hibernatable WebSockets after this long")
	wsMax := fs.Int64("ws-max-message", 32<<20, "largest WebSocket message received, in bytes")
	vars := varFlags{}
	fs.Var(vars, "var", "set an env var, KEY:VALUE (repeatable)")
	fs.Usage = func() {
		if dev {
			fmt.Fprintf(stderr, "Usage: isola dev [PATH] [flags]\n\nPATH is a project folder (with wrangler.jsonc, wrangler.json or wrangler.toml) or an entry file; default \".\".\n\nFlags:\n")
		} else {
			fmt.Fprintf(stderr, "Usage: isola serve --config FILE [flags]\n\nFlags:\n")
		}
		fs.PrintDefaults()
	}
	// Allow the path before or after the flags.
	var path string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		path, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 && path == "" {
		path = fs.Arg(0)
	}
	if !dev && *cfg == "" && path == "" {
		fmt.Fprintln(stderr, "isola serve: --config FILE is required")
		return 2
	}
	flags := config.Flags{Vars: vars}
	if flagSet(fs, "port") {
		flags.Port = port
	}
	if flagSet(fs, "ip") {
		flags.IP = ip
	}
	if *persist != "" {
		flags.PersistTo = persist
	}
	if flagSet(fs, "cpu-ms") {
		flags.CPUMs = cpuMs
	}
	if flagSet(fs, "memory-mb") {
		flags.MemoryMiB = memMiB
	}
	var logger *slog.Logger
	if dev {
		logger = slog.New(server.NewDevHandler(stdout, slog.LevelInfo))
	} else {
		logger = slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	slog.SetDefault(logger)
	if path == "" {
		path = "."
	}
	cacheBase := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		cacheBase = filepath.Dir(path)
	}
	if *cfg != "" {
		cacheBase = filepath.Dir(*cfg)
	}
	server.SetCacheDir(filepath.Join(cacheBase, ".isola", "cache"))
	srv, err := server.New(server.Options{
		Path:                path,
		Config:              *cfg,
		Env:                 *env,
		Flags:               flags,
		Environ:             os.Environ(),
		IdleTimeout:         *idle,
		HibernationTimeout:  *hibernate,
		MaxWebSocketMessage: *wsMax,
		Watch:               dev,
		Dev:                 dev,
		Logger:              logger,
		Grace:               *grace,
		Runtimes:            *runtimes,
	})
	if err != nil {
		fmt.Fprintf(stderr, "isola %s: %v\n", name, err)
		return 1
	}
	url, err := srv.Listen()
	if err != nil {
		fmt.Fprintf(stderr, "isola %s: %v\n", name, err)
		return 1
	}
	if dev {
		fmt.Fprintf(stdout, "isola %s ready on\n%s\n", versionString(), url)
	} else {
		logger.Info("listening", "url", url)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Serve(ctx); err != nil {
		fmt.Fprintf(stderr, "isola %s: %v\n", name, err)
		return 1
	}
	return 0
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
