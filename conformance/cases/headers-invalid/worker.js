const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const h = new Headers();
    const rows = {};
    for (const name of ["", "bad name", "bad:name", "ünicode", "ok-name", "x(y)", "tab\tname"]) rows["name " + JSON.stringify(name)] = attempt(() => { h.set(name, "v"); return "ok"; });
    for (const value of ["ok", "  trimmed\t", "new\nline", "nul\0", "lat\u00e9", "cr\rx"]) rows["value " + JSON.stringify(value)] = attempt(() => { h.set("x-v", value); return JSON.stringify(h.get("x-v")); });
    rows.initBadPair = attempt(() => new Headers([["a"]]));
    rows.initNumber = attempt(() => new Headers(5));
    return Response.json(rows);
  },
};
