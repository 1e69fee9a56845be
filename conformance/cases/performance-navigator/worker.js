export default {
  async fetch() {
    const a = performance.now();
    await new Promise((r) => setTimeout(r, 5));
    const b = performance.now();
    return Response.json({
      nowType: typeof a, monotonic: b >= a, timeOriginType: typeof performance.timeOrigin,
      userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, language: navigator.language,
    });
  },
};
