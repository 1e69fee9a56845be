import { DurableObject } from "cloudflare:workers";
export class Thing extends DurableObject {}
export class Other extends DurableObject {}
const attempt = (f) => { try { const v = f(); return { ok: typeof v }; } catch (e) { return { name: e.name, message: e.message }; } };
export default {
  fetch(req, env) {
    const good = env.THING.idFromName("x").toString();
    const foreign = env.OTHER.idFromName("x").toString();
    return Response.json({
      short: attempt(() => env.THING.idFromString("abc")),
      empty: attempt(() => env.THING.idFromString("")),
      nonHex: attempt(() => env.THING.idFromString("z".repeat(64))),
      tooLong: attempt(() => env.THING.idFromString(good + "00")),
      upper: attempt(() => env.THING.idFromString(good.toUpperCase())),
      otherNamespace: attempt(() => env.THING.idFromString(foreign)),
      tampered: attempt(() => env.THING.idFromString(good.slice(0, 63) + (good[63] === "0" ? "1" : "0"))),
      good: attempt(() => env.THING.idFromString(good)),
      getString: attempt(() => env.THING.get(good)),
      getForeign: attempt(() => env.THING.get(env.OTHER.idFromName("x"))),
    });
  },
};
