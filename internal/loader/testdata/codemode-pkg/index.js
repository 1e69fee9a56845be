// The real @cloudflare/codemode package (installed by npm ci at the repo
// root) running its DynamicWorkerExecutor on isola's LOADER, unchanged.
import { DynamicWorkerExecutor } from "@cloudflare/codemode";

const fns = {
  getWeather: async ({ city }) => ({ city, tempC: city === "Oslo" ? 4 : 21 }),
  add: async (a, b) => a + b,
  fail: async () => {
    throw new Error("tool failed");
  },
  bytes: async () => new Uint8Array([1, 2, 3]),
};

export default {
  async fetch(request, env) {
    const executor = new DynamicWorkerExecutor({ loader: env.LOADER, timeout: 1000 });
    const code = await request.text();
    const out = await executor.execute(code, [{ name: "codemode", fns }]);
    return Response.json(out);
  },
};
