package sandbox

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// forbidden are the packages through which code could start a process or
// open a socket. No isola package that the sandbox (and so a sandbox child,
// which runs Main) depends on may import them; the sandbox reaches the
// world only through its Host.
var forbidden = []string{"os/exec", "net"}

// allowedImporters are the packages outside isola, among the sandbox's
// dependencies, known to import a forbidden package: the standard HTTP
// stack (net/http types are the fetch API's transport interface), the
// translated C library under QuickJS (its system()/popen()) and two
// libraries whose network halves the sandbox does not call. Seccomp denies
// execve and socket in a child in any case (harden_linux.go). A new entry
// needs a reason.
var allowedImporters = map[string]string{
	"modernc.org/libc":                       "libc's system() and popen(); QuickJS never calls them",
	"github.com/google/uuid":                 "reads a MAC address for version 1 UUIDs; crypto.randomUUID uses version 4",
	"github.com/coder/websocket":             "WebSocket client dialing; the sandbox's fetch() goes to its Host",
	"net/http":                               "standard library: the fetch transport interface",
	"net/http/httptrace":                     "standard library",
	"net/textproto":                          "standard library",
	"crypto/tls":                             "standard library",
	"crypto/x509":                            "standard library",
	"golang.org/x/net/http/httpguts":         "standard library (vendored)",
	"vendor/golang.org/x/net/http/httpguts":  "standard library (vendored)",
	"vendor/golang.org/x/net/http/httpproxy": "standard library (vendored)",
}

const module = "github.com/isola-run/isola/"

// TestDependencies is an architecture rule: the sandbox package and every
// isola package it depends on import neither os/exec nor net, and outside
// isola only the packages of allowedImporters do.
func TestDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, imports := fields[0], fields[1:]
		for _, imp := range imports {
			for _, f := range forbidden {
				if imp != f {
					continue
				}
				if strings.HasPrefix(pkg, module) {
					bad = append(bad, pkg+" imports "+f+" (isola code the sandbox depends on must not)")
				} else if _, ok := allowedImporters[pkg]; !ok {
					bad = append(bad, pkg+" imports "+f+" (not in allowedImporters)")
				}
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}
