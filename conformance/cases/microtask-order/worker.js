export default {
  async fetch() {
    const log = [];
    await new Promise((done) => {
      setTimeout(() => { log.push("timeout"); done(); }, 0);
      queueMicrotask(() => { log.push("micro1"); queueMicrotask(() => log.push("micro-nested")); });
      Promise.resolve().then(() => log.push("then1")).then(() => log.push("then2"));
      queueMicrotask(() => log.push("micro2"));
      (async () => { log.push("async-sync-part"); await null; log.push("after-await"); })();
      log.push("sync");
    });
    let err;
    try { queueMicrotask("not a function"); } catch (e) { err = e.name; }
    return Response.json({ log, err });
  },
};
