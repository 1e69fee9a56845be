// console.js: console.* formatted here, printed by the host ("console.log").
import { call } from "./host.js";

function inspect(v, depth, seen) {
  switch (typeof v) {
    case "string":
      return depth === 0 ? v : JSON.stringify(v);
    case "number":
    case "boolean":
    case "undefined":
    case "symbol":
      return String(v);
    case "bigint":
      return v + "n";
    case "function":
      return v.name ? `[Function: ${v.name}]` : "[Function (anonymous)]";
  }
  if (v === null) return "null";
  if (v instanceof Error) return v.stack ? `${v.name}: ${v.message}\n${v.stack}`.trimEnd() : `${v.name}: ${v.message}`;
  if (seen.has(v)) return "[Circular]";
  if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
  seen.add(v);
  try {
    if (Array.isArray(v)) return "[ " + v.map((x) => inspect(x, depth + 1, seen)).join(", ") + " ]";
    if (v instanceof Map) return `Map(${v.size}) { ` + [...v].map(([k, x]) => inspect(k, depth + 1, seen) + " => " + inspect(x, depth + 1, seen)).join(", ") + " }";
    if (v instanceof Set) return `Set(${v.size}) { ` + [...v].map((x) => inspect(x, depth + 1, seen)).join(", ") + " }";
    if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length ?? v.byteLength}) [ ${Array.from(v.length !== undefined ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).slice(0, 50).join(", ")} ]`;
    const name = v.constructor && v.constructor !== Object && v.constructor.name ? v.constructor.name + " " : "";
    const keys = Object.keys(v);
    if (keys.length === 0) return name + "{}";
    return name + "{ " + keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v[k], depth + 1, seen)}`).join(", ") + " }";
  } finally {
    seen.delete(v);
  }
}

export function format(args) {
  let out = [];
  let i = 0;
  if (typeof args[0] === "string" && args[0].includes("%")) {
    let s = args[0].replace(/%[sdifoOjc%]/g, (m) => {
      if (m === "%%") return "%";
      if (i + 1 >= args.length) return m;
      const a = args[++i];
      switch (m) {
        case "%s": return typeof a === "string" ? a : inspect(a, 1, new Set());
        case "%d": case "%i": return String(parseInt(a));
        case "%f": return String(parseFloat(a));
        case "%c": return "";
        default: return inspect(a, 1, new Set());
      }
    });
    out.push(s);
    i++;
  }
  for (; i < args.length; i++) out.push(inspect(args[i], 0, new Set()));
  return out.join(" ");
}

const counts = new Map();
const timersStart = new Map();
function emit(level, args) {
  call("console.log", level, format(args));
}

globalThis.console = {
  log: (...a) => emit("log", a),
  info: (...a) => emit("info", a),
  debug: (...a) => emit("debug", a),
  warn: (...a) => emit("warn", a),
  error: (...a) => emit("error", a),
  trace: (...a) => emit("trace", [...a, new Error().stack]),
  assert: (cond, ...a) => { if (!cond) emit("error", ["Assertion failed" + (a.length ? ":" : ""), ...a]); },
  count: (label = "default") => { const n = (counts.get(label) ?? 0) + 1; counts.set(label, n); emit("log", [`${label}: ${n}`]); },
  countReset: (label = "default") => counts.delete(label),
  time: (label = "default") => timersStart.set(label, Date.now()),
  timeEnd: (label = "default") => { const t = timersStart.get(label); if (t !== undefined) { timersStart.delete(label); emit("log", [`${label}: ${Date.now() - t}ms`]); } },
  timeLog: (label = "default", ...a) => { const t = timersStart.get(label); if (t !== undefined) emit("log", [`${label}: ${Date.now() - t}ms`, ...a]); },
  table: (...a) => emit("log", a),
  dir: (v) => emit("log", [v]),
  group: (...a) => a.length && emit("log", a),
  groupEnd: () => {},
};
