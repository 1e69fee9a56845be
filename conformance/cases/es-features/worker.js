const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
class Counter {
  #n = 0;
  static created = 0;
  static { Counter.created = -1; }
  inc() { return ++this.#n; }
  static isCounter(o) { return #n in o; }
}
export default {
  fetch() {
    const c = new Counter();
    c.inc();
    const arr = [5, 1, 4, 2, 3];
    function* gen() { yield 1; yield* [2, 3]; }
    return Response.json({
      priv: [c.inc(), Counter.isCounter(c), Counter.isCounter({}), Counter.created],
      optional: [({ a: { b: null } }).a?.b?.c, null ?? "dflt", 0 || "or", 0 ?? "nullish"],
      assign: (() => { let a = null; a ??= 5; let b = 1; b &&= 2; let c = 0; c ||= 3; return [a, b, c]; })(),
      at: [arr.at(-1), "str".at(-1)], findLast: [arr.findLast((x) => x > 3), arr.findLastIndex((x) => x > 3)],
      toSorted: typeof arr.toSorted === "function" ? [arr.toSorted(), arr.toReversed(), arr.with(0, 9), arr] : "missing",
      flat: [[1, [2, [3, [4]]]].flat(2), [1, 2].flatMap((x) => [x, x * 2])],
      fromEntries: Object.fromEntries([["a", 1]]), hasOwn: Object.hasOwn({ x: 1 }, "x"),
      groupBy: typeof Object.groupBy === "function" ? Object.groupBy([1, 2, 3, 4], (x) => (x % 2 ? "odd" : "even")) : "missing",
      spread: { ...{ a: 1 }, b: 2 }, destructure: (({ a, ...rest }) => [a, rest])({ a: 1, b: 2, c: 3 }),
      gen: [...gen()], bigint: String(2n ** 64n), numeric: 1_000_000, exp: 2 ** 10,
      string: ["abc".padStart(5, "-"), " x ".trimEnd(), "aXbX".replaceAll("X", "_"), "a-b".split("-"), String.raw`\n`, "ß".toUpperCase(), "İ".toLowerCase().length],
      weak: [typeof WeakRef, typeof FinalizationRegistry],
      symbols: [typeof Symbol.asyncIterator, Symbol.for("x") === Symbol.for("x")],
      proxy: new Proxy({}, { get: (t, k) => "proxied " + String(k) }).anything,
      reflect: Reflect.ownKeys({ b: 1, a: 2, [Symbol.iterator]: 0 }).length,
      labels: (() => { outer: for (const i of [1, 2]) { for (const j of [1, 2]) { if (j === 2) continue outer; if (i === 2) break outer; } } return "ok"; })(),
      arrayBuffer: typeof ArrayBuffer.prototype.transfer === "function" ? "transfer" : "no transfer",
      promiseWithResolvers: typeof Promise.withResolvers,
      setMethods: typeof Set.prototype.union,
      iteratorHelpers: typeof globalThis.Iterator,
      stringWellFormed: typeof "".isWellFormed === "function" ? ["a\ud800".isWellFormed(), "a\ud800".toWellFormed().charCodeAt(1)] : "missing",
      evalCode: attempt(() => eval("1 + 1")),
      newFunction: attempt(() => new Function("return 2")()),
    });
  },
};
