interface Env {
  GREETING: string;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response(`${env.GREETING} from isola! Try /json, /echo (POST) or /time.\n`);
      case "/json":
        return Response.json({ greeting: env.GREETING, path: url.pathname, query: Object.fromEntries(url.searchParams) });
      case "/echo":
        return new Response(request.body, { headers: { "content-type": request.headers.get("content-type") ?? "text/plain" } });
      case "/time":
        ctx.waitUntil(Promise.resolve().then(() => console.log("served /time")));
        return new Response(new Date().toISOString() + "\n");
      default:
        return new Response("not found\n", { status: 404 });
    }
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    console.log("cron", controller.cron);
  },
} satisfies ExportedHandler<Env>;
