export default {
  fetch(request) {
    const count = new TransformStream({ transform(chunk, c) { c.enqueue(chunk); } });
    return new Response(request.body.pipeThrough(count), { headers: { "content-type": request.headers.get("content-type") ?? "none" } });
  },
};
