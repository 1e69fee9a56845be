// The sandbox bundle's actor.js (see js/build): a dynamic worker has no
// Durable Object bindings of its own, and no object runs in its runtime, so
// the Durable Object runtime (actor.js, actor_ws.js) is left out of it.
export function makeNamespace() {
  throw new Error("Durable Object bindings are not available in a dynamic worker.");
}
