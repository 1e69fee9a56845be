const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const f = new FormData();
    f.append("a", "1");
    f.append("b", "2");
    f.append("a", "3");
    f.append("file", new Blob(["blob data"], { type: "text/x" }));
    f.append("named", new Blob(["x"]), "custom.bin");
    f.append("num", 5);
    const getAll = f.getAll("a");
    f.set("a", "only");
    f.delete("b");
    const file = f.get("file");
    const named = f.get("named");
    return Response.json({
      getAll, has: [f.has("a"), f.has("b")],
      entries: [...f].map(([k, v]) => [k, typeof v === "string" ? v : ["File", v.name, v.type, v.size]]),
      file: [file instanceof File, file.name, await file.text()], named: named.name,
      missing: f.get("missing"), keys: [...f.keys()],
      badBlobArg: attempt(() => f.append("x", "v", "filename")),
    });
  },
};
