import double, { counter, bump, NAME } from "./lib.js";
import * as ns from "./lib.js";
export default {
  fetch() {
    bump();
    bump();
    return Response.json({ double: double(21), counter, viaNamespace: ns.counter, NAME, keys: Object.keys(ns).sort(), tag: Object.prototype.toString.call(ns) });
  },
};
