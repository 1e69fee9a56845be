export default {
  fetch(request, env) {
    return Response.json(Object.fromEntries(Object.keys(env).sort().map((k) => [k, [typeof env[k], Array.isArray(env[k]), env[k]]])));
  },
};
