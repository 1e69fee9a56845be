import { DurableObject } from "cloudflare:workers";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export class Gate extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.log = ["constructor"];
    ctx.blockConcurrencyWhile(async () => {
      await sleep(100);
      this.log.push("init done");
    });
  }
  call(i) { this.log.push("call " + i); return this.log.length; }
  async block() {
    const r = await this.ctx.blockConcurrencyWhile(async () => { await sleep(100); this.log.push("block done"); return "block value"; });
    this.log.push("after block");
    return r;
  }
  async syncBlock() { return this.ctx.blockConcurrencyWhile(() => "sync value"); }
  getLog() { return this.log; }
}
export default {
  async fetch(req, env) {
    const stub = env.G.getByName("g");
    const first = await Promise.all([stub.call(1), stub.call(2), stub.call(3)]);
    const [blocked, , ] = await Promise.all([stub.block(), sleep(10).then(() => stub.call(4))]);
    return Response.json({ first, blocked, sync: await stub.syncBlock(), log: await stub.getLog() });
  },
};
