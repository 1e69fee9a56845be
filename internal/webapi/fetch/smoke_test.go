package fetch_test

import "testing"

func TestSmoke(t *testing.T) {
	rt := newRuntime(t)
	t.Log(eval(t, rt, `(async () => { const r = new Response("hi"); return [await r.text(), r.headers.get("content-type"), typeof ReadableStream, typeof fetch] })()`))
}
