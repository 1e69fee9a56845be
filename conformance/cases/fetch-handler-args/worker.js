export default {
  fetch(request, env, ctx) {
    return Response.json({
      args: arguments.length,
      request: request instanceof Request,
      envType: typeof env,
      ctxWaitUntil: typeof ctx.waitUntil,
      ctxPassThrough: typeof ctx.passThroughOnException,
    });
  },
};
