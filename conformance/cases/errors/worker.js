class AppError extends Error {
  constructor(msg, opts) { super(msg, opts); this.name = "AppError"; this.code = 42; }
}
export default {
  fetch() {
    const e = new AppError("app failed", { cause: new TypeError("root") });
    const agg = new AggregateError([new Error("a"), new RangeError("b")], "many");
    const builtins = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map((C) => { const x = new C("m"); return [x.name, x.message, String(x), x instanceof Error]; });
    let ref;
    try { undefinedVariable; } catch (err) { ref = [err.name, err instanceof ReferenceError]; }
    let typ;
    try { null.x; } catch (err) { typ = err.name; }
    let uri;
    try { decodeURIComponent("%"); } catch (err) { uri = err.name; }
    let range;
    try { new Array(-1); } catch (err) { range = err.name; }
    return Response.json({
      app: [e.name, e.message, e.code, String(e), e instanceof AppError, e instanceof Error, e.cause.name, e.cause.message, typeof e.stack],
      agg: [agg.name, agg.message, agg.errors.map((x) => x.name)],
      builtins, ref, typ, uri, range,
      noMessage: [new Error().message, String(new Error()), new Error(undefined).hasOwnProperty("message")],
      dom: [new DOMException("m", "NotFoundError").code, new DOMException("m").name, new DOMException("x", "SyntaxError") instanceof Error],
      captureStackTrace: typeof Error.captureStackTrace,
    });
  },
};
