// Shared helpers of the agents integration tests. ISOLA_URL names the
// `isola dev` server serving ./app (internal/agents' Go test starts it).
import { AgentClient } from "agents/client";
import WebSocket from "ws";

export const base = process.env.ISOLA_URL;
if (!base) throw new Error("ISOLA_URL is not set: run these tests through `go test ./internal/agents`");
export const host = new URL(base).host;

// client opens an AgentClient and resolves once the first state arrived.
export async function client(agent, name, opts = {}) {
  const states = [];
  const errors = [];
  let first;
  const ready = new Promise((r) => (first = r));
  const c = new AgentClient({
    agent,
    name,
    host,
    WebSocket,
    onStateUpdate: (s, source) => {
      states.push(s);
      first();
    },
    onStateUpdateError: (e) => errors.push(e),
    ...opts,
  });
  c.states = states;
  c.stateErrors = errors;
  await withTimeout(ready, 10000, `first state of ${agent}/${name}`);
  return c;
}

export function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

// until polls fn until it returns a truthy value.
export async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function uniq(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

// raw opens a bare WebSocket to an agent and collects parsed messages.
export async function raw(agent, name) {
  const ws = new WebSocket(`ws://${host}/agents/${agent}/${name}`);
  const msgs = [];
  ws.on("message", (d, isBinary) => {
    try {
      msgs.push(JSON.parse(d.toString()));
    } catch {
      msgs.push({ raw: d.toString() });
    }
  });
  await new Promise((res, rej) => {
    ws.once("open", res);
    ws.once("error", rej);
  });
  ws.msgs = msgs;
  ws.sendJSON = (o) => ws.send(JSON.stringify(o));
  return ws;
}

// chatPeer connects an AgentClient to a chat agent and records every
// protocol frame it receives. Chat frames are sent as the agents package's
// WebSocketChatTransport sends them.
export async function chatPeer(name) {
  const frames = [];
  const c = new AgentClient({ agent: "chat", name, host, WebSocket });
  c.addEventListener("message", (e) => {
    try {
      frames.push(JSON.parse(typeof e.data === "string" ? e.data : e.data.toString()));
    } catch {}
  });
  await withTimeout(new Promise((r) => c.addEventListener("open", r, { once: true })), 10000, "chat socket open");
  c.frames = frames;
  c.ask = (id, text, history = []) =>
    c.send(
      JSON.stringify({
        type: "cf_agent_use_chat_request",
        id,
        init: {
          method: "POST",
          body: JSON.stringify({ messages: [...history, { id: `u-${id}`, role: "user", parts: [{ type: "text", text }] }], trigger: "submit-message" }),
        },
      }),
    );
  c.responses = (id) => frames.filter((f) => f.type === "cf_agent_use_chat_response" && f.id === id);
  c.done = (id) => c.responses(id).find((f) => f.done);
  c.text = (id) => replyText(c.responses(id));
  return c;
}

// replyText joins the text deltas of a reply's response frames.
export function replyText(frames) {
  let s = "";
  for (const f of frames) {
    if (!f.body) continue;
    const chunk = JSON.parse(f.body);
    if (chunk.type === "text-delta") s += chunk.delta;
  }
  return s;
}

// messages reads a chat agent's persisted messages over HTTP, as the
// agents React hook does on load.
export async function messages(name) {
  const r = await fetch(`${base}/agents/chat/${name}/get-messages`);
  if (!r.ok) throw new Error(`get-messages: ${r.status} ${await r.text()}`);
  return r.json();
}

export function messageText(m) {
  return m.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
}
