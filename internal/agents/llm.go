package agents

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LLM is a scripted OpenAI-compatible chat completions endpoint
// (POST /v1/chat/completions, streaming or not) for tests and benchmarks.
// Its reply is chosen by the last user message:
//
//   - "slow N ..."  streams Words words with N ms between them;
//   - "fail ..."    streams half the words, then drops the connection, the
//     first time this prompt is seen; later requests with it succeed;
//   - "tool NAME {json}" answers with a call of tool NAME with those
//     arguments (finish_reason "tool_calls");
//   - after a tool result (a "tool" message last), "tool said: " and the
//     result's text;
//   - anything else streams "echo: " and the message, word by word.
//
// It is goroutine-safe.
type LLM struct {
	// URL is the base URL to give an OpenAI-compatible provider
	// ("http://127.0.0.1:PORT/v1").
	URL string

	srv *http.Server
	ln  net.Listener

	mu       sync.Mutex // guards following
	requests int
	failed   map[string]bool // "fail" prompts that already failed once
	auth     string          // Authorization header of the last request
	model    string          // model of the last request
}

// Last returns the Authorization header and the model of the last request.
func (l *LLM) Last() (auth, model string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.auth, l.model
}

// StartLLM serves a scripted endpoint on 127.0.0.1:0 until Close.
func StartLLM() (*LLM, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("agents: llm listen: %w", err)
	}
	l := &LLM{URL: "http://" + ln.Addr().String() + "/v1", ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", l.completions)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go l.srv.Serve(ln)
	return l, nil
}

// Close stops the server and drops open streams.
func (l *LLM) Close() error { return l.srv.Close() }

// Requests is the number of completions requests served.
func (l *LLM) Requests() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.requests
}

type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

// text returns a message's content as text: a string, or the text parts of
// an array of parts.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return ""
}

// Script is the reply to prompt: its words (each sent as one delta, the
// first without a leading space), the delay between them and whether the
// stream breaks halfway.
func Script(prompt string) (words []string, delay time.Duration, fail bool) {
	f := strings.Fields(prompt)
	if len(f) >= 2 && f[0] == "slow" {
		if ms, err := strconv.Atoi(f[1]); err == nil {
			delay = time.Duration(ms) * time.Millisecond
			f = f[2:]
		}
	}
	if len(f) >= 1 && f[0] == "fail" {
		fail = true
	}
	words = append([]string{"echo:"}, f...)
	for i := 1; i < len(words); i++ {
		words[i] = " " + words[i]
	}
	return words, delay, fail
}

// toolCall parses "tool NAME {json}".
func toolCall(prompt string) (name, args string, ok bool) {
	rest, ok := strings.CutPrefix(prompt, "tool ")
	if !ok {
		return "", "", false
	}
	name, args, _ = strings.Cut(rest, " ")
	if args == "" {
		args = "{}"
	}
	return name, args, json.Valid([]byte(args))
}

// streamToolCall answers with one call of tool name.
func (l *LLM) streamToolCall(w http.ResponseWriter, model, name, args string) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	send := func(delta map[string]any, finish any) {
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-isola", "object": "chat.completion.chunk", "created": 0, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	send(map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
		"index": 0, "id": "call_" + name, "type": "function", "function": map[string]any{"name": name, "arguments": args}}}}, nil)
	send(map[string]any{}, "tool_calls")
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

func (l *LLM) completions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	l.requests++
	l.auth, l.model = r.Header.Get("Authorization"), req.Model
	l.mu.Unlock()
	prompt := ""
	for _, m := range req.Messages {
		if m.Role == "user" {
			prompt = text(m.Content)
		}
	}
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "tool" {
		prompt = "tool said: " + text(req.Messages[n-1].Content)
	} else if name, args, ok := toolCall(prompt); ok && req.Stream {
		l.streamToolCall(w, req.Model, name, args)
		return
	}
	words, delay, fail := Script(prompt)
	if fail {
		l.mu.Lock()
		if l.failed == nil {
			l.failed = map[string]bool{}
		}
		fail = !l.failed[prompt]
		l.failed[prompt] = true
		l.mu.Unlock()
	}
	id := "chatcmpl-isola"
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": 0, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": strings.Join(words, "")}}},
			"usage": map[string]any{"prompt_tokens": 1, "completion_tokens": len(words), "total_tokens": 1 + len(words)},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": 0, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, word := range words {
		if fail && i == len(words)/2 {
			// Break the stream: hijack and close without the terminator.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
			return
		}
		if delay > 0 && i > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		send(chunk(map[string]any{"content": word}, nil))
	}
	send(chunk(map[string]any{}, "stop"))
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}
