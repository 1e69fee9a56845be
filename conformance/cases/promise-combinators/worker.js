export default {
  async fetch() {
    const delay = (ms, v, fail) => new Promise((res, rej) => setTimeout(() => (fail ? rej(new Error(v)) : res(v)), ms));
    Promise.reject(new Error("unhandled, ignored"));
    return Response.json({
      all: await Promise.all([delay(5, "a"), "b", delay(1, "c")]),
      allSettled: (await Promise.allSettled([delay(1, "ok"), delay(2, "bad", true)])).map((r) => [r.status, r.value ?? r.reason.message]),
      any: await Promise.any([delay(40, "slow"), delay(1, "fast"), delay(0, "err", true)]),
      anyAllFail: await Promise.any([Promise.reject(1), Promise.reject(2)]).catch((e) => [e.constructor.name, e.errors]),
      race: await Promise.race([delay(40, "slow"), delay(1, "fast")]),
      thenable: await { then(r) { r("thenable"); } },
      finally: await Promise.resolve(1).finally(() => 2),
    });
  },
};
