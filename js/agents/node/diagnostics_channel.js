// node:diagnostics_channel for isola: channels with subscribers, no tracing.
const channels = new Map();
class Channel {
  constructor(name) {
    this.name = name;
    this.subs = new Set();
  }
  get hasSubscribers() {
    return this.subs.size > 0;
  }
  publish(msg) {
    for (const s of this.subs) s(msg, this.name);
  }
  subscribe(fn) {
    this.subs.add(fn);
  }
  unsubscribe(fn) {
    return this.subs.delete(fn);
  }
}
export function channel(name) {
  let c = channels.get(name);
  if (!c) channels.set(name, (c = new Channel(name)));
  return c;
}
export function hasSubscribers(name) {
  return channels.get(name)?.hasSubscribers ?? false;
}
export function subscribe(name, fn) {
  channel(name).subscribe(fn);
}
export function unsubscribe(name, fn) {
  return channel(name).unsubscribe(fn);
}
export function tracingChannel(name) {
  const mk = (s) => channel(`tracing:${name}:${s}`);
  const chans = { start: mk("start"), end: mk("end"), asyncStart: mk("asyncStart"), asyncEnd: mk("asyncEnd"), error: mk("error") };
  return {
    ...chans,
    get hasSubscribers() {
      return Object.values(chans).some((c) => c.hasSubscribers);
    },
    subscribe(h) {
      for (const [k, f] of Object.entries(h)) chans[k]?.subscribe(f);
    },
    unsubscribe(h) {
      for (const [k, f] of Object.entries(h)) chans[k]?.unsubscribe(f);
    },
    traceSync(fn, ctx, thisArg, ...a) {
      return fn.apply(thisArg, a);
    },
    tracePromise(fn, ctx, thisArg, ...a) {
      return fn.apply(thisArg, a);
    },
    traceCallback(fn, pos, ctx, thisArg, ...a) {
      return fn.apply(thisArg, a);
    },
  };
}
export { Channel };
export default { channel, hasSubscribers, subscribe, unsubscribe, tracingChannel, Channel };
