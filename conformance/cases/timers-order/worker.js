export default {
  async fetch() {
    const log = [];
    await new Promise((done) => {
      setTimeout(() => log.push("t0-a"), 0);
      setTimeout((x, y) => log.push("args " + x + y), 20, "p", "q");
      setTimeout(() => log.push("t0-b"));
      const cancelled = setTimeout(() => log.push("cancelled"), 10);
      clearTimeout(cancelled);
      clearTimeout(undefined);
      clearTimeout(123456);
      setTimeout(() => { log.push("t40"); setTimeout(() => log.push("nested"), 0); }, 40);
      setTimeout(done, 120);
    });
    return Response.json({ log, idType: typeof setTimeout(() => {}, 0) });
  },
};
