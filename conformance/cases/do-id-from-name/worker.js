import { DurableObject } from "cloudflare:workers";
export class Thing extends DurableObject {}
export class Other extends DurableObject {}
// Ids are compared by identity only: workerd and isola hash names with
// different namespace keys, so the hex itself differs by design.
export default {
  fetch(req, env) {
    const a = env.THING.idFromName("alpha");
    const a2 = env.THING.idFromName("alpha");
    const b = env.THING.idFromName("beta");
    const other = env.OTHER.idFromName("alpha");
    return Response.json({
      sameString: a.toString() === a2.toString(),
      equals: a.equals(a2),
      differentName: a.toString() !== b.toString() && !a.equals(b),
      otherNamespace: a.toString() !== other.toString(),
      hex: /^[0-9a-f]{64}$/.test(a.toString()),
      name: a.name,
      emptyName: env.THING.idFromName("").name,
      unicode: env.THING.idFromName("é✓").name,
      coerced: env.THING.idFromName(42).name,
      json: JSON.stringify(a),
      keys: Object.keys(a),
      template: `${a}` === a.toString(),
      equalsString: (() => { try { return a.equals(a.toString()); } catch (e) { return e.name; } })(),
    });
  },
};
