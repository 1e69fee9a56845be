export default {
  async fetch() {
    const log = [];
    await new Promise((done) => {
      let n = 0;
      const id = setInterval(() => {
        n++;
        log.push("tick " + n);
        if (n === 3) { clearInterval(id); setTimeout(done, 30); }
      }, 5);
    });
    const cross = setInterval(() => log.push("never"), 1);
    clearTimeout(cross);
    await new Promise((r) => setTimeout(r, 10));
    return Response.json(log);
  },
};
