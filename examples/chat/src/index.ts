import { routeAgentRequest } from "agents";
import { AIChatAgent } from "@cloudflare/ai-chat";
import { streamText, convertToModelMessages } from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import page from "./index.html";

type Env = { Chat: DurableObjectNamespace; LLM_URL: string; MODEL: string; LLM_API_KEY?: string };

// One Chat agent per room: its messages live in the agent's SQLite database.
export class Chat extends AIChatAgent<Env> {
  async onChatMessage(onFinish: any, options?: { abortSignal?: AbortSignal }) {
    const llm = createOpenAICompatible({ name: "llm", baseURL: this.env.LLM_URL, apiKey: this.env.LLM_API_KEY });
    const result = streamText({
      model: llm.chatModel(this.env.MODEL),
      system: "You are a helpful assistant. Answer briefly.",
      messages: await convertToModelMessages(this.messages),
      onFinish,
      abortSignal: options?.abortSignal,
    });
    return result.toUIMessageStreamResponse();
  }
}

export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    if (url.pathname === "/") return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    return (await routeAgentRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
};
