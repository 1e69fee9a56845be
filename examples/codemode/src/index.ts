// Code mode: instead of calling tools one by one, a model writes a small
// program that calls them. This worker takes that program (the POST body:
// an async arrow function such as
//
//   async () => {
//     const w = await tools.getWeather("Lisbon");
//     return `${w.city}: ${w.tempC}°C`;
//   }
//
// ), runs it in a fresh Dynamic Worker through env.LOADER and answers with
// its result as JSON. The sandbox starts with nothing: no network
// (globalOutbound: null), no env, no bindings. The only thing it can reach is
// the Tools object, passed by reference as an RPC stub: each tools.x(...) in
// the snippet is an RPC call back into this worker.
import { RpcTarget } from "cloudflare:workers";

interface Env {
  LOADER: WorkerLoader;
}

const WEATHER: Record<string, { tempC: number; sky: string }> = {
  lisbon: { tempC: 21, sky: "sunny" },
  oslo: { tempC: 4, sky: "snow" },
  paris: { tempC: 14, sky: "cloudy" },
};

const DOCS = [
  { id: 1, title: "Dynamic Workers", text: "Load code at run time with env.LOADER.get or load." },
  { id: 2, title: "Durable Objects", text: "Stateful objects with storage and alarms." },
  { id: 3, title: "Code mode", text: "Let the model write code that calls tools." },
];

// Tools is what the snippet may use. Only its methods are reachable from the
// sandbox; arguments and results are structured-cloned.
class Tools extends RpcTarget {
  calls = 0;

  getWeather(city: string) {
    this.calls++;
    const w = WEATHER[String(city).toLowerCase()];
    if (!w) throw new RangeError(`no weather for ${city}`);
    return { city, ...w };
  }

  search(query: string) {
    this.calls++;
    const q = String(query).toLowerCase();
    return DOCS.filter((d) => (d.title + " " + d.text).toLowerCase().includes(q));
  }

  add(a: number, b: number) {
    this.calls++;
    return a + b;
  }
}

// The dynamic worker: an entrypoint whose evaluate(tools) runs the snippet
// with `tools` in scope and collects console.log output.
const EXECUTOR = `
import { WorkerEntrypoint } from "cloudflare:workers";
import run from "./snippet.js";

export default class Executor extends WorkerEntrypoint {
  async evaluate(tools) {
    const logs = [];
    console.log = (...args) => { logs.push(args.map(String).join(" ")); };
    try {
      return { result: await run(tools), logs };
    } catch (err) {
      return { error: { name: err?.name ?? "Error", message: String(err?.message ?? err) }, logs };
    }
  }
}
`;

function snippetModule(code: string): string {
  return `export default async function run(tools) {\n  return await (\n${code}\n  )();\n}\n`;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== "POST") {
      return new Response("POST a JavaScript snippet: an async arrow function that may call tools.getWeather(city), tools.search(query) and tools.add(a, b).\n", { status: 405 });
    }
    const code = await request.text();
    const worker = env.LOADER.load({
      compatibilityDate: "2025-09-01",
      mainModule: "executor.js",
      modules: { "executor.js": EXECUTOR, "snippet.js": snippetModule(code) },
      globalOutbound: null,
      limits: { cpuMs: 100, subRequests: 50 },
    });
    const tools = new Tools();
    try {
      const out = await worker.getEntrypoint().evaluate(tools);
      return Response.json({ ...out, toolCalls: tools.calls }, { status: out.error ? 422 : 200 });
    } catch (err: any) {
      // The snippet did not load (a syntax error) or hit a limit.
      return Response.json({ error: { name: err?.name ?? "Error", message: String(err?.message ?? err) }, toolCalls: tools.calls }, { status: 400 });
    }
  },
} satisfies ExportedHandler<Env>;
