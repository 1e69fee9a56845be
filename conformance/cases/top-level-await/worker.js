const value = await Promise.resolve("ready");
const imported = await import("./helper.js");
export default {
  fetch() {
    return Response.json({ value, helper: imported.greet("tla") });
  },
};
