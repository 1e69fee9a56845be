# workerd side of the loader's differential test (differential_test.go
# copies this folder and runs `workerd serve --experimental config.capnp`).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [ (name = "parent.js", esModule = embed "parent.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "LOADER", workerLoader = (id = "differential")) ],
);
