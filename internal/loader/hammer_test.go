package loader

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// hammerParent loads ids through get() (with a callback) or load(), and
// calls each worker once; the dynamic worker answers with its id, so a
// mix-up between cached workers shows.
const hammerParent = `
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const id = url.searchParams.get("id");
    const code = { mainModule: "index.js", globalOutbound: null, modules: { "index.js": "export default { fetch() { return new Response(" + JSON.stringify(id) + ") } }" } };
    const stub = url.searchParams.has("anon") ? env.LOADER.load(code) : env.LOADER.get(id, () => code);
    const r = await stub.getEntrypoint().fetch("http://dyn/");
    return new Response(await r.text());
  },
};
`

// TestLoaderCache_hammer drives one loader from many goroutines with more
// ids than its cache holds (loads, hits, evictions while calls are in
// flight, anonymous loads, Cached and Release), then closes it. Run with
// -race.
func TestLoaderCache_hammer(t *testing.T) {
	const cache = 4
	p := newParent(t, hammerParent, Options{CacheSize: cache})
	workers, rounds := 8, 16
	if testing.Short() {
		rounds = 6
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				id := fmt.Sprintf("id-%d", (g*7+i)%(3*cache))
				path := "/?id=" + id
				if i%5 == 4 {
					path += "&anon"
				}
				st, body := p.get(t, path)
				if st != 200 || body != id {
					errs <- fmt.Errorf("GET %s = %d %q; want 200 %q", path, st, body, id)
				}
				switch i % 3 {
				case 0:
					p.l.Cached(id)
				case 1:
					p.l.Release(anonPrefix + fmt.Sprint(i)) // may or may not exist
				}
				if n := p.l.Len(); n > cache+workers {
					errs <- fmt.Errorf("cache holds %d workers; want at most %d (+ %d in flight)", n, cache, workers)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	var msgs []string
	for err := range errs {
		msgs = append(msgs, err.Error())
	}
	if len(msgs) > 0 {
		t.Fatalf("%d failures, first: %s", len(msgs), strings.Join(msgs[:min(3, len(msgs))], "; "))
	}
	p.l.trim()
	if n := p.l.Len(); n > cache {
		t.Errorf("after the storm the cache holds %d workers; want <= %d", n, cache)
	}
	p.l.Close()
	if n := p.l.Len(); n != 0 {
		t.Errorf("after Close the cache holds %d workers; want 0", n)
	}
}
