import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  fetch(request) {
    return Response.json({ env: this.env.NAME, ctx: typeof this.ctx.waitUntil, url: new URL(request.url).pathname });
  }
}
