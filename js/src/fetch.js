// fetch.js: the global fetch(). The HTTP exchange runs in Go
// ("fetch.start", net/http); the request body goes as one buffer or is
// pumped through a Go pipe, and the response body stays in Go until read.
import { call, callAsync } from "./host.js";
import { Request, dataURLResponse, goBody, headerList, makeFetchResponse, requestParts } from "./http.js";

let nextFetch = 1;

export async function fetch(input, init = undefined) {
  const req = new Request(input, init);
  const p = requestParts(req);
  const signal = p.signal;
  if (signal && signal.aborted) throw signal.reason;
  const url = p.url;
  const colon = url.indexOf(":");
  const scheme = colon < 0 ? "" : url.slice(0, colon).toLowerCase();
  if (scheme === "data") return dataURLResponse(url);
  if (scheme !== "http" && scheme !== "https") throw new TypeError("Fetch API cannot load: " + url);

  const id = nextFetch++;
  const body = goBody(p.body);
  let listening = false;
  const onAbort = () => {
    try {
      call("fetch.abort", id);
    } catch {
      // the fetch already finished
    }
  };
  const done = () => {
    if (listening) {
      listening = false;
      signal.removeEventListener("abort", onAbort);
    }
  };
  if (signal && typeof signal.addEventListener === "function") {
    signal.addEventListener("abort", onAbort);
    listening = true;
  }
  let r;
  try {
    r = await callAsync("fetch.start", {
      id,
      method: p.method,
      url,
      headers: headerList(p.headers),
      redirect: p.redirect,
      body: body.body,
      stream: body.stream,
      length: body.length,
    });
  } catch (e) {
    done();
    if (signal && signal.aborted) throw signal.reason;
    throw e;
  }
  if (signal && signal.aborted) {
    done();
    if (r.body != null) call("fetch.bodyCancel", r.body);
    throw signal.reason;
  }
  return makeFetchResponse(r, signal, done);
}

Object.defineProperty(globalThis, "fetch", { value: fetch, writable: true, configurable: true });
