const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch(request) {
    const r = await attemptAsync(async () => [...(await request.formData())]);
    return Response.json(r);
  },
};
