// Benchmark worker: Durable Objects (after the workerd anchor in
// /work/shared/reference/workerd/main.js). GET /do?name=N sends the request
// to object N, which does one SQL write (an upsert) and answers the new
// count; GET /rpc?name=N calls a method of object N that answers a constant.
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  }
  incr() {
    return this.ctx.storage.sql.exec(
      "INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET n = n + 1 RETURNING n",
    ).one().n;
  }
  ping() {
    return "pong";
  }
  fetch() {
    return new Response(String(this.incr()));
  }
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const name = url.searchParams.get("name") || "x";
    switch (url.pathname) {
      case "/do":
        return env.COUNTER.getByName(name).fetch(req);
      case "/rpc":
        return new Response(await env.COUNTER.getByName(name).ping());
    }
    return new Response("not found", { status: 404 });
  },
};
