export default {
  fetch() {
    const o = { a: 1, nested: { deep: [1, 2, { x: "y" }] } };
    o.self = o;
    console.log("log", 1, true, null, undefined, o);
    console.info("info %s %d", "fmt", 42);
    console.warn("warn");
    console.error("error", new Error("boom"));
    console.debug("debug");
    console.table?.([{ a: 1 }]);
    console.trace?.("trace");
    console.dir?.(o);
    console.assert(false, "assertion");
    console.time?.("t"); console.timeEnd?.("t");
    console.count?.(); console.count?.();
    console.group?.("g"); console.groupEnd?.();
    return Response.json({ kinds: ["log", "info", "warn", "error", "debug"].map((k) => typeof console[k]) });
  },
};
