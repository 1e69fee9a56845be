const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const methods = ["get", "Get", "post", "put", "delete", "head", "options", "patch", "PATCH", "foo", "CONNECT", "TRACE", "track", "bad method", ""];
    return Response.json(Object.fromEntries(methods.map((m) => [m, attempt(() => new Request("https://example.com", { method: m }).method)])));
  },
};
