// Package fetch is the Go half of fetch(), Request/Response bodies and
// FormData parsing (the JS half is js/src/streams.js, blob.js, formdata.js,
// http.js and fetch.js). It owns the body streams that cross the bridge, the
// outbound HTTP client, and the inbound exchange the worker server uses. It
// knows nothing of workers, routing or limits.
//
// # Body streams
//
// A body that lives in Go crosses the bridge as a number, the id of a
// stream in a process-wide registry; each stream belongs to one runtime (the
// HostSet's per-runtime state, claimed on first use) and no other runtime can
// reach it. A source (Go to JS) is pulled with callAsync("fetch.bodyRead",
// id, max) or read whole with callAsync("fetch.bodyReadAll", id, asText); a
// pipe (JS to Go) is pushed with callAsync("fetch.bodyWrite", id, chunk),
// which settles only once Go has read the chunk (back-pressure), and ended
// with call("fetch.bodyClose", id, errorMessageOrNull).
//
// # Outbound: fetch()
//
// fetch.start sends the request with net/http on a Transport of this
// package (Options.Transport replaces it) and returns at the response head;
// the response body stays in Go as a source. Redirects follow workerd:
// "follow" (at most 20) or "manual" ("error" is a TypeError at Request
// construction, as in workerd); a 307/308 with a streamed body is a
// TypeError. Abort cancels the request's context, which fails a pending
// body read; JS then rejects with the signal's reason. Transport failures
// are Error("Network connection lost.").
//
// # Inbound: the exchange bridge
//
// The worker server turns each *http.Request into an Exchange and hands it
// to the runtime (runtime JS reaches the hooks as
// globalThis.__isola_hooks.http, taken by the engine at boot, or by
// importing toJSRequest/fromJSResponse from js/src/http.js):
//
//	x, err := fetch.NewExchange(r)   // ErrBadRequest -> answer 400
//	defer x.Close()                  // after the response was written
//	v, err := rt.Call(ctx, "worker.fetch", entrypoint, x.Init(), props)
//	//   JS: req = http.request(init)         // toJSRequest
//	//       resp = await userFetch(req, env, ctx)
//	//       return http.response(resp)       // fromJSResponse (async)
//	resp, err := x.Response(v)
//	err = resp.Write(w, r.Method == "HEAD")
//	var se *fetch.StreamError
//	if errors.As(err, &se) { panic(http.ErrAbortHandler) } // JS stream failed
//
// x.Init() is {method, url, headers: [[lower-case name, value]...], body:
// id | text | nil}; x.Wire() is the same as one string, which the bridge
// passes without JSON, and the hook may answer it with a compact string too
// (the worker server uses this pair; see Exchange.Wire and
// Exchange.Response). A body of known length up to 16 KiB that is valid
// UTF-8 is read by NewExchange and crosses as text; any other body is not
// read until JS asks (request.text() is one host call; request.body is
// pulled chunk by chunk). The JS Request has immutable headers, as in
// workerd, and makes its Headers object only when the worker touches it.
//
// The response hook returns {status, statusText, headers: [[name,
// value]...], body: string | Uint8Array | null, stream: id | null, length:
// number | null, webSocket}. A Response built from a string, bytes, a Blob,
// FormData or URLSearchParams comes back whole in body (no stream is made);
// one built from a ReadableStream comes back as a pipe id that JS keeps
// pumping after the hook returned, and Response.Body reads it, a chunk at a
// time, with back-pressure. A Response whose body is an untouched Go body (a
// fetch() response or the request body passed straight through) hands back
// that body's own id, so a proxy copies nothing through JS. If the JS stream
// errors, Response.Body.Read returns a *StreamError ("Name: message"); if Go
// closes Response.Body early (the client went away), the JS stream is
// cancelled. length is set for a FixedLengthStream and becomes
// Content-Length. webSocket is the JS object of an upgrade response (only
// meaningful to JS callers of the hook).
package fetch
