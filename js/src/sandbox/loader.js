// The sandbox bundle's loader.js (see js/build): a dynamic worker has no
// worker_loaders binding of its own, so the parent side of Dynamic Workers
// is left out of its runtime (the sandbox side is dynamic.js).
export function makeLoader() {
  throw new Error("A worker_loaders binding is not available in a dynamic worker.");
}
