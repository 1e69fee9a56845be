package dom_test

import (
	"github.com/isola-run/isola/internal/webapi/webapitest"
	"testing"

	"github.com/isola-run/isola/internal/engine"
)

// newRuntime: a runtime with every Web API (webapitest.NewRuntime).
func newRuntime(t testing.TB) *engine.Runtime { t.Helper(); return webapitest.NewRuntime(t) }

// run: JSON.stringify of the awaited expression, or "throw Name: message"
// (webapitest.Run).
func run(t testing.TB, rt *engine.Runtime, src string) string {
	t.Helper()
	return webapitest.Run(t, rt, src)
}

type jsCase struct {
	name, src, want string
}

func runCases(t *testing.T, cases []jsCase) {
	t.Helper()
	rt := newRuntime(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, rt, c.src); got != c.want {
				t.Errorf("%s\n = %s\nwant %s", c.src, got, c.want)
			}
		})
	}
}

func TestDOMException(t *testing.T) {
	runCases(t, []jsCase{
		{"defaults", `(() => { const e = new DOMException(); return [e.name, e.message, e.code] })()`, `["Error","",0]`},
		{"named", `(() => { const e = new DOMException("gone", "AbortError"); return [e.name, e.message, e.code, String(e)] })()`, `["AbortError","gone",20,"AbortError: gone"]`},
		{"options", `(() => { const e = new DOMException("m", { name: "TimeoutError", cause: 1 }); return [e.name, e.code, e.cause] })()`, `["TimeoutError",23,1]`},
		{"instanceof Error", `new DOMException("x", "DataCloneError") instanceof Error`, `true`},
		{"stack", `typeof new DOMException("x").stack`, `"string"`},
		{"legacy codes", `["IndexSizeError","HierarchyRequestError","InvalidCharacterError","NotFoundError","NotSupportedError","InvalidStateError","SyntaxError","SecurityError","NetworkError","QuotaExceededError","DataCloneError","EncodingError"].map(n => new DOMException("", n).code)`, `[1,3,5,8,9,11,12,18,19,22,25,0]`},
		{"constants", `[DOMException.ABORT_ERR, DOMException.prototype.DATA_CLONE_ERR, DOMException.VALIDATION_ERR]`, `[20,25,16]`},
		{"tag", `Object.prototype.toString.call(new DOMException())`, `"[object DOMException]"`},
		{"name property", `DOMException.name`, `"DOMException"`},
		{"from host error", `(() => { try { atob("*"); } catch (e) { return [e instanceof DOMException, e.name, e.code]; } })()`, `[true,"InvalidCharacterError",5]`},
	})
}

func TestNavigatorPerformance(t *testing.T) {
	runCases(t, []jsCase{
		{"userAgent", `navigator.userAgent`, `"Cloudflare-Workers"`},
		{"hardwareConcurrency", `navigator.hardwareConcurrency`, `1`},
		{"now monotonic", `(() => { const a = performance.now(); const b = performance.now(); return a >= 0 && b >= a })()`, `true`},
		{"timeOrigin", `Math.abs(performance.timeOrigin + performance.now() - Date.now()) < 5000`, `true`},
		{"illegal constructor", `new Navigator()`, `throw TypeError: Illegal constructor`},
	})
}

func TestEvents(t *testing.T) {
	runCases(t, []jsCase{
		{"event init", `(() => { const e = new Event("x", { cancelable: true }); e.preventDefault(); return [e.type, e.bubbles, e.cancelable, e.defaultPrevented, e.eventPhase, e.target, e.isTrusted] })()`, `["x",false,true,true,0,null,false]`},
		{"event needs type", `new Event()`, `throw TypeError: Failed to construct 'Event': 1 argument required, but only 0 present.`},
		{"dispatch order and this", `(() => { const t = new EventTarget(); const log = [];
			t.addEventListener("a", function (e) { log.push(["fn", this === t, e.target === t, e.currentTarget === t, e.eventPhase]); });
			t.addEventListener("a", { handleEvent(e) { log.push(["obj", this !== t]); } });
			t.dispatchEvent(new Event("a")); return log })()`, `[["fn",true,true,true,2],["obj",true]]`},
		{"duplicate listener ignored", `(() => { const t = new EventTarget(); let n = 0; const f = () => n++;
			t.addEventListener("a", f); t.addEventListener("a", f); t.dispatchEvent(new Event("a")); return n })()`, `1`},
		{"once", `(() => { const t = new EventTarget(); let n = 0; t.addEventListener("a", () => n++, { once: true });
			t.dispatchEvent(new Event("a")); t.dispatchEvent(new Event("a")); return n })()`, `1`},
		{"remove", `(() => { const t = new EventTarget(); let n = 0; const f = () => n++; t.addEventListener("a", f);
			t.removeEventListener("a", f); t.dispatchEvent(new Event("a")); return n })()`, `0`},
		{"signal removes", `(() => { const t = new EventTarget(); const c = new AbortController(); let n = 0;
			t.addEventListener("a", () => n++, { signal: c.signal }); t.dispatchEvent(new Event("a")); c.abort();
			t.dispatchEvent(new Event("a")); return n })()`, `1`},
		{"aborted signal never adds", `(() => { const t = new EventTarget(); let n = 0;
			t.addEventListener("a", () => n++, { signal: AbortSignal.abort() }); t.dispatchEvent(new Event("a")); return n })()`, `0`},
		{"capture refused", `new EventTarget().addEventListener("a", () => {}, true)`, `throw TypeError: addEventListener(): useCapture must be false.`},
		{"passive refused", `new EventTarget().addEventListener("a", () => {}, { passive: true })`, `throw TypeError: addEventListener(): options.passive must be false.`},
		{"stopImmediatePropagation", `(() => { const t = new EventTarget(); const log = [];
			t.addEventListener("a", (e) => { log.push(1); e.stopImmediatePropagation(); }); t.addEventListener("a", () => log.push(2));
			t.dispatchEvent(new Event("a")); return log })()`, `[1]`},
		{"preventDefault result", `(() => { const t = new EventTarget(); t.addEventListener("a", (e) => e.preventDefault());
			return [t.dispatchEvent(new Event("a", { cancelable: true })), t.dispatchEvent(new Event("b"))] })()`, `[false,true]`},
		{"return true prevents", `(() => { const t = new EventTarget(); t.addEventListener("a", () => true); return t.dispatchEvent(new Event("a")) })()`, `false`},
		{"listener error propagates", `(() => { const t = new EventTarget(); const log = []; t.addEventListener("a", () => { throw new RangeError("boom"); });
			t.addEventListener("a", () => log.push(2)); try { t.dispatchEvent(new Event("a")); } catch (e) { log.push(e.message); } return log })()`, `["boom"]`},
		{"redispatch", `(() => { const t = new EventTarget(); const e = new Event("a"); t.addEventListener("a", () => t.dispatchEvent(e)); t.dispatchEvent(e) })()`, `throw InvalidStateError: The event is already being dispatched.`},
		{"on property", `(() => { class T extends EventTarget { onping(e) { log.push("on"); } } const log = []; const t = new T();
			t.addEventListener("ping", () => log.push("listener")); t.dispatchEvent(new Event("ping")); return log })()`, `["on","listener"]`},
		{"custom event", `[new CustomEvent("c", { detail: { n: 1 } }).detail, new CustomEvent("c") instanceof Event]`, `[{"n":1},true]`},
		{"error event", `(() => { const e = new ErrorEvent("error", { message: "m", lineno: 3, error: 7 }); return [e.message, e.lineno, e.colno, e.error, e.filename] })()`, `["m",3,0,7,""]`},
		{"message event", `(() => { const e = new MessageEvent("message", { data: { a: 1 } }); return [e.data, e.origin, e.ports.length] })()`, `[{"a":1},"",0]`},
		{"close event", `(() => { const e = new CloseEvent("close", { code: 1000, reason: "bye", wasClean: true }); return [e.code, e.reason, e.wasClean] })()`, `[1000,"bye",true]`},
		{"tags", `[new Event("x"), new EventTarget(), new AbortController(), new AbortController().signal].map(o => Object.prototype.toString.call(o))`, `["[object Event]","[object EventTarget]","[object AbortController]","[object AbortSignal]"]`},
	})
}

func TestAbort(t *testing.T) {
	runCases(t, []jsCase{
		{"default reason", `(() => { const c = new AbortController(); c.abort(); const r = c.signal.reason; return [c.signal.aborted, r instanceof DOMException, r.name, r.message, r.code] })()`, `[true,true,"AbortError","The operation was aborted",20]`},
		{"custom reason", `(() => { const c = new AbortController(); c.abort("why"); return [c.signal.reason] })()`, `["why"]`},
		{"events then onabort, once", `(() => { const c = new AbortController(); const log = [];
			c.signal.onabort = (e) => log.push("on:" + e.type); c.signal.addEventListener("abort", (e) => log.push("l:" + e.isTrusted));
			c.abort(); c.abort(); return log })()`, `["l:true","on:abort"]`},
		{"throwIfAborted", `(() => { const c = new AbortController(); c.signal.throwIfAborted(); c.abort(new TypeError("t")); c.signal.throwIfAborted(); })()`, `throw TypeError: t`},
		{"static abort", `(() => { const s = AbortSignal.abort(); return [s.aborted, s.reason.name] })()`, `[true,"AbortError"]`},
		{"illegal constructor", `new AbortSignal()`, `throw TypeError: Illegal constructor`},
		{"timeout", `(async () => { const s = AbortSignal.timeout(5); const before = s.aborted;
			await new Promise((r) => s.addEventListener("abort", r));
			return [before, s.aborted, s.reason.name, s.reason.code, s.reason.message] })()`, `[false,true,"TimeoutError",23,"The operation was aborted due to timeout"]`},
		{"timeout range", `AbortSignal.timeout(-1)`, `throw TypeError: AbortSignal.timeout(): the delay must be a non-negative finite number.`},
		{"any follows first", `(() => { const a = new AbortController(), b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]);
			const log = []; s.addEventListener("abort", () => log.push(s.reason)); b.abort("b"); a.abort("a"); return [s.aborted, s.reason, log] })()`, `[true,"b",["b"]]`},
		{"any already aborted", `(() => { const s = AbortSignal.any([new AbortController().signal, AbortSignal.abort("x")]); return [s.aborted, s.reason] })()`, `[true,"x"]`},
		{"any empty", `AbortSignal.any([]).aborted`, `false`},
		{"any nested", `(() => { const c = new AbortController(); const s = AbortSignal.any([AbortSignal.any([c.signal])]); c.abort(1); return [s.aborted, s.reason] })()`, `[true,1]`},
		{"any rejects non-signal", `AbortSignal.any([{}])`, `throw TypeError: AbortSignal.any(): every element must be an AbortSignal.`},
	})
}

func TestStructuredClone(t *testing.T) {
	runCases(t, []jsCase{
		{"primitives", `[1, -0, NaN, "s", true, null, undefined].map(v => Object.is(structuredClone(v), v))`, `[true,true,true,true,true,true,true]`},
		{"bigint", `String(structuredClone(12345678901234567890n))`, `"12345678901234567890"`},
		{"cyclic map of dates", `(() => { const m = new Map(); m.set("self", m); m.set("d", new Date(86400000)); m.set(new Date(0), "key");
			const c = structuredClone(m); const keys = [...c.keys()];
			return [c !== m, c.get("self") === c, c.get("d") instanceof Date, c.get("d").getTime(), keys[2] instanceof Date, keys[2].getTime(), c.get(keys[2])] })()`,
			`[true,true,true,86400000,true,0,"key"]`},
		{"shared references", `(() => { const o = { a: 1 }; const c = structuredClone({ x: o, y: [o] }); return c.x === c.y[0] })()`, `true`},
		{"cyclic object", `(() => { const o = { n: 1 }; o.self = o; const c = structuredClone(o); return [c.self === c, c !== o] })()`, `[true,true]`},
		{"set and array holes", `(() => { const a = [1, , 3]; a.extra = "e"; const c = structuredClone({ s: new Set([1, "a"]), a });
			return [[...c.s], c.a.length, 1 in c.a, c.a.extra] })()`, `[[1,"a"],3,false,"e"]`},
		{"regexp", `(() => { const r = structuredClone(/a+b/gi); return [r instanceof RegExp, r.source, r.flags] })()`, `[true,"a+b","gi"]`},
		{"typed arrays share a buffer", `(() => { const buf = new ArrayBuffer(8); const c = structuredClone({ u: new Uint8Array(buf, 2, 4), d: new DataView(buf), f: new Float64Array([1.5]) });
			c.u[0] = 9; return [c.u.constructor.name, c.u.byteOffset, c.u.length, c.u.buffer === c.d.buffer, c.d.getUint8(2), c.f[0], c.u.buffer !== buf] })()`,
			`["Uint8Array",2,4,true,9,1.5,true]`},
		{"errors", `(() => { const e = new RangeError("r", { cause: "c" }); const c = structuredClone(e);
			class MyErr extends Error { constructor() { super("m"); this.name = "MyErr"; } }
			const m = structuredClone(new MyErr());
			return [c instanceof RangeError, c.name, c.message, c.cause, typeof c.stack, m.constructor === Error, m.name, m.message] })()`,
			`[true,"RangeError","r","c","string",true,"Error","m"]`},
		{"dom exception", `(() => { const c = structuredClone(new DOMException("m", "AbortError")); return [c instanceof DOMException, c.name, c.message, c.code] })()`, `[true,"AbortError","m",20]`},
		{"boxed", `(() => { const c = structuredClone([Object(1), Object("s"), Object(false), Object(2n)]); return c.map(x => [typeof x, String(x.valueOf())]) })()`, `[["object","1"],["object","s"],["object","false"],["object","2"]]`},
		{"class instance as plain object", `(() => { class P { #secret = 1; constructor() { this.x = 2; } get y() { return 3; } }
			const c = structuredClone(new P()); return [Object.getPrototypeOf(c) === Object.prototype, c.x, "y" in c] })()`, `[true,2,false]`},
		{"getter evaluated", `structuredClone({ get g() { return 7; } })`, `{"g":7}`},
		{"function", `structuredClone({ f() {} })`, `throw DataCloneError: f() {} could not be cloned.`},
		{"function code", `(() => { try { structuredClone(() => 1); } catch (e) { return [e instanceof DOMException, e.code]; } })()`, `[true,25]`},
		{"symbol", `structuredClone(Symbol("s"))`, `throw DataCloneError: Symbol(s) could not be cloned.`},
		{"weakmap", `structuredClone(new WeakMap())`, `throw DataCloneError: #<WeakMap> could not be cloned.`},
		{"promise", `structuredClone(Promise.resolve())`, `throw DataCloneError: #<Promise> could not be cloned.`},
		{"platform objects", `[new URL("https://a"), new AbortController().signal, new Event("x"), new TextEncoder()].map(v => { try { structuredClone(v); return "cloned"; } catch (e) { return e.message; } })`,
			`["#<URL> could not be cloned.","#<AbortSignal> could not be cloned.","#<Event> could not be cloned.","#<TextEncoder> could not be cloned."]`},
		{"no args", `structuredClone()`, `throw TypeError: Failed to execute 'structuredClone': 1 argument required, but only 0 present.`},
		{"transfer", `(() => { const b = new Uint8Array([1, 2, 3]).buffer; const c = structuredClone(b, { transfer: [b] }); return [b.byteLength, new Uint8Array(c)] })()`, `[0,{"0":1,"1":2,"2":3}]`},
		{"transfer non-buffer", `structuredClone(1, { transfer: [{}] })`, `throw DataCloneError: Value not transferable`},
		{"long and wide strings", `(() => { const s = "é€😀\ud800".repeat(5000) + "x".repeat(10000); return structuredClone(s) === s })()`, `true`},
		// structuredClone copies directly (not through serialize); these pin
		// what the direct copy must keep from the wire format's semantics.
		{"own __proto__ key", `(() => { const o = JSON.parse('{"__proto__": {"x": 1}, "a": 2}'); const c = structuredClone(o);
			return [Object.getPrototypeOf(c) === Object.prototype, Object.hasOwn(c, "__proto__"), c.__proto__.x, c.a] })()`, `[true,true,1,2]`},
		{"prototype setter not called", `(() => { let hit = 0; Object.defineProperty(Object.prototype, "zz", { set() { hit++ }, configurable: true });
			try { const c = structuredClone({ zz: 1 }); return [hit, Object.hasOwn(c, "zz"), Object.getOwnPropertyDescriptor(c, "zz").value] } finally { delete Object.prototype.zz } })()`, `[0,true,1]`},
		{"key order and getters once", `(() => { let n = 0; const c = structuredClone({ b: 1, get a() { n++; return 2 }, 1: 3 }); return [Object.keys(c), n] })()`, `[["1","b","a"],1]`},
		{"array extras with holes", `(() => { const a = [1, , 3]; a.e = "x"; const c = structuredClone(a); return [c.length, 1 in c, c.e, Object.keys(c)] })()`, `[3,false,"x",["0","2","e"]]`},
		{"error undefined cause", `(() => { const c = structuredClone(new Error("m", { cause: undefined })); return [Object.hasOwn(c, "cause"), c.message] })()`, `[false,"m"]`},
		{"error in object in map", `(() => { const e = new TypeError("t"); const c = structuredClone(new Map([["k", { e, e2: e }]])); const v = c.get("k"); return [v.e instanceof TypeError, v.e === v.e2, v.e !== e] })()`, `[true,true,true]`},
		{"views of one buffer", `(() => { const b = new ArrayBuffer(4); const c = structuredClone([new Uint8Array(b), new Uint16Array(b, 2, 1), b]); c[0][3] = 7; return [c[0].buffer === c[2], c[1].buffer === c[2], c[1][0], c[2] !== b] })()`, `[true,true,1792,true]`},
		{"uncloneable nested", `structuredClone({ a: [1, { f: Symbol.iterator }] })`, `throw DataCloneError: Symbol(Symbol.iterator) could not be cloned.`},
		{"boxed tag lookalike", `(() => { const c = structuredClone({ [Symbol.toStringTag]: "X", a: 1 }); return c })()`, `{"a":1}`},
	})
}
