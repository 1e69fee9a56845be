export default {
  fetch(request) {
    const h = new Headers();
    h.append("Set-Cookie", "a=1; Path=/");
    h.append("set-cookie", "b=2, with comma");
    h.append("X-Other", "1");
    if (new URL(request.url).pathname === "/wire") {
      return new Response("cookies", { headers: h });
    }
    return Response.json({ get: h.get("set-cookie"), getSetCookie: h.getSetCookie(), entries: [...h], empty: new Headers().getSetCookie() });
  },
};
