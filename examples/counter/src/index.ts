import { DurableObject } from "cloudflare:workers";

interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
}

export class Counter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)");
  }

  // Callable over RPC: env.COUNTER.getByName(name).hit()
  hit(): number {
    this.ctx.storage.sql.exec("INSERT INTO hits (at) VALUES (?)", Date.now());
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM hits").one().n as number;
  }

  async reset(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM hits");
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const name = url.pathname.slice(1) || "default";
    const counter = env.COUNTER.getByName(name);
    if (request.method === "DELETE") {
      await counter.reset();
      return new Response(`${name}: reset\n`);
    }
    return new Response(`${name}: ${await counter.hit()}\n`);
  },
} satisfies ExportedHandler<Env>;
