// The parent worker of the differential test (internal/loader
// differential_test.go): the same file runs on workerd and on isola. Each
// POST names a case; the answer describes what happened as JSON, so both
// runtimes can be compared field by field.
import { RpcTarget } from "cloudflare:workers";

class Tools extends RpcTarget {
  add(a, b) {
    return a + b;
  }
  fail() {
    throw new RangeError("tool says no");
  }
}

// describe turns any value into JSON that keeps what structured clone is
// meant to keep: types, prototypes, holes, -0, NaN, BigInt...
function describe(v) {
  if (v === undefined) return { t: "undefined" };
  if (v === null) return null;
  switch (typeof v) {
    case "number":
      return Object.is(v, -0) ? { t: "number", v: "-0" } : Number.isFinite(v) ? v : { t: "number", v: String(v) };
    case "bigint":
      return { t: "bigint", v: String(v) };
    case "string":
    case "boolean":
      return v;
    case "function":
      return { t: "function" };
    case "symbol":
      return { t: "symbol" };
  }
  if (Array.isArray(v)) {
    const items = [];
    for (let i = 0; i < v.length; i++) items.push(i in v ? describe(v[i]) : { t: "hole" });
    const extra = Object.keys(v).filter((k) => !(String(k >>> 0) === k && k >>> 0 < v.length));
    return { t: "array", proto: Object.getPrototypeOf(v) === Array.prototype, items, extra: extra.map((k) => [k, describe(v[k])]) };
  }
  if (v instanceof Map) return { t: "map", entries: [...v].map(([k, x]) => [describe(k), describe(x)]) };
  if (v instanceof Set) return { t: "set", values: [...v].map(describe) };
  if (v instanceof Date) return { t: "date", v: v.getTime() };
  if (v instanceof RegExp) return { t: "regexp", source: v.source, flags: v.flags };
  if (v instanceof Error) return { t: "error", class: v.constructor.name, name: v.name, message: v.message };
  if (v instanceof ArrayBuffer) return { t: "arraybuffer", bytes: [...new Uint8Array(v)] };
  if (ArrayBuffer.isView(v)) return { t: v.constructor.name, bytes: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
  const out = { t: "object", proto: Object.getPrototypeOf(v) === Object.prototype, keys: {} };
  for (const k of Object.keys(v)) out.keys[k] = describe(v[k]);
  return out;
}

function structured() {
  const shared = { s: 1 };
  return {
    map: new Map([[1, "one"], ["k", { deep: [true] }]]),
    set: new Set(["a", 2]),
    date: new Date(86400000),
    big: 2n ** 70n,
    bytes: new Uint8Array([1, 2, 255]),
    buffer: new Uint16Array([1, 65535]).buffer,
    re: /a+b/gi,
    err: new RangeError("range", { cause: "why" }),
    holes: [1, , 3],
    special: [NaN, -0, Infinity, undefined, null],
    text: "héllo \u{1F600}",
    twice: [shared, shared],
  };
}

function errorDoc(e) {
  return { outcome: "threw", name: e?.name, message: e?.message, remote: e?.remote === true };
}

export default {
  async fetch(req, env) {
    const c = await req.json();
    const code = c.code;
    if (c.tools === "env") code.env = { ...(code.env ?? {}), TOOLS: new Tools() };
    let stub;
    try {
      stub = env.LOADER.get(c.id, () => code);
    } catch (e) {
      return Response.json({ where: "get", ...errorDoc(e) });
    }
    try {
      const ep = stub.getEntrypoint(c.entry, c.options);
      if (c.rpc) {
        let args = c.args ?? [];
        if (c.args === "structured") args = [structured()];
        if (c.args === "tools") args = [new Tools()];
        const v = await ep[c.rpc](...args);
        return Response.json({ outcome: "rpc", value: describe(v) });
      }
      const r = await ep.fetch("http://dyn.example/" + (c.path ?? ""), c.method ? { method: c.method, body: c.body } : undefined);
      return Response.json({ outcome: "response", status: r.status, header: r.headers.get("x-dyn"), body: await r.text() });
    } catch (e) {
      return Response.json(errorDoc(e));
    }
  },
};
