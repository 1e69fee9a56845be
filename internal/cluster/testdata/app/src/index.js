// The app of the process tests (process_test.go): one Durable Object per
// name holding the keys written to it.
import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async put(key) {
    await this.ctx.storage.put(key, 1);
    return this.env.NODE;
  }
  // putKeys is put answering also what the object holds then: an owner
  // that rebuilt the object from the log holds every earlier write.
  async putKeys(key) {
    await this.ctx.storage.put(key, 1);
    return { node: this.env.NODE, keys: [...(await this.ctx.storage.list()).keys()] };
  }
  async keys() {
    return [...(await this.ctx.storage.list()).keys()];
  }
  whoami() {
    return this.env.NODE;
  }
  // arm sets an alarm ms from now; alarm() records, in the object named
  // log, which node fired it.
  async arm(name, ms, log) {
    await this.ctx.storage.put("name", name);
    await this.ctx.storage.put("log", log);
    await this.ctx.storage.setAlarm(Date.now() + ms);
    return this.env.NODE;
  }
  async alarm() {
    const at = Date.now(); // when it fired, before the record's own write
    const name = await this.ctx.storage.get("name");
    const log = await this.ctx.storage.get("log");
    await this.env.BOX.getByName(log).put(`fired-${name}-${this.env.NODE}-${at}`);
  }
}

export default {
  async fetch(request, env) {
    const [, op, name, key] = new URL(request.url).pathname.split("/");
    if (!name) return new Response(env.NODE);
    if (op === "id") return new Response(env.BOX.idFromName(name).toString());
    const box = env.BOX.getByName(name);
    switch (op) {
      case "w":
        return new Response(await box.put(key));
      case "wk":
        return Response.json(await box.putKeys(key));
      case "r":
        return Response.json(await box.keys());
      case "who":
        return new Response(await box.whoami());
      case "alarm": {
        // /alarm/<name>/<ms>/<log>
        const log = new URL(request.url).pathname.split("/")[4];
        return new Response(await box.arm(name, Number(key), log));
      }
    }
    return new Response("not found", { status: 404 });
  },
};
