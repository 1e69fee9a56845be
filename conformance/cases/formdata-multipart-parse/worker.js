export default {
  async fetch(request) {
    const f = await request.formData();
    const out = [];
    for (const [k, v] of f) {
      out.push(typeof v === "string" ? [k, v] : [k, { name: v.name, type: v.type, size: v.size, text: await v.text() }]);
    }
    return Response.json(out);
  },
};
