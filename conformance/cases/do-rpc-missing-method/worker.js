import { DurableObject } from "cloudflare:workers";
export class Target extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.instanceField = "field"; this.instanceFn = () => "arrow"; }
  method() { return "ok"; }
  get getter() { return "got"; }
  static staticMethod() { return "static"; }
  alarm() { return "alarm called"; }
  webSocketMessage() { return "ws called"; }
}
const attempt = async (f) => { try { return { ok: await f() }; } catch (e) { return { name: e.name, message: e.message }; } };
export default {
  async fetch(req, env) {
    const stub = env.T.getByName("t");
    return Response.json({
      method: await attempt(() => stub.method()),
      missing: await attempt(() => stub.doesNotExist()),
      missingType: typeof stub.doesNotExist,
      staticMethod: await attempt(() => stub.staticMethod()),
      instanceFn: await attempt(() => stub.instanceFn()),
      toString: await attempt(() => stub.toString()),
      hasOwnProperty: await attempt(() => stub.hasOwnProperty("x")),
      thenType: typeof stub.then,
      ctx: await attempt(() => stub.ctx()),
    });
  },
};
