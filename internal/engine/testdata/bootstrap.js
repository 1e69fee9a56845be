// The engine's own slice of the runtime bundle, for the engine's tests: the
// bridge, timers and console, without any Web API (those need host
// functions from internal/webapi).
import * as host from "../../../js/src/host.js";
import { fire } from "../../../js/src/timers.js";
import "../../../js/src/console.js";

host.register("eval", (src) => (0, eval)(src));
globalThis.__t = { call: host.call, callAsync: host.callAsync };
globalThis.__isola_hooks = { invoke: host.invoke, settle: host.settle, timer: fire };
