// Package harness starts the same Worker on workerd (the reference runtime,
// installed from npm) and on isola, for the differential conformance test in
// conformance/ and the side-by-side benchmarks in bench/.
//
// It owns the child processes it starts and nothing else: every process is
// started with a bounded start-up wait and stopped by its PID in
// Server.Close. It must not import isola's internal packages: isola is driven
// only through its command line, as a user would drive it.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// StartTimeout bounds how long Start* waits for a runtime to listen.
const StartTimeout = 60 * time.Second

// stopGrace is how long Close waits after SIGTERM before it sends SIGKILL.
const stopGrace = 5 * time.Second

// Worker is one Worker project: a folder of ES modules and the settings both
// runtimes need. The zero value is not valid: Dir and Main are required.
type Worker struct {
	// Name is the worker's name; default "worker".
	Name string
	// Dir is the folder holding the modules.
	Dir string
	// Main is the entry module, relative to Dir.
	Main string
	// Modules are further ES modules, relative to Dir, that Main imports.
	Modules []string
	// CompatibilityDate is the Workers compatibility date; default "2025-09-01".
	CompatibilityDate string
	// CompatibilityFlags are the Workers compatibility flags.
	CompatibilityFlags []string
	// Vars are the environment variables: a JSON string becomes a text
	// binding, any other JSON value a JSON binding.
	Vars map[string]json.RawMessage
	// DurableObjects are SQLite-backed Durable Object classes the worker
	// exports, each bound to a name. On workerd they need --experimental
	// and a local-disk storage directory, which StartWorkerd supplies; on
	// isola they are one new_sqlite_classes migration.
	DurableObjects []DurableObject
	// WorkerLoaders are Dynamic Worker loader bindings (workerd's
	// workerLoader, which needs --experimental; isola's worker_loaders).
	WorkerLoaders []WorkerLoader
}

// WorkerLoader binds a Dynamic Worker loader to a name in env. Isolation and
// CacheSize are isola's own settings (workerd has none): "" and 0 keep
// isola's defaults.
type WorkerLoader struct {
	Binding   string `json:"binding"`
	Isolation string `json:"isolation,omitempty"`
	CacheSize int    `json:"cache_size,omitempty"`
}

// DurableObject binds a Durable Object class of the worker to a name in env.
type DurableObject struct {
	Binding   string `json:"binding"`
	ClassName string `json:"class_name"`
}

// doStorageService is the workerd disk service holding Durable Object
// databases; StartWorkerd points it at a fresh directory.
const doStorageService = "do-storage"

// classes returns the distinct class names of w's Durable Objects, in
// binding order.
func (w Worker) classes() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range w.DurableObjects {
		if !seen[d.ClassName] {
			seen[d.ClassName] = true
			out = append(out, d.ClassName)
		}
	}
	return out
}

func (w Worker) name() string {
	if w.Name == "" {
		return "worker"
	}
	return w.Name
}

func (w Worker) date() string {
	if w.CompatibilityDate == "" {
		return "2025-09-01"
	}
	return w.CompatibilityDate
}

func (w Worker) files() []string {
	return append([]string{w.Main}, w.Modules...)
}

// Validate reports whether w can be run.
func (w Worker) Validate() error {
	var errs []error
	if w.Dir == "" {
		errs = append(errs, errors.New("harness: worker has no Dir"))
	}
	if w.Main == "" {
		errs = append(errs, errors.New("harness: worker has no Main"))
	}
	for _, k := range sortedKeys(w.Vars) {
		if !json.Valid(w.Vars[k]) {
			errs = append(errs, fmt.Errorf("harness: var %q is not valid JSON", k))
		}
	}
	for i, d := range w.DurableObjects {
		if !jsIdent.MatchString(d.Binding) || !jsIdent.MatchString(d.ClassName) {
			errs = append(errs, fmt.Errorf("harness: durable object %d: binding %q and class %q must be identifiers", i, d.Binding, d.ClassName))
		}
		if _, dup := w.Vars[d.Binding]; dup {
			errs = append(errs, fmt.Errorf("harness: durable object binding %q is also a var", d.Binding))
		}
	}
	for i, l := range w.WorkerLoaders {
		if !jsIdent.MatchString(l.Binding) {
			errs = append(errs, fmt.Errorf("harness: worker loader %d: binding %q must be an identifier", i, l.Binding))
		}
	}
	return errors.Join(errs...)
}

var jsIdent = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// WorkerdConfig renders w as a workerd Cap'n Proto config with one service
// and one HTTP socket named "http" on 127.0.0.1 port 0. The modules are
// embedded by their paths relative to the config file, which Prepare copies.
// Durable Objects add a disk service "do-storage" whose path StartWorkerd
// overrides with --directory-path.
func (w Worker) WorkerdConfig() (string, error) {
	if err := w.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# Generated by isola's conformance harness.\n")
	b.WriteString("using Workerd = import \"/workerd/workerd.capnp\";\n\n")
	b.WriteString("const config :Workerd.Config = (\n")
	fmt.Fprintf(&b, "  services = [ (name = %s, worker = .mainWorker)", capnpText(w.name()))
	if len(w.DurableObjects) > 0 {
		fmt.Fprintf(&b, ", (name = %s, disk = (path = \"do-data\", writable = true))", capnpText(doStorageService))
	}
	b.WriteString(" ],\n")
	fmt.Fprintf(&b, "  sockets = [ (name = \"http\", address = \"127.0.0.1:0\", http = (), service = %s) ],\n", capnpText(w.name()))
	b.WriteString(");\n\n")
	b.WriteString("const mainWorker :Workerd.Worker = (\n")
	b.WriteString("  modules = [\n")
	for _, f := range w.files() {
		f = filepath.ToSlash(f)
		fmt.Fprintf(&b, "    (name = %s, esModule = embed %s),\n", capnpText(f), capnpText(f))
	}
	b.WriteString("  ],\n")
	fmt.Fprintf(&b, "  compatibilityDate = %s,\n", capnpText(w.date()))
	b.WriteString("  compatibilityFlags = [")
	for i, f := range w.CompatibilityFlags {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(capnpText(f))
	}
	b.WriteString("],\n")
	if classes := w.classes(); len(classes) > 0 {
		b.WriteString("  durableObjectNamespaces = [\n")
		for _, c := range classes {
			fmt.Fprintf(&b, "    (className = %s, uniqueKey = %s, enableSql = true),\n", capnpText(c), capnpText(w.name()+"-"+c))
		}
		b.WriteString("  ],\n")
		fmt.Fprintf(&b, "  durableObjectStorage = (localDisk = %s),\n", capnpText(doStorageService))
	}
	b.WriteString("  bindings = [\n")
	for _, d := range w.DurableObjects {
		fmt.Fprintf(&b, "    (name = %s, durableObjectNamespace = %s),\n", capnpText(d.Binding), capnpText(d.ClassName))
	}
	for _, l := range w.WorkerLoaders {
		fmt.Fprintf(&b, "    (name = %s, workerLoader = (id = %s)),\n", capnpText(l.Binding), capnpText(w.name()+"-"+l.Binding))
	}
	for _, k := range sortedKeys(w.Vars) {
		raw := bytes.TrimSpace(w.Vars[k])
		var s string
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", fmt.Errorf("harness: var %q: %w", k, err)
			}
			fmt.Fprintf(&b, "    (name = %s, text = %s),\n", capnpText(k), capnpText(s))
			continue
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return "", fmt.Errorf("harness: var %q: %w", k, err)
		}
		fmt.Fprintf(&b, "    (name = %s, json = %s),\n", capnpText(k), capnpText(compact.String()))
	}
	b.WriteString("  ],\n")
	b.WriteString(");\n")
	return b.String(), nil
}

// WranglerJSON renders w as the wrangler.json isola reads.
func (w Worker) WranglerJSON() ([]byte, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	type doBinding struct {
		Name      string `json:"name"`
		ClassName string `json:"class_name"`
	}
	type doTable struct {
		Bindings []doBinding `json:"bindings"`
	}
	type migration struct {
		Tag              string   `json:"tag"`
		NewSqliteClasses []string `json:"new_sqlite_classes"`
	}
	type wrangler struct {
		Name               string                     `json:"name"`
		Main               string                     `json:"main"`
		CompatibilityDate  string                     `json:"compatibility_date"`
		CompatibilityFlags []string                   `json:"compatibility_flags"`
		Vars               map[string]json.RawMessage `json:"vars,omitempty"`
		DurableObjects     *doTable                   `json:"durable_objects,omitempty"`
		Migrations         []migration                `json:"migrations,omitempty"`
		WorkerLoaders      []WorkerLoader             `json:"worker_loaders,omitempty"`
	}
	flags := w.CompatibilityFlags
	if flags == nil {
		flags = []string{}
	}
	out := wrangler{
		Name:               w.name(),
		Main:               filepath.ToSlash(w.Main),
		CompatibilityDate:  w.date(),
		CompatibilityFlags: flags,
		Vars:               w.Vars,
		WorkerLoaders:      w.WorkerLoaders,
	}
	if classes := w.classes(); len(classes) > 0 {
		out.DurableObjects = &doTable{}
		for _, d := range w.DurableObjects {
			out.DurableObjects.Bindings = append(out.DurableObjects.Bindings, doBinding{Name: d.Binding, ClassName: d.ClassName})
		}
		out.Migrations = []migration{{Tag: "v1", NewSqliteClasses: classes}}
	}
	return json.MarshalIndent(out, "", "  ")
}

// Prepare copies w's modules into dir and writes config.capnp (workerd) and
// wrangler.json (isola) beside them. It returns w with Dir set to dir.
func (w Worker) Prepare(dir string) (Worker, error) {
	capnp, err := w.WorkerdConfig()
	if err != nil {
		return w, err
	}
	wr, err := w.WranglerJSON()
	if err != nil {
		return w, err
	}
	for _, f := range w.files() {
		data, err := os.ReadFile(filepath.Join(w.Dir, f))
		if err != nil {
			return w, fmt.Errorf("harness: read module: %w", err)
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return w, fmt.Errorf("harness: prepare %s: %w", dir, err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return w, fmt.Errorf("harness: prepare %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(capnp), 0o644); err != nil {
		return w, fmt.Errorf("harness: prepare %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wrangler.json"), append(wr, '\n'), 0o644); err != nil {
		return w, fmt.Errorf("harness: prepare %s: %w", dir, err)
	}
	w.Dir = dir
	return w, nil
}

// capnpText quotes s as a Cap'n Proto text literal.
func capnpText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c) // UTF-8 passes through as is.
		}
	}
	b.WriteByte('"')
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Server is a running runtime process. Its methods are goroutine-safe.
type Server struct {
	// URL is the base URL it listens on, "http://127.0.0.1:PORT".
	URL string

	cmd  *exec.Cmd
	out  *logBuffer
	done chan struct{} // closed when the process has exited
	once sync.Once
	err  error // set before done closes
}

// Output returns the process's combined stdout and stderr so far (the last
// 64 KiB of it).
func (s *Server) Output() string { return s.out.String() }

// PID returns the process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Exited reports whether the process has exited.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Close stops the process by its PID: SIGTERM, then SIGKILL after a grace
// period. It waits for the process to exit and is safe to call twice.
func (s *Server) Close() error {
	s.once.Do(func() {
		if s.Exited() {
			return
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(stopGrace):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	return nil
}

func start(cmd *exec.Cmd, out *logBuffer) *Server {
	s := &Server{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s
}

// exitError describes how a server that should be running ended.
func (s *Server) exitError(what string) error {
	<-s.done
	return fmt.Errorf("harness: %s exited before listening (%v); output:\n%s", what, s.err, tail(s.Output(), 4000))
}

// FindWorkerd returns the path of the workerd binary installed by `npm ci`
// at the repo root, or of $WORKERD if set.
func FindWorkerd(root string) (string, error) {
	if p := os.Getenv("WORKERD"); p != "" {
		return p, nil
	}
	p := filepath.Join(root, "node_modules", ".bin", "workerd")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("harness: workerd not installed (run `npm ci` at the repo root): %w", err)
	}
	return p, nil
}

// Version runs `BIN --version` (workerd) or `BIN version` (isola) and
// returns the first line it prints.
func Version(ctx context.Context, bin string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "unknown (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// StartWorkerd serves w (prepared by Prepare) with workerd on a free port of
// 127.0.0.1 and returns once it listens. The port is read from workerd's
// control descriptor, so no port is ever guessed. A worker with Durable
// Objects runs with --experimental and its objects' databases in a new
// directory under w.Dir, so two servers of one worker never share state.
func StartWorkerd(ctx context.Context, bin string, w Worker, extraArgs ...string) (*Server, error) {
	args := []string{"serve", "config.capnp", "--control-fd", "3"}
	if len(w.DurableObjects) > 0 {
		data, err := os.MkdirTemp(w.Dir, "workerd-do-")
		if err != nil {
			return nil, fmt.Errorf("harness: durable object storage: %w", err)
		}
		abs, err := filepath.Abs(data)
		if err != nil {
			return nil, fmt.Errorf("harness: durable object storage: %w", err)
		}
		args = append(args, "--experimental", "--directory-path", doStorageService+"="+abs)
	} else if len(w.WorkerLoaders) > 0 {
		args = append(args, "--experimental")
	}
	args = append(args, extraArgs...)
	r, wr, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("harness: workerd control pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = w.Dir
	out := &logBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = []*os.File{wr}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		wr.Close()
		return nil, fmt.Errorf("harness: start workerd: %w", err)
	}
	wr.Close() // the child holds its copy: EOF on r means it exited
	s := start(cmd, out)

	type listen struct {
		Event, Socket string
		Port          int
	}
	got := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var ev listen
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "listen" && ev.Socket == "http" {
				got <- ev.Port
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		close(got)
	}()
	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	select {
	case port, ok := <-got:
		if !ok {
			return nil, s.exitError("workerd")
		}
		s.URL = "http://127.0.0.1:" + strconv.Itoa(port)
		return s, nil
	case <-timer.C:
		s.Close()
		return nil, fmt.Errorf("harness: workerd did not listen within %v; output:\n%s", StartTimeout, tail(s.Output(), 4000))
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("harness: start workerd: %w", ctx.Err())
	}
}

var urlLine = regexp.MustCompile(`https?://(127\.0\.0\.1|localhost|\[::1\]):[0-9]+`)

// StartIsola runs `isola dev DIR --port 0 --ip 127.0.0.1` (or the given
// subcommand and arguments in place of "dev") on w, prepared by Prepare, and
// returns once isola has printed the URL it listens on.
func StartIsola(ctx context.Context, bin string, w Worker, args ...string) (*Server, error) {
	if len(args) == 0 {
		args = []string{"dev", w.Dir, "--port", "0", "--ip", "127.0.0.1"}
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = w.Dir
	out := &logBuffer{}
	// An own pipe rather than cmd.StdoutPipe: the reader below may outlive
	// cmd.Wait, which closes the latter.
	stdout, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("harness: isola stdout: %w", err)
	}
	cmd.Stdout, cmd.Stderr = pw, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		pw.Close()
		stdout.Close()
		return nil, fmt.Errorf("harness: start isola: %w", err)
	}
	pw.Close() // the child holds its copy: EOF on stdout means it exited
	s := start(cmd, out)
	got := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		found := false
		for {
			line, err := br.ReadString('\n')
			out.Write([]byte(line))
			if !found {
				if u := urlLine.FindString(line); u != "" {
					found = true
					got <- u
				}
			}
			if err != nil {
				stdout.Close()
				if !found {
					close(got)
				}
				return
			}
		}
	}()
	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	select {
	case u, ok := <-got:
		if !ok {
			return nil, s.exitError("isola")
		}
		s.URL = u
		return s, nil
	case <-timer.C:
		s.Close()
		return nil, fmt.Errorf("harness: isola printed no URL within %v; output:\n%s", StartTimeout, tail(s.Output(), 4000))
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("harness: start isola: %w", ctx.Err())
	}
}

// BuildIsola runs `go build -o out ./cmd/isola` in the module root.
func BuildIsola(ctx context.Context, root, out string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", out, "./cmd/isola")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("harness: build isola: %w\n%s", err, b)
	}
	return nil
}

func goTool() string {
	if p := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); os.Getenv("GOROOT") != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// RepoRoot returns the module root: the first parent of the working
// directory that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("harness: repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// logBuffer keeps the last 64 KiB written to it. It is goroutine-safe.
type logBuffer struct {
	mu sync.Mutex // guards b
	b  []byte
}

const logMax = 64 << 10

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if len(l.b) > logMax {
		l.b = append(l.b[:0], l.b[len(l.b)-logMax:]...)
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// GitRevision returns the short commit of the repository at root, with
// "-dirty" if tracked files have changed, or "unknown".
func GitRevision(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += "-dirty"
	}
	return rev
}
