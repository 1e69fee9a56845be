package loader

import (
	"testing"
)

const basicParent = `
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const id = url.searchParams.get("id") || "w";
    const src = url.searchParams.get("src") || "export default { fetch(r) { return new Response('hello from ' + new URL(r.url).pathname) } }";
    let calls = 0;
    const stub = env.LOADER.get(id, async () => { calls++; return { compatibilityDate: "2025-09-01", mainModule: "index.js", modules: { "index.js": src }, globalOutbound: null }; });
    try {
      const r = await stub.getEntrypoint().fetch("http://dyn" + url.pathname);
      return new Response(await r.text() + " calls=" + calls, { status: r.status });
    } catch (e) {
      return new Response("threw " + e.name + ": " + e.message, { status: 500 });
    }
  },
};
`

func TestGetFetch(t *testing.T) {
	p := newParent(t, basicParent, Options{})
	got := p.mustGet(t, "/a?id=one")
	if got != "hello from /a calls=1" {
		t.Fatalf("first get = %q", got)
	}
	got = p.mustGet(t, "/b?id=one")
	if got != "hello from /b calls=0" {
		t.Fatalf("cached get = %q; want the callback not to run", got)
	}
}
