package agents

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMCPInspectorCLI drives the McpAgent of test/agents/app with the MCP
// inspector's own CLI (test/mcp-inspector, installed by the root
// package.json's postinstall): list the tools, call one.
func TestMCPInspectorCLI(t *testing.T) {
	needNode(t)
	root := repoRoot(t)
	bin := filepath.Join(root, "test/mcp-inspector/node_modules/.bin/mcp-inspector")
	if _, err := os.Stat(bin); err != nil {
		t.Skip("MCP inspector not installed (npm ci at the repo root installs it)")
	}
	llm := startLLM(t)
	url := serve(t, filepath.Join(root, "test/agents/app"), map[string]string{"LLM_URL": llm.URL}, nil)
	run := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		all := append([]string{"--cli", url + "/mcp", "--transport", "http"}, args...)
		out, err := exec.CommandContext(ctx, bin, all...).CombinedOutput()
		if err != nil {
			t.Fatalf("mcp-inspector %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	var list struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	if out := run("--method", "tools/list"); json.Unmarshal(out, &list) != nil || len(list.Tools) == 0 {
		t.Fatalf("tools/list printed %s", out)
	}
	names := []string{}
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "add") {
		t.Errorf("tools/list = %v; want add among them", names)
	}
	var call struct {
		Content []struct{ Type, Text string } `json:"content"`
	}
	out := run("--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=2", "--tool-arg", "b=40")
	if json.Unmarshal(out, &call) != nil || len(call.Content) != 1 || call.Content[0].Text != "42" {
		t.Errorf("tools/call add(2, 40) printed %s; want text 42", out)
	}
}
