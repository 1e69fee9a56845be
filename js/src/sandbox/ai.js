// The sandbox bundle's ai.js (see js/build): a dynamic worker has no "ai"
// binding of its own (a parent may hand it one as an RPC stub in env).
export function makeAi() {
  throw new Error("An \"ai\" binding is not available in a dynamic worker.");
}
