import { DurableObject } from "cloudflare:workers";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export class Worky extends DurableObject {
  start() {
    this.ctx.waitUntil((async () => { await sleep(50); await this.ctx.storage.put("done", "written after the response"); })());
    return "returned first";
  }
  async check() {
    for (let i = 0; i < 100 && !(await this.ctx.storage.get("done")); i++) await sleep(50);
    return (await this.ctx.storage.get("done")) ?? null;
  }
}
export default {
  async fetch(req, env) {
    const stub = env.W.getByName("w");
    const p = new URL(req.url).pathname;
    return new Response(p === "/start" ? await stub.start() : await stub.check());
  },
};
