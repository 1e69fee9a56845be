// Package sandbox runs one Dynamic Worker: a fresh engine runtime holding
// the worker's bundled code and nothing else. It owns the runtime's
// capability surface (which host functions exist, where fetch() goes, the
// frozen clock, the subrequest count) and, for the process isolation mode,
// the child side of the pipe protocol and the OS hardening of the child
// (Main). Everything the worker may reach outside itself goes through the
// Host it is given; the sandbox holds no authority of its own.
//
// It must not import os/exec or net (a test checks): a sandbox never
// starts processes or opens sockets itself. The parent side (the cache,
// capability tables, the process pool) lives in package loader.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/isola-run/isola/internal/engine"
)

// Outbound says where the global fetch() of a dynamic worker goes.
type Outbound int

const (
	// OutboundNone is `globalOutbound: null`: fetch() throws workerd's
	// "not permitted to access the internet" error.
	OutboundNone Outbound = iota
	// OutboundInherit is an omitted globalOutbound: requests go to
	// Host.Fetch, which uses the parent's network.
	OutboundInherit
	// OutboundGrant sends every request to the capability
	// Config.OutboundGrant (a Fetcher of the parent).
	OutboundGrant
)

// Config describes a dynamic worker to start. The zero value of each
// optional field is valid.
type Config struct {
	// Name labels the worker in errors and logs.
	Name string
	// Script is the bundled worker (an IIFE assigning __isola_entry).
	Script string
	// Modules, if set, replaces Script: ES modules by name, run natively
	// without a bundler, MainModule first. A start reports ErrNotNative
	// (and nothing ran) if they do not compile or import a module that is
	// not among them; the caller then bundles them into a Script.
	Modules    map[string]string `json:"-"`
	MainModule string            `json:"-"`
	// Env is the worker's env object, structured-cloned (js/src/clone.js
	// format); its external references index EnvGrants. Empty means {}.
	Env []byte
	// EnvGrants are the capability grants the env's stubs refer to.
	EnvGrants []int64
	// Outbound selects where fetch() goes; OutboundGrant uses
	// OutboundGrantID.
	Outbound      Outbound
	OutboundGrant int64
	// MemoryLimit caps the JS heap; default 128 MiB.
	MemoryLimit int64
	// CPULimit caps the JS time of one call; default 30 s.
	CPULimit time.Duration
}

// Defaults.
const (
	DefaultMemoryLimit = 128 << 20
	DefaultCPULimit    = 30 * time.Second
	// ScriptName is the file name the bundle runs under; stacks name it
	// until the parent maps them to module names.
	ScriptName = "worker.js"
)

// Limits bound one call into a dynamic worker. Zero means "no limit of
// this kind beyond the sandbox's own".
type Limits struct {
	CPU         time.Duration `json:"cpu,omitempty"`
	SubRequests int           `json:"subRequests,omitempty"`
}

// Request is an HTTP request crossing into or out of a sandbox, buffered.
type Request struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers,omitempty"`
	Body    []byte      `json:"body,omitempty"`
	// HasBody distinguishes an empty body from none.
	HasBody bool `json:"hasBody,omitempty"`
}

// Response is an HTTP response crossing a sandbox boundary, buffered.
type Response struct {
	Status     int         `json:"status"`
	StatusText string      `json:"statusText,omitempty"`
	Headers    [][2]string `json:"headers,omitempty"`
	Body       []byte      `json:"body,omitempty"`
	HasBody    bool        `json:"hasBody,omitempty"`
}

// Value is a structured-clone payload with the capability references it
// carries: the bytes' external value n is Grants[n].
type Value struct {
	Bytes  []byte  `json:"bytes"`
	Grants []int64 `json:"grants,omitempty"`
}

// Host is what a sandbox may ask of the world outside it. Every method is
// called from goroutines of the sandbox and must be goroutine-safe.
// Errors that should reach the worker's JS as a given class are
// *engine.JSError (or *RemoteError).
type Host interface {
	// Fetch performs an outbound request for OutboundInherit.
	Fetch(ctx context.Context, req *Request) (*Response, error)
	// CapFetch calls fetch() on the capability grant.
	CapFetch(ctx context.Context, grant int64, req *Request) (*Response, error)
	// CapCall calls method ("" to call the capability itself) on grant.
	CapCall(ctx context.Context, grant int64, method string, args Value) (Value, error)
	// Log receives the worker's console output.
	Log(level, msg string)
}

// RemoteError is an exception thrown by the dynamic worker's code,
// delivered to the caller with its name, message and stack.
type RemoteError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

func (e *RemoteError) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

// StartError is a failure to start a worker: its top level threw or its
// code could not be evaluated. Message is workerd's text after "Failed to
// start Worker:\n".
type StartError struct {
	Name, Message, Stack string
}

func (e *StartError) Error() string { return "Uncaught " + e.Name + ": " + e.Message }

// LimitError reports a call stopped on a limit. It matches
// context.DeadlineExceeded for time limits (errors.Is).
type LimitError struct {
	// Kind is "cpu", "memory", "wall", "subrequests" or "process".
	Kind string
	// Message is what the caller's JS sees.
	Message string
}

func (e *LimitError) Error() string { return "sandbox: " + e.Message }

// Is makes time-limit kills match context.DeadlineExceeded.
func (e *LimitError) Is(target error) bool {
	return target == context.DeadlineExceeded && (e.Kind == "cpu" || e.Kind == "wall")
}

// Limit errors, with workerd's messages where it has one.
var (
	ErrCPU         = &LimitError{Kind: "cpu", Message: "Worker exceeded CPU time limit."}
	ErrMemory      = &LimitError{Kind: "memory", Message: "Worker exceeded memory limit."}
	ErrWall        = &LimitError{Kind: "wall", Message: "Worker exceeded its wall-clock time limit."}
	ErrSubRequests = &LimitError{Kind: "subrequests", Message: "Too many subrequests."}
	ErrProcess     = &LimitError{Kind: "process", Message: "Worker's sandbox process died (a resource limit was hit or it crashed)."}
)

// ErrNotNative: Config.Modules cannot run without a bundler.
var ErrNotNative = engine.ErrNotNative

// ErrClosed is returned by calls on a closed sandbox.
var ErrClosed = errors.New("sandbox: closed")

// NoInternetMessage is workerd's error for fetch() with globalOutbound null.
const NoInternetMessage = "This worker is not permitted to access the internet via global functions like fetch(). It must use capabilities (such as bindings in 'env') to talk to the outside world."

// describe renders err for logs.
func describe(err error) string {
	var re *RemoteError
	if errors.As(err, &re) && re.Stack != "" {
		return re.Error() + "\n" + strings.TrimRight(re.Stack, "\n")
	}
	return fmt.Sprint(err)
}
