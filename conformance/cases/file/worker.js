const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const f = new File(["content"], "name.txt", { type: "text/plain", lastModified: 1700000000000 });
    const noDate = new File([], "x");
    return Response.json({
      name: f.name, size: f.size, type: f.type, lastModified: f.lastModified, text: await f.text(),
      isBlob: f instanceof Blob, tag: Object.prototype.toString.call(f),
      defaultLastModifiedType: typeof noDate.lastModified,
      slice: f.slice(0, 3) instanceof File,
      noName: attempt(() => new File(["x"])),
      slashName: new File([], "a/b").name,
    });
  },
};
