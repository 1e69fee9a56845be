// The virtual module "cloudflare:workers" user code imports. Its values are
// provided by the runtime bundle (js/src/worker.js).
const w = globalThis[Symbol.for("isola.workers")];
export const WorkerEntrypoint = w.WorkerEntrypoint;
export const DurableObject = w.DurableObject;
export const RpcTarget = w.RpcTarget;
export const WorkflowEntrypoint = w.WorkflowEntrypoint;
export const env = w.env;
// ctx.exports-style loopback bindings (used by the agents package); empty
// unless the runtime provides them.
export const exports = w.exports ?? {};
export function waitUntil(promise) {
  w.waitUntil(promise);
}
export default { WorkerEntrypoint, DurableObject, RpcTarget, WorkflowEntrypoint, env, exports, waitUntil };
