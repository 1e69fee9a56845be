package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// The pipe protocol between the parent (package loader) and a sandbox
// child process: each frame is a 4-byte big-endian length and a JSON
// Msg. Requests carry an ID; the answer is a Msg with Reply set and the
// same ID. Either side may send requests: the parent "start", "fetch",
// "rpc"; the child "outbound", "capFetch", "capCall" and "log" (no reply).

// MaxFrame caps one frame; a larger one is a protocol error.
const MaxFrame = 3*MaxBody + 1<<20

// Msg is one frame.
type Msg struct {
	ID    uint64     `json:"id,omitempty"`
	Op    string     `json:"op,omitempty"`
	Reply bool       `json:"reply,omitempty"`
	Err   *WireError `json:"err,omitempty"`

	Config  *Config           `json:"config,omitempty"`
	Exports map[string]string `json:"exports,omitempty"`
	Entry   string            `json:"entry,omitempty"`
	Props   any               `json:"props,omitempty"`
	Limits  Limits            `json:"limits,omitzero"`
	Method  string            `json:"method,omitempty"`
	Value   *Value            `json:"value,omitempty"`
	Req     *Request          `json:"req,omitempty"`
	Resp    *Response         `json:"resp,omitempty"`
	Grant   int64             `json:"grant,omitempty"`
	Level   string            `json:"level,omitempty"`
	Text    string            `json:"text,omitempty"`
	Broken  bool              `json:"broken,omitempty"`
}

// WireError is an error crossing the pipe, keeping its kind.
type WireError struct {
	// Kind is "remote" (RemoteError), "start" (StartError), "limit"
	// (LimitError, Name is its Kind), "js" (engine.JSError) or "" (other).
	Kind    string `json:"kind,omitempty"`
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

// WriteFrame writes m as one frame.
func WriteFrame(w io.Writer, m *Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("sandbox: encode frame: %w", err)
	}
	if len(b) > MaxFrame {
		return fmt.Errorf("sandbox: frame of %d bytes over the limit", len(b))
	}
	buf := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(buf, uint32(len(b)))
	copy(buf[4:], b)
	_, err = w.Write(buf)
	return err
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (*Msg, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrame {
		return nil, fmt.Errorf("sandbox: frame of %d bytes over the limit", n)
	}
	// Grown as bytes arrive: a length that lies costs no allocation up front.
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, err
	}
	if len(b) < int(n) {
		return nil, io.ErrUnexpectedEOF
	}
	m := &Msg{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("sandbox: bad frame: %w", err)
	}
	return m, nil
}

// ToWire encodes err for the pipe.
func ToWire(err error) *WireError {
	if err == nil {
		return nil
	}
	switch e := err.(type) {
	case *RemoteError:
		return &WireError{Kind: "remote", Name: e.Name, Message: e.Message, Stack: e.Stack}
	case *StartError:
		return &WireError{Kind: "start", Name: e.Name, Message: e.Message, Stack: e.Stack}
	case *LimitError:
		return &WireError{Kind: "limit", Name: e.Kind, Message: e.Message}
	}
	if je := asJSError(err); je != nil {
		return &WireError{Kind: "js", Name: je.Name, Message: je.Message}
	}
	return &WireError{Message: err.Error()}
}

// FromWire decodes an error from the pipe.
func FromWire(w *WireError) error {
	if w == nil {
		return nil
	}
	switch w.Kind {
	case "remote":
		return &RemoteError{Name: w.Name, Message: w.Message, Stack: w.Stack}
	case "start":
		return &StartError{Name: w.Name, Message: w.Message, Stack: w.Stack}
	case "limit":
		for _, e := range []*LimitError{ErrCPU, ErrMemory, ErrWall, ErrSubRequests, ErrProcess} {
			if e.Kind == w.Name {
				return e
			}
		}
		return &LimitError{Kind: w.Name, Message: w.Message}
	case "js":
		return jsErr(w.Name, w.Message)
	}
	return fmt.Errorf("sandbox: %s", w.Message)
}
