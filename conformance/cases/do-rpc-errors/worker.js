import { DurableObject } from "cloudflare:workers";
class CustomError extends Error {
  constructor(m) { super(m); this.name = "CustomError"; }
}
export class Thrower extends DurableObject {
  plain() { throw new Error("plain failure"); }
  type() { throw new TypeError("bad type"); }
  range() { throw new RangeError("out of range"); }
  custom() { throw new CustomError("custom failure"); }
  async rejects() { await null; throw new SyntaxError("async failure"); }
  string() { throw "a thrown string"; }
  domexception() { throw new DOMException("dom failure", "NotFoundError"); }
  ok() { return "still alive"; }
}
export default {
  async fetch(req, env) {
    const stub = env.T.getByName("t");
    const out = {};
    for (const m of ["plain", "type", "range", "custom", "rejects", "string", "domexception"]) {
      try { out[m] = { returned: await stub[m]() }; }
      catch (e) { out[m] = { type: typeof e, isError: e instanceof Error, ctor: e?.constructor?.name, name: e?.name, message: e?.message ?? String(e) }; }
    }
    out.after = await stub.ok();
    return Response.json(out);
  },
};
