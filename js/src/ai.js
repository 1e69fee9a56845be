// ai.js: the "ai" binding. On isola env.AI forwards to an OpenAI-compatible
// chat completions endpoint named in the config (ai.base_url), so agents
// written for Workers AI run against a self-hosted or any hosted model.
// run(model, inputs, options) takes Workers AI text-generation inputs
// ({messages} or {prompt}, stream, max_tokens, temperature, tools...) and
// answers in Workers AI's shape: {response, tool_calls, usage}, or with
// stream: true a ReadableStream of `data: {"response": "..."}` events
// ending with `data: [DONE]`.
import { utf8Encode } from "./streams.js";

function toToolCalls(calls) {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  return calls.map((c) => {
    let args = c.function?.arguments;
    try {
      args = typeof args === "string" ? JSON.parse(args) : args;
    } catch {}
    return { id: c.id, name: c.function?.name, arguments: args };
  });
}

export class Ai {
  #baseURL;
  #apiKey;
  #model;
  constructor({ baseURL, apiKey, model }) {
    this.#baseURL = String(baseURL ?? "").replace(/\/+$/, "");
    this.#apiKey = apiKey || "";
    this.#model = model || "";
  }

  // endpoint is the base URL, for OpenAI-compatible SDK providers.
  get endpoint() {
    return this.#baseURL;
  }

  async run(model, inputs = {}, options = {}) {
    if (!this.#baseURL) {
      throw new Error("AI binding: no ai.base_url in the config; isola forwards env.AI.run to an OpenAI-compatible endpoint (see docs/agents.md)");
    }
    if (typeof model !== "string" || model === "") throw new TypeError("AI.run: the first argument must be a model name");
    const { messages, prompt, stream, ...rest } = inputs ?? {};
    const body = {
      ...rest,
      model: this.#model || model,
      messages: messages ?? [{ role: "user", content: String(prompt ?? "") }],
      stream: !!stream,
    };
    const headers = { "content-type": "application/json" };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const res = await fetch(`${this.#baseURL}/chat/completions`, { method: "POST", headers, body: JSON.stringify(body), signal: options?.signal });
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      throw new Error(`AI binding: ${res.status} ${res.statusText} from ${this.#baseURL}: ${text.slice(0, 500)}`);
    }
    if (!stream) {
      const j = await res.json();
      const msg = j.choices?.[0]?.message ?? {};
      const out = { response: msg.content ?? "" };
      const tc = toToolCalls(msg.tool_calls);
      if (tc) out.tool_calls = tc;
      if (j.usage) out.usage = j.usage;
      return out;
    }
    return res.body.pipeThrough(sseToWorkersAI());
  }
}

// sseToWorkersAI turns OpenAI chat.completion.chunk events into Workers AI
// stream events.
function sseToWorkersAI() {
  const decoder = new TextDecoder();
  let buf = "";
  let done = false;
  const emit = (controller, obj) => controller.enqueue(utf8Encode(`data: ${JSON.stringify(obj)}\n\n`));
  const line = (controller, l) => {
    if (!l.startsWith("data:")) return;
    const data = l.slice(5).trim();
    if (data === "[DONE]") {
      if (!done) controller.enqueue(utf8Encode("data: [DONE]\n\n"));
      done = true;
      return;
    }
    let j;
    try {
      j = JSON.parse(data);
    } catch {
      return;
    }
    const delta = j.choices?.[0]?.delta ?? {};
    const ev = { response: delta.content ?? "" };
    const tc = toToolCalls(delta.tool_calls);
    if (tc) ev.tool_calls = tc;
    if (j.usage) ev.usage = j.usage;
    if (ev.response !== "" || ev.tool_calls || ev.usage) emit(controller, ev);
  };
  return new TransformStream({
    transform(chunk, controller) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        line(controller, buf.slice(0, i).replace(/\r$/, ""));
        buf = buf.slice(i + 1);
      }
    },
    flush(controller) {
      if (buf) line(controller, buf);
      if (!done) controller.enqueue(utf8Encode("data: [DONE]\n\n"));
    },
  });
}

export function makeAi(desc) {
  return new Ai(desc ?? {});
}
