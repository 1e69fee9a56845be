import { WorkerEntrypoint } from "cloudflare:workers";
export class Helper extends WorkerEntrypoint {
  fetch() { return new Response("named entrypoint"); }
  add(a, b) { return a + b; }
}
export const other = { fetch() { return new Response("other object"); } };
export function util() { return 1; }
export default {
  fetch() {
    return Response.json({ handler: "default", workerEntrypoint: typeof WorkerEntrypoint });
  },
};
