export default {
  fetch() {
    const t = new EventTarget();
    const log = [];
    const f = (e) => log.push("f " + e.type);
    t.addEventListener("x", f);
    t.addEventListener("x", f);
    t.addEventListener("x", { handleEvent(e) { log.push("object " + (this !== t)); } });
    t.addEventListener("x", () => log.push("once"), { once: true });
    t.dispatchEvent(new Event("x"));
    t.dispatchEvent(new Event("x"));
    t.removeEventListener("x", f);
    t.dispatchEvent(new Event("x"));
    t.addEventListener("c", (e) => e.preventDefault());
    const notCancelable = t.dispatchEvent(new Event("c"));
    const cancelable = t.dispatchEvent(new Event("c", { cancelable: true }));
    t.addEventListener("s", (e) => { log.push("s1"); e.stopImmediatePropagation(); });
    t.addEventListener("s", () => log.push("s2"));
    t.dispatchEvent(new Event("s"));
    let target;
    t.addEventListener("t", (e) => { target = [e.target === t, e.currentTarget === t, e.eventPhase]; });
    t.dispatchEvent(new Event("t"));
    const ac = new AbortController();
    t.addEventListener("sig", () => log.push("sig"), { signal: ac.signal });
    ac.abort();
    t.dispatchEvent(new Event("sig"));
    let redispatch;
    const e = new Event("r");
    t.dispatchEvent(e);
    try { t.addEventListener("r", () => { t.dispatchEvent(e); }); t.dispatchEvent(e); } catch (err) { redispatch = err.name; }
    class Sub extends EventTarget {}
    return Response.json({ log, notCancelable, cancelable, target, redispatch, sub: new Sub() instanceof EventTarget });
  },
};
