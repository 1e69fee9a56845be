export default {
  fetch(request, env) {
    let mutated;
    try { env.NEW = 1; mutated = env.NEW; } catch (e) { mutated = "threw " + e.name; }
    return Response.json({ globalVar: typeof globalThis.GREETING, value: env.GREETING, mutated, process: typeof process });
  },
};
