async function* ticker(n) {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, 1));
    yield i;
  }
}
export default {
  async fetch() {
    const seen = [];
    for await (const v of ticker(4)) seen.push(v);
    const it = ticker(2);
    const manual = [await it.next(), await it.return("early"), await it.next()];
    const syncIterOfPromises = [];
    for await (const v of [Promise.resolve("p1"), "plain", Promise.resolve("p2")]) syncIterOfPromises.push(v);
    return Response.json({ seen, manual, syncIterOfPromises });
  },
};
