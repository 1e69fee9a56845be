// Dynamic Workers: each request gets a dynamic worker through env.LOADER and
// calls its fetch handler once.
//   /cold?id=X  LOADER.get(X, cb): a never-seen id loads (X defaults to a new
//               UUID per request); the source text differs per id, so no
//               runtime can share compiled code between ids
//   /load       LOADER.load(code): a new sandbox per request, never cached
//   /warm       LOADER.get("warm", cb): always the same cached worker
// The dynamic worker answers "ok".
function code(id) {
  return {
    compatibilityDate: "2025-09-01",
    mainModule: "index.js",
    modules: {
      "index.js": `const ID = ${JSON.stringify(id)};\nexport default { fetch() { return new Response(ID ? "ok" : "no id"); } };\n`,
    },
    globalOutbound: null,
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    let stub;
    switch (url.pathname) {
      case "/cold": {
        const id = url.searchParams.get("id") ?? "c-" + crypto.randomUUID();
        stub = env.LOADER.get(id, () => code(id));
        break;
      }
      case "/load":
        stub = env.LOADER.load(code("anon-" + crypto.randomUUID()));
        break;
      case "/warm":
        stub = env.LOADER.get("warm", () => code("warm"));
        break;
      default:
        return new Response("not found", { status: 404 });
    }
    const r = await stub.getEntrypoint().fetch("http://dyn/");
    return new Response(await r.text(), { status: r.status });
  },
};
