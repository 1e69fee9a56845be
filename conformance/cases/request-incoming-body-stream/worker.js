export default {
  async fetch(request) {
    const reader = request.body.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value instanceof Uint8Array);
      total += value.byteLength;
    }
    return Response.json({ allUint8: chunks.every(Boolean), total, used: request.bodyUsed });
  },
};
