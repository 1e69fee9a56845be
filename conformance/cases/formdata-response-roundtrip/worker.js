export default {
  async fetch() {
    const f = new FormData();
    f.append("text", "value ✓");
    f.append("file", new File(["file body"], "f.txt", { type: "text/plain" }));
    const r = new Response(f);
    const ct = r.headers.get("content-type");
    const back = await r.formData();
    const file = back.get("file");
    return Response.json({
      ctPrefix: ct.split(";")[0], hasBoundary: /boundary=/.test(ct),
      text: back.get("text"), file: [file.name, file.type, await file.text()],
    });
  },
};
