package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// DevHandler is the slog.Handler of `isola dev`: one human line per record,
// prefixed by the worker's name, e.g. "[hello] GET / 200 (1ms)".
type DevHandler struct {
	mu    *sync.Mutex // guards w
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
}

// NewDevHandler returns a DevHandler writing to w records at or above level.
func NewDevHandler(w io.Writer, level slog.Level) *DevHandler {
	return &DevHandler{mu: &sync.Mutex{}, w: w, level: level}
}

func (h *DevHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *DevHandler) Handle(_ context.Context, r slog.Record) error {
	var worker string
	var extra []string
	visit := func(a slog.Attr) bool {
		switch a.Key {
		case "worker":
			worker = a.Value.String()
		case "source", "method", "path", "status", "ms":
		default:
			extra = append(extra, fmt.Sprintf("%s=%v", a.Key, a.Value))
		}
		return true
	}
	for _, a := range h.attrs {
		visit(a)
	}
	r.Attrs(visit)
	var b strings.Builder
	if worker != "" {
		b.WriteString("[" + worker + "] ")
	}
	if r.Level >= slog.LevelError {
		b.WriteString("error: ")
	} else if r.Level >= slog.LevelWarn {
		b.WriteString("warning: ")
	}
	b.WriteString(r.Message)
	for _, e := range extra {
		b.WriteString(" " + e)
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *DevHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

func (h *DevHandler) WithGroup(string) slog.Handler { return h }
