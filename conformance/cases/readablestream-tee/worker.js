export default {
  async fetch() {
    const s = new ReadableStream({ start(c) { ["x", "y", "z"].forEach((v) => c.enqueue(v)); c.close(); } });
    const [a, b] = s.tee();
    const read = async (st) => { const out = []; const r = st.getReader(); for (;;) { const { done, value } = await r.read(); if (done) return out; out.push(value); } };
    const [ra, rb] = await Promise.all([read(a), read(b)]);
    return Response.json({ ra, rb, locked: s.locked });
  },
};
