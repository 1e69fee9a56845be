import { DurableObject } from "cloudflare:workers";
// Alarm times are compared by presence and order, never by value.
const attempt = async (f) => { try { const v = await f(); return v === undefined ? "undefined" : v; } catch (e) { return { name: e.name, message: e.message }; } };
export class Alarmed extends DurableObject {
  async step(n) {
    const s = this.ctx.storage;
    if (n === 1) {
      const initial = await s.getAlarm();
      const later = Date.now() + 3600_000;
      const setNum = await s.setAlarm(later);
      const afterNum = await s.getAlarm();
      await s.setAlarm(new Date(later + 1000));
      const afterDate = await s.getAlarm();
      const deleted = await s.deleteAlarm();
      const afterDelete = await s.getAlarm();
      await s.setAlarm(later + 5000);
      return {
        initial, setNum: setNum === undefined ? "undefined" : setNum,
        numType: typeof afterNum, dateLater: afterDate - afterNum === 1000, deleted: deleted === undefined ? "undefined" : deleted, afterDelete,
        badString: await attempt(() => s.setAlarm("soon")),
        badNaN: await attempt(() => s.setAlarm(NaN)),
        badObject: await attempt(() => s.setAlarm({})),
      };
    }
    if (n === 2) {
      const a = await s.getAlarm();
      return { persisted: typeof a, inFuture: a > Date.now() };
    }
    await s.deleteAlarm();
    return { cleared: await s.getAlarm() };
  }
  alarm() {}
}
export default {
  async fetch(req, env) {
    return Response.json(await env.A.getByName("a").step(Number(new URL(req.url).pathname.slice(1))));
  },
};
