import { DurableObject } from "cloudflare:workers";
export class Target extends DurableObject {
  alarm() { return "alarm called"; }
  webSocketMessage() { return "webSocketMessage called"; }
  webSocketClose() { return "webSocketClose called"; }
  webSocketError() { return "webSocketError called"; }
  dup() { return "dup called"; }
  ok() { return "ok"; }
}
const attempt = async (f) => { try { return { ok: await f() }; } catch (e) { return { name: e.name, message: e.message }; } };
export default {
  async fetch(req, env) {
    const stub = env.T.getByName("t");
    const out = {};
    for (const m of ["alarm", "webSocketMessage", "webSocketClose", "webSocketError", "constructor", "ok"]) out[m] = await attempt(() => stub[m]());
    return Response.json(out);
  },
};
