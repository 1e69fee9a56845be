package sandbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"
)

// wireSamples are frames of every kind the pipe carries.
var wireSamples = []*Msg{
	{ID: 1, Op: "start", Config: &Config{Name: "w", Script: "var __isola_entry = {};", Env: []byte{0x49, 1, 'z'}, EnvGrants: []int64{1, 2}, Outbound: OutboundGrant, OutboundGrant: 3, MemoryLimit: 1 << 20, CPULimit: time.Second}},
	{ID: 1, Reply: true, Exports: map[string]string{"default": "object", "Named": "entrypoint"}},
	{ID: 2, Op: "fetch", Entry: "Named", Props: map[string]any{"user": "u"}, Limits: Limits{CPU: 50 * time.Millisecond, SubRequests: 3}, Req: &Request{Method: "POST", URL: "http://x/", Headers: [][2]string{{"a", "b"}}, Body: []byte("hi"), HasBody: true}},
	{ID: 2, Reply: true, Resp: &Response{Status: 200, StatusText: "OK", Body: []byte{0, 255}, HasBody: true}, Broken: true},
	{ID: 3, Op: "rpc", Method: "echo", Value: &Value{Bytes: []byte{0x49, 1, 'T'}, Grants: []int64{7}}},
	{ID: 3, Reply: true, Err: &WireError{Kind: "remote", Name: "TypeError", Message: "boom", Stack: "at x"}},
	{ID: 4, Op: "capCall", Grant: 9, Method: "", Value: &Value{}},
	{ID: 4, Reply: true, Err: &WireError{Kind: "limit", Name: "cpu", Message: ErrCPU.Message}},
	{Op: "log", Level: "warn", Text: "héllo\n"},
}

func frame(tb testing.TB, m *Msg) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := WriteFrame(&b, m); err != nil {
		tb.Fatalf("WriteFrame(%+v): %v", m, err)
	}
	return b.Bytes()
}

func TestFrameRoundTrip(t *testing.T) {
	for i, m := range wireSamples {
		t.Run(fmt.Sprintf("%d-%s-reply=%v", i, m.Op, m.Reply), func(t *testing.T) {
			got, err := ReadFrame(bytes.NewReader(frame(t, m)))
			if err != nil {
				t.Fatalf("ReadFrame: %v", err)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(m)
			if !bytes.Equal(gj, wj) {
				t.Errorf("ReadFrame(WriteFrame(m)) = %s; want %s", gj, wj)
			}
		})
	}
}

func TestFrameErrors(t *testing.T) {
	huge := binary.BigEndian.AppendUint32(nil, MaxFrame+1)
	lying := binary.BigEndian.AppendUint32(nil, MaxFrame) // promises 97 MiB, sends 2 bytes
	tests := []struct {
		name string
		in   []byte
		want error // nil: any error
	}{
		{"empty", nil, io.EOF},
		{"short header", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"over the limit", huge, nil},
		{"short body", append(lying, '{', '}'), io.ErrUnexpectedEOF},
		{"not JSON", append(binary.BigEndian.AppendUint32(nil, 3), "abc"...), nil},
		{"wrong JSON type", append(binary.BigEndian.AppendUint32(nil, 2), "[]"...), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadFrame(bytes.NewReader(tt.in))
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("ReadFrame(%q) = %+v, %v; want error %v", tt.in, m, err, tt.want)
			}
		})
	}
}

func TestWireErrorRoundTrip(t *testing.T) {
	for _, err := range []error{
		&RemoteError{Name: "TypeError", Message: "m", Stack: "s"},
		&StartError{Name: "SyntaxError", Message: "m"},
		ErrCPU, ErrMemory, ErrWall, ErrSubRequests, ErrProcess,
		jsErr("DataCloneError", "x"),
	} {
		got := FromWire(ToWire(err))
		if !reflect.DeepEqual(got, err) {
			t.Errorf("FromWire(ToWire(%#v)) = %#v", err, got)
		}
	}
}

// FuzzFrameReader feeds arbitrary bytes to ReadFrame, as a compromised
// sandbox child could write them to its parent: it must return frames or an
// error, never panic, and every frame it returns must survive a round trip.
func FuzzFrameReader(f *testing.F) {
	for _, m := range wireSamples {
		f.Add(frame(f, m))
	}
	var two bytes.Buffer
	_ = WriteFrame(&two, wireSamples[0])
	_ = WriteFrame(&two, wireSamples[2])
	f.Add(two.Bytes())
	f.Add([]byte{0, 0, 0, 2, '{', '}'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for i := 0; i < 100; i++ {
			m, err := ReadFrame(r)
			if err != nil {
				return
			}
			var b bytes.Buffer
			if err := WriteFrame(&b, m); err != nil {
				t.Fatalf("WriteFrame of a frame ReadFrame accepted: %v", err)
			}
			again, err := ReadFrame(&b)
			if err != nil {
				t.Fatalf("ReadFrame of a re-written frame: %v", err)
			}
			j1, _ := json.Marshal(m)
			j2, _ := json.Marshal(again)
			if !bytes.Equal(j1, j2) {
				t.Fatalf("round trip changed the frame:\n%s\n%s", j1, j2)
			}
		}
	})
}
