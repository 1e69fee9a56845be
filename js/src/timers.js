// timers.js: setTimeout/setInterval/clear*, queueMicrotask.
// The Go side keeps the timer heap ("timer.set", "timer.clear"); when a timer
// is due the engine calls the fire hook with its id.
import { call } from "./host.js";

const timers = new Map(); // id -> { fn, args, repeat }
let nextId = 1;

function set(fn, ms, args, repeat) {
  if (typeof fn !== "function") throw new TypeError("The \"callback\" argument must be of type function.");
  ms = Number(ms);
  if (!(ms >= 0)) ms = 0;
  const id = nextId++;
  timers.set(id, { fn, args, repeat: repeat ? ms : -1 });
  call("timer.set", id, ms);
  return id;
}

function clear(id) {
  if (typeof id !== "number") return;
  if (timers.delete(id)) call("timer.clear", id);
}

export function fire(id) {
  const t = timers.get(id);
  if (!t) return;
  if (t.repeat >= 0) call("timer.set", id, t.repeat);
  else timers.delete(id);
  t.fn(...t.args);
}

globalThis.setTimeout = (fn, ms, ...args) => set(fn, ms, args, false);
globalThis.setInterval = (fn, ms, ...args) => set(fn, ms, args, true);
globalThis.clearTimeout = clear;
globalThis.clearInterval = clear;
globalThis.queueMicrotask = (fn) => {
  if (typeof fn !== "function") throw new TypeError("The \"callback\" argument must be of type function.");
  Promise.resolve().then(fn);
};
