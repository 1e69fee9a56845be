const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const e = new Event("ping", { bubbles: true, cancelable: true, composed: true });
    const c = new CustomEvent("data", { detail: { n: 1 } });
    const before = e.defaultPrevented;
    e.preventDefault();
    return Response.json({
      event: { type: e.type, bubbles: e.bubbles, cancelable: e.cancelable, composed: e.composed, before, defaultPrevented: e.defaultPrevented,
        isTrusted: e.isTrusted, eventPhase: e.eventPhase, target: e.target, timeStampType: typeof e.timeStamp, constants: [Event.NONE, Event.AT_TARGET] },
      custom: { type: c.type, detail: c.detail, noDetail: new CustomEvent("x").detail, isEvent: c instanceof Event },
      noType: attempt(() => new Event()),
      tag: Object.prototype.toString.call(e),
    });
  },
};
