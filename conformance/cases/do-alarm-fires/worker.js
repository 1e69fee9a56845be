import { DurableObject } from "cloudflare:workers";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export class Alarmed extends DurableObject {
  async arm() {
    await this.ctx.storage.setAlarm(Date.now() + 100);
    return { pending: (await this.ctx.storage.getAlarm()) !== null };
  }
  async waitFired() {
    for (let i = 0; i < 100 && !(await this.ctx.storage.get("fired")); i++) await sleep(50);
    return { fired: (await this.ctx.storage.get("fired")) ?? null, info: (await this.ctx.storage.get("info")) ?? null, pendingAfter: await this.ctx.storage.getAlarm() };
  }
  async alarm(info) {
    await this.ctx.storage.put("fired", ((await this.ctx.storage.get("fired")) ?? 0) + 1);
    await this.ctx.storage.put("info", { retryCount: info?.retryCount, isRetry: info?.isRetry, keys: Object.keys(info ?? {}).sort() });
  }
}
export default {
  async fetch(req, env) {
    const stub = env.A.getByName("a");
    const p = new URL(req.url).pathname;
    return Response.json(p === "/arm" ? await stub.arm() : await stub.waitFired());
  },
};
