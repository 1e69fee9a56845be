package js

import _ "embed"

//go:embed modules/cloudflare-workers.js
var cloudflareWorkers string

// Modules are the virtual modules user code may import, by specifier.
var Modules = map[string]string{
	"cloudflare:workers": cloudflareWorkers,
}
