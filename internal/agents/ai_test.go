package agents

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

const aiWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const prompt = url.searchParams.get("q") ?? "hello there";
    try {
      if (url.pathname === "/stream") {
        const stream = await env.AI.run("@cf/meta/llama-3.1-8b-instruct", { messages: [{ role: "user", content: prompt }], stream: true });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      return Response.json(await env.AI.run("@cf/meta/llama-3.1-8b-instruct", { prompt }));
    } catch (e) {
      return new Response(String(e.message), { status: 500 });
    }
  },
};
`

// aiProject writes a worker with an "ai" binding whose table has the given
// extra members.
func aiProject(t *testing.T, aiTable string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "worker.js", aiWorker)
	writeFile(t, dir, ".dev.vars", "LLM_KEY=sekret\n")
	writeFile(t, dir, "wrangler.jsonc", fmt.Sprintf(`{
  "name": "ai-test",
  "main": "worker.js",
  "compatibility_date": "2026-01-01",
  "ai": { "binding": "AI"%s }
}`, aiTable))
	return dir
}

func TestAIBinding(t *testing.T) {
	llm := startLLM(t)
	url := serve(t, aiProject(t, fmt.Sprintf(`, "base_url": %q, "api_key_var": "LLM_KEY", "model": "local-model"`, llm.URL)), nil, nil)

	t.Run("run", func(t *testing.T) {
		status, body := httpGet(t, url+"/?q=one+two")
		if status != 200 {
			t.Fatalf("GET / = %d %s", status, body)
		}
		var got struct {
			Response string `json:"response"`
			Usage    struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("response %q: %v", body, err)
		}
		if got.Response != "echo: one two" || got.Usage.TotalTokens == 0 {
			t.Errorf("AI.run = %+v; want response %q and usage", got, "echo: one two")
		}
		auth, model := llm.Last()
		if auth != "Bearer sekret" || model != "local-model" {
			t.Errorf("endpoint saw Authorization %q, model %q; want %q, %q", auth, model, "Bearer sekret", "local-model")
		}
	})

	t.Run("stream", func(t *testing.T) {
		resp, err := http.Get(url + "/stream?q=a+b+c")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var text strings.Builder
		sawDone := false
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			if data == "[DONE]" {
				sawDone = true
				continue
			}
			var ev struct{ Response string }
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("event %q: %v", data, err)
			}
			text.WriteString(ev.Response)
		}
		if text.String() != "echo: a b c" || !sawDone {
			t.Errorf("streamed %q (done %v); want %q and [DONE]", text.String(), sawDone, "echo: a b c")
		}
	})
}

func TestAIBindingBadEndpoint(t *testing.T) {
	llm := startLLM(t)
	tests := []struct {
		name, table, want string
	}{
		{"no base_url", ``, "no ai.base_url"},
		{"endpoint refuses", `, "base_url": "` + llm.URL + `/nowhere"`, "404"},
		{"endpoint down", `, "base_url": "http://127.0.0.1:9/v1"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t, aiProject(t, tt.table), nil, nil)
			status, body := httpGet(t, url+"/")
			if status != 500 || !strings.Contains(body, tt.want) {
				t.Errorf("GET / = %d %q; want 500 containing %q", status, body, tt.want)
			}
		})
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
