// The app of the process tests (process_test.go): one Durable Object per
// name holding the keys written to it.
import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async put(key) {
    await this.ctx.storage.put(key, 1);
    return this.env.NODE;
  }
  async keys() {
    return [...(await this.ctx.storage.list()).keys()];
  }
  whoami() {
    return this.env.NODE;
  }
}

export default {
  async fetch(request, env) {
    const [, op, name, key] = new URL(request.url).pathname.split("/");
    if (!name) return new Response(env.NODE);
    const box = env.BOX.getByName(name);
    switch (op) {
      case "w":
        return new Response(await box.put(key));
      case "r":
        return Response.json(await box.keys());
      case "who":
        return new Response(await box.whoami());
    }
    return new Response("not found", { status: 404 });
  },
};
