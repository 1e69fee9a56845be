package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// doBenchProject is bench/workers/do-counter.js (after the workerd anchor):
// GET /do?name=N does one SQL upsert in object N and answers the count;
// GET /rpc?name=N makes one RPC call to object N, which answers a constant.
var doBenchProject = map[string]string{
	"wrangler.json": `{
  "name": "bench", "main": "index.js", "compatibility_date": "2025-09-01",
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
}`,
	"index.js": `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  }
  incr() {
    return this.ctx.storage.sql.exec(
      "INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET n = n + 1 RETURNING n").one().n;
  }
  ping() { return "pong"; }
  fetch() { return new Response(String(this.incr())); }
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const name = url.searchParams.get("name") || "x";
    if (url.pathname === "/rpc") return new Response(await env.COUNTER.getByName(name).ping());
    return env.COUNTER.getByName(name).fetch(req);
  },
};`,
}

// BenchmarkDurableObject measures the in-process cost of one request that
// reaches a Durable Object: the server's handler is called directly (no
// TCP), with request logging off. Each op is one HTTP request; "write" ops
// commit (and fsync) one SQL write before they answer.
func BenchmarkDurableObject(b *testing.B) {
	dir := writeProject(b, doBenchProject)
	ts := startServer(b, dir, func(o *Options) { o.Logger = slog.New(slog.DiscardHandler) })
	do := func(path string) error {
		req := httptest.NewRequest(http.MethodGet, "http://bench.test"+path, nil)
		rec := httptest.NewRecorder()
		ts.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET %s = %d %q", path, rec.Code, rec.Body)
		}
		return nil
	}
	serve := func(b *testing.B, path string) {
		b.Helper()
		if err := do(path); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("write/one-object", func(b *testing.B) {
		for b.Loop() {
			serve(b, "/do?name=one")
		}
	})
	b.Run("write/1000-objects", func(b *testing.B) {
		paths := make([]string, 1000)
		for i := range paths {
			paths[i] = "/do?name=o" + strconv.Itoa(i)
			serve(b, paths[i]) // create the objects outside the timing
		}
		i := 0
		for b.Loop() {
			serve(b, paths[i%len(paths)])
			i++
		}
	})
	b.Run("write/one-object-parallel", func(b *testing.B) {
		b.SetParallelism(16) // 16 x GOMAXPROCS requests in flight, as under load
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := do("/do?name=shared"); err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
			}
		})
	})
	b.Run("rpc", func(b *testing.B) {
		for b.Loop() {
			serve(b, "/rpc?name=one")
		}
	})
}
