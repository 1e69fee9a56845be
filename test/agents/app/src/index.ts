import { Agent, callable, routeAgentRequest, getAgentByName, getCurrentAgent, type Connection, type ConnectionContext, type StreamingResponse } from "agents";
import { AIChatAgent } from "@cloudflare/ai-chat";
import { McpAgent } from "agents/mcp";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { streamText, convertToModelMessages, tool, stepCountIs } from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { z } from "zod";

type Env = { Counter: DurableObjectNamespace<Counter>; Chat: DurableObjectNamespace<Chat>; Tools: DurableObjectNamespace<Tools>; LLM_URL: string };
type CounterState = { count: number; note?: string; blob?: string };

export class Counter extends Agent<Env, CounterState> {
  initialState: CounterState = { count: 0 };

  validateStateChange(next: CounterState, source: Connection | "server") {
    if (next.count < 0) throw new Error("count must not be negative");
  }

  changes: string[] = [];
  onStateChanged(state: CounterState, source: Connection | "server") {
    this.changes.push(`${state.count}:${source === "server" ? "server" : "client"}`);
  }

  @callable()
  changeLog() {
    return this.changes;
  }

  @callable()
  inc(by = 1) {
    this.setState({ ...this.state, count: this.state.count + by });
    return this.state.count;
  }

  @callable()
  fail(msg: string) {
    throw new Error(msg);
  }

  @callable({ streaming: true })
  async countTo(stream: StreamingResponse, n: number) {
    for (let i = 1; i <= n; i++) {
      stream.send(i);
      await new Promise((r) => setTimeout(r, 5));
    }
    stream.end("done");
  }

  @callable()
  bigState(bytes: number) {
    this.setState({ ...this.state, blob: "x".repeat(bytes) });
    return this.state.blob!.length;
  }

  notCallable() {
    return "secret";
  }

  @callable()
  sqlRoundTrip(v: string) {
    this.sql`CREATE TABLE IF NOT EXISTS notes (v TEXT)`;
    this.sql`INSERT INTO notes (v) VALUES (${v})`;
    return this.sql<{ v: string }>`SELECT v FROM notes ORDER BY rowid`.map((r) => r.v);
  }

  // --- scheduling
  @callable()
  async scheduleIn(seconds: number, payload: string) {
    const s = await this.schedule(seconds, "tick", payload);
    return s.id;
  }

  @callable()
  async scheduleAt(ms: number, payload: string) {
    return (await this.schedule(new Date(ms), "tick", payload)).id;
  }

  @callable()
  async scheduleCron(cron: string) {
    return (await this.schedule(cron, "tick", "cron")).id;
  }

  @callable()
  async every(seconds: number) {
    return (await this.scheduleEvery(seconds, "tick", "every")).id;
  }

  @callable()
  listSchedules() {
    return this.getSchedules().map((s) => ({ id: s.id, type: s.type, callback: s.callback, payload: s.payload }));
  }

  @callable()
  async cancel(id: string) {
    return await this.cancelSchedule(id);
  }

  @callable()
  async enqueue(payload: string) {
    return await this.queue("tick", payload);
  }

  async tick(payload: string) {
    this.setState({ ...this.state, count: this.state.count + 1, note: payload });
  }

  async onRequest(req: Request) {
    return Response.json({ state: this.state, name: this.name });
  }

  // --- connections
  getConnectionTags(conn: Connection, ctx: ConnectionContext) {
    return ["role-" + (new URL(ctx.request.url).searchParams.get("role") ?? "guest")];
  }

  onConnect(conn: Connection, ctx: ConnectionContext) {
    conn.setState({ role: new URL(ctx.request.url).searchParams.get("role") ?? "guest" });
  }

  @callable()
  async whoami() {
    await new Promise((r) => setTimeout(r, 1)); // the context survives awaits
    const { agent, connection } = getCurrentAgent();
    return { same: agent === this, id: connection?.id, state: connection?.state };
  }

  @callable()
  count(tag?: string) {
    return [...this.getConnections(tag)].length;
  }

  @callable()
  shout(msg: string) {
    const { connection } = getCurrentAgent();
    this.broadcast(JSON.stringify({ type: "shout", msg }), connection ? [connection.id] : []);
  }

  @callable()
  async wipe() {
    await this.destroy();
  }
}

export class Chat extends AIChatAgent<Env> {
  async onChatMessage(onFinish: any, options?: any) {
    const provider = createOpenAICompatible({ name: "local", baseURL: this.env.LLM_URL });
    const result = streamText({
      model: provider.chatModel("scripted"),
      messages: await convertToModelMessages(this.messages),
      tools: {
        // Runs in the browser: the client sends its output back.
        ask: tool({ description: "Ask the user", inputSchema: z.object({ question: z.string() }) }),
        // Runs here once the user approved it.
        secret: tool({
          description: "Read the secret",
          inputSchema: z.object({}),
          needsApproval: true,
          execute: async () => "the secret is 42",
        }),
      },
      stopWhen: stepCountIs(4),
      onFinish,
      abortSignal: options?.abortSignal,
    });
    return result.toUIMessageStreamResponse();
  }
}

export class Tools extends McpAgent<Env, { calls: number }> {
  server = new McpServer({ name: "isola-test", version: "1.0.0" });
  initialState = { calls: 0 };

  async init() {
    this.server.tool("add", "Add two numbers", { a: z.number(), b: z.number() }, async ({ a, b }) => {
      this.setState({ calls: this.state.calls + 1 });
      return { content: [{ type: "text", text: String(a + b) }] };
    });
    this.server.tool("calls", "How many calls so far", {}, async () => ({ content: [{ type: "text", text: String(this.state.calls) }] }));
    this.server.resource("greeting", "memo://greeting", async (uri) => ({ contents: [{ uri: uri.href, text: "hello from isola" }] }));
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/mcp")) return Tools.serve("/mcp", { binding: "Tools" }).fetch(request, env, ctx);
    if (url.pathname.startsWith("/sse")) return Tools.serveSSE("/sse", { binding: "Tools" }).fetch(request, env, ctx);
    if (url.pathname === "/direct") {
      const stub = await getAgentByName(env.Counter, url.searchParams.get("name") ?? "direct");
      return Response.json({ count: await (stub as any).inc(2) });
    }
    return (await routeAgentRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
};
