// serial.js: structured clone's serialize and deserialize (the format RPC
// and storage use) for the modules in the bundles. clone.js itself is a
// lazy module, loaded by the first call.
import { lazy } from "./host.js";

let clone = null;

export function serialize(value, opts) {
  return (clone ??= lazy("clone")).serialize(value, opts);
}

export function deserialize(bytes, opts) {
  return (clone ??= lazy("clone")).deserialize(bytes, opts);
}
