const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  async fetch() {
    const mk = (body, ct) => new Request("https://example.com/", { method: "POST", body, headers: ct ? { "content-type": ct } : {} });
    const blob = await mk("blob body", "text/x-thing").blob();
    return Response.json({
      text: await mk("plain").text(),
      json: await mk('{"a":[1,2]}').json(),
      badJson: await attemptAsync(() => mk("{nope").json()),
      arrayBuffer: [...new Uint8Array(await mk("AB").arrayBuffer())],
      blob: { size: blob.size, type: blob.type, text: await blob.text() },
      form: [...(await mk("a=1&b=2&a=3", "application/x-www-form-urlencoded").formData())],
      formWrongType: await attemptAsync(() => mk("a=1", "text/plain").formData()),
      getWithBody: attempt(() => new Request("https://example.com/", { method: "GET", body: "x" })),
      headWithBody: attempt(() => new Request("https://example.com/", { method: "HEAD", body: "x" })),
      bodyStringCT: mk("s").headers.get("content-type"),
      bodyParamsCT: new Request("https://example.com/", { method: "POST", body: new URLSearchParams("a=b") }).headers.get("content-type"),
    });
  },
};
