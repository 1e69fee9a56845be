package bundle

import "testing"

func BenchmarkBundle(b *testing.B) {
	dir := writeProject(b, map[string]string{
		"src/index.ts":      twoFileProject["src/index.ts"],
		"src/lib/helper.ts": twoFileProject["src/lib/helper.ts"],
		"src/page.html":     "<h1>hello</h1>",
		"src/data.bin":      "\x00\x01\x02",
		"src/worker.ts": `import { DurableObject } from "cloudflare:workers";
import page from "./page.html";
import data from "./data.bin";
export { default } from "./index";
export class Room extends DurableObject { page = page; size = data.byteLength; }
`,
	})
	virtual := map[string]string{"cloudflare:workers": workersStub}
	mods := map[string]Module{
		"index.js":    {Source: `import { h } from "./lib/h.js"; import t from "./t.txt"; export default { fetch() { return new Response(h() + t); } };`},
		"lib/h.js":    {Source: `export const h = () => "hello ";`},
		"t.txt":       {Type: Text, Source: "world"},
		"config.json": {Type: JSON, Source: `{"a": 1}`},
	}
	b.Run("Build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Build(Options{Dir: dir, Entry: "src/worker.ts", Virtual: virtual}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BuildMinify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Build(Options{Dir: dir, Entry: "src/worker.ts", Virtual: virtual, Minify: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BuildModules", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := BuildModules(mods, "index.js", virtual); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RewriteStack", func(b *testing.B) {
		bun := mustBuild(b, Options{Dir: dir, Entry: "src/worker.ts", Virtual: virtual})
		stack := "Error: x\n    at helper (worker.js:40:12)\n    at fetch (worker.js:50:5)\n    at <anonymous> (other.js:1:1)"
		bun.RewriteStack(stack, "worker.js") // decode the map outside the loop
		b.ReportAllocs()
		for b.Loop() {
			bun.RewriteStack(stack, "worker.js")
		}
	})
}
