package js

import (
	"embed"
	"strings"
)

// agentShims are the modules the real `agents` npm package imports beyond
// cloudflare:workers: node built-ins it needs from nodejs_compat and
// cloudflare:email. Each file agents/node/NAME.js is registered under the
// specifier in agentShimNames.
//
//go:embed agents/node/*.js
var agentShims embed.FS

var agentShimNames = map[string][]string{
	"async_hooks.js":         {"node:async_hooks", "async_hooks"},
	"diagnostics_channel.js": {"node:diagnostics_channel", "diagnostics_channel"},
	"buffer.js":              {"node:buffer", "buffer"},
	"crypto.js":              {"node:crypto", "crypto"},
	"email.js":               {"cloudflare:email"},
	"os.js":                  {"node:os", "os"},
	"path.js":                {"node:path", "path"},
}

func init() {
	for file, names := range agentShimNames {
		src, err := agentShims.ReadFile("agents/node/" + file)
		if err != nil {
			panic("js: " + err.Error())
		}
		for _, n := range names {
			if _, taken := Modules[n]; !taken {
				Modules[n] = strings.Clone(string(src))
			}
		}
	}
}
