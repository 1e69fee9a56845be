// AIChatAgent from @cloudflare/ai-chat with the real `ai` SDK and an
// OpenAI-compatible provider, inside isola, against the scripted LLM of
// internal/agents: streaming to every client, persistence, resumable
// streams, cancel, clear and an LLM failing mid-stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatPeer, messages, messageText, until, uniq } from "./helpers.mjs";

test("a reply streams to every connected client and is persisted", async () => {
  const name = uniq("chat");
  const a = await chatPeer(name);
  const b = await chatPeer(name);
  try {
    a.ask("r1", "hello isola world");
    await until(() => a.done("r1"), "a's reply done");
    assert.equal(a.text("r1"), "echo: hello isola world");
    await until(() => b.frames.some((f) => f.type === "cf_agent_chat_messages" && f.messages.length === 2) || b.done("r1"), "b hears of the reply");
    const ms = await messages(name);
    assert.deepEqual(
      ms.map((m) => [m.role, messageText(m)]),
      [
        ["user", "hello isola world"],
        ["assistant", "echo: hello isola world"],
      ],
    );
  } finally {
    a.close();
    b.close();
  }
});

test("a reload mid-reply resumes without loss or duplication; a second tab joins", async () => {
  const name = uniq("resume");
  const words = Array.from({ length: 12 }, (_, i) => `w${i}`).join(" ");
  const want = `echo: ${words}`;
  const a = await chatPeer(name);
  const tab2 = await chatPeer(name);
  try {
    a.ask("r2", `slow 60 ${words}`);
    await until(() => a.responses("r2").filter((f) => f.body?.includes("text-delta")).length >= 3, "first deltas");
    a.close(); // the page reloads mid-stream
    const back = await chatPeer(name);
    try {
      const resuming = await until(() => back.frames.find((f) => f.type === "cf_agent_stream_resuming"), "told a stream is in progress");
      assert.equal(resuming.id, "r2");
      back.send(JSON.stringify({ type: "cf_agent_stream_resume_ack", id: "r2" }));
      await until(() => back.done("r2"), "resumed reply done", 20000);
      assert.equal(back.text("r2"), want, "the reloaded page has the whole reply exactly once");
      await until(() => tab2.done("r2"), "second tab done", 20000);
      assert.equal(tab2.text("r2"), want, "the second tab streamed the same reply");
      const ms = await messages(name);
      assert.equal(messageText(ms.at(-1)), want);
    } finally {
      back.close();
    }
  } finally {
    a.close();
    tab2.close();
  }
});

test("a new connection with no stream in progress is told so", async () => {
  const name = uniq("none");
  const a = await chatPeer(name);
  try {
    a.send(JSON.stringify({ type: "cf_agent_stream_resume_request", probeId: "p1" }));
    const none = await until(() => a.frames.find((f) => f.type === "cf_agent_stream_resume_none"), "resume_none");
    assert.equal(none.probeId, "p1");
  } finally {
    a.close();
  }
});

async function cancelCase(fromOtherSocket) {
  const name = uniq("cancel");
  const a = await chatPeer(name);
  const other = await chatPeer(name);
  try {
    a.ask("r3", `slow 100 ${Array.from({ length: 40 }, (_, i) => `c${i}`).join(" ")}`);
    await until(() => a.responses("r3").filter((f) => f.body?.includes("text-delta")).length >= 2, "first deltas");
    (fromOtherSocket ? other : a).send(JSON.stringify({ type: "cf_agent_chat_request_cancel", id: "r3" }));
    await until(() => a.done("r3"), "cancelled reply done", 10000);
    const partial = a.text("r3");
    assert.ok(partial.startsWith("echo: c0") && !partial.includes("c39"), `partial reply: ${partial}`);
    await until(async () => (await messages(name)).length === 2, "partial reply persisted");
  } finally {
    a.close();
    other.close();
  }
}

test("cancel from another socket (a reloaded page) stops the reply and keeps the partial message", () => cancelCase(true));

test("cancel on the requesting socket stops the reply", () => cancelCase(false));

test("clear empties the history for everyone", async () => {
  const name = uniq("clear");
  const a = await chatPeer(name);
  const b = await chatPeer(name);
  try {
    a.ask("r4", "remember me");
    await until(() => a.done("r4"), "reply");
    await until(async () => (await messages(name)).length === 2, "persisted");
    a.send(JSON.stringify({ type: "cf_agent_chat_clear" }));
    await until(() => b.frames.some((f) => f.type === "cf_agent_chat_clear"), "b told of the clear");
    assert.deepEqual(await messages(name), []);
  } finally {
    a.close();
    b.close();
  }
});

test("an LLM failing mid-stream: the partial reply is kept and the client is told", async () => {
  const name = uniq("fail");
  const a = await chatPeer(name);
  try {
    a.ask("r5", "fail a b c d e f g h");
    const done = await until(() => a.done("r5"), "failed reply ends");
    assert.ok(done.error || done.outcome, `the end frame says what happened: ${JSON.stringify(done)}`);
    assert.ok(a.text("r5").startsWith("echo: fail a"), "partial text reached the client");
    const ms = await until(async () => {
      const m = await messages(name);
      return m.length === 2 && m;
    }, "partial reply persisted");
    assert.ok(messageText(ms[1]).startsWith("echo: fail a"), `persisted: ${messageText(ms[1])}`);
  } finally {
    a.close();
  }
});

test("malformed chat frames are ignored", async () => {
  const name = uniq("badchat");
  const a = await chatPeer(name);
  try {
    a.send(JSON.stringify({ type: "cf_agent_use_chat_request", id: "x", init: { method: "POST", body: "not json" } }));
    a.send(JSON.stringify({ type: "cf_agent_use_chat_request", id: "y", init: { method: "POST" } }));
    a.send(JSON.stringify({ type: "cf_agent_tool_result", toolCallId: 42 }));
    a.send(JSON.stringify({ type: "cf_agent_stream_resume_ack" }));
    a.ask("ok", "still here");
    await until(() => a.done("ok"), "reply after garbage");
    assert.equal(a.text("ok"), "echo: still here");
  } finally {
    a.close();
  }
});

// toolParts returns the tool parts of the assistant messages persisted.
async function toolParts(name) {
  return (await messages(name)).filter((m) => m.role === "assistant").flatMap((m) => m.parts.filter((p) => p.type.startsWith("tool-")));
}

test("a client-side tool: the client's result continues the reply", async () => {
  const name = uniq("tool");
  const a = await chatPeer(name);
  try {
    a.ask("t1", 'tool ask {"question":"favourite colour?"}');
    await until(() => a.done("t1"), "the tool call");
    const call = await until(async () => (await toolParts(name)).find((p) => p.type === "tool-ask"), "tool call persisted");
    assert.equal(call.state, "input-available");
    assert.deepEqual(call.input, { question: "favourite colour?" });
    a.send(JSON.stringify({ type: "cf_agent_tool_result", toolCallId: call.toolCallId, toolName: "ask", output: "green", autoContinue: true }));
    const ms = await until(async () => {
      const m = await messages(name);
      return m.some((x) => x.role === "assistant" && messageText(x).includes("tool said: green")) && m;
    }, "the continuation after the tool result");
    const done = (await toolParts(name)).find((p) => p.toolCallId === call.toolCallId);
    assert.equal(done.state, "output-available");
    assert.equal(done.output, "green");
    assert.ok(ms.length >= 2);
  } finally {
    a.close();
  }
});

test("a tool that needs approval runs once approved", async () => {
  const name = uniq("approve");
  const a = await chatPeer(name);
  try {
    a.ask("t2", "tool secret {}");
    await until(() => a.done("t2"), "the approval request");
    const call = await until(async () => (await toolParts(name)).find((p) => p.type === "tool-secret" && p.state === "approval-requested"), "approval requested");
    a.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: call.toolCallId, approved: true, autoContinue: true }));
    await until(async () => {
      const m = await messages(name);
      return m.some((x) => x.role === "assistant" && messageText(x).includes("tool said: the secret is 42"));
    }, "the tool ran and the reply continued");
  } finally {
    a.close();
  }
});

test("a denied tool does not run", async () => {
  const name = uniq("deny");
  const a = await chatPeer(name);
  try {
    a.ask("t3", "tool secret {}");
    await until(() => a.done("t3"), "the approval request");
    const call = await until(async () => (await toolParts(name)).find((p) => p.type === "tool-secret" && p.state === "approval-requested"), "approval requested");
    a.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: call.toolCallId, approved: false, autoContinue: true }));
    const part = await until(async () => (await toolParts(name)).find((p) => p.toolCallId === call.toolCallId && p.state !== "approval-requested"), "the denial recorded");
    assert.notEqual(part.state, "output-available");
    const all = JSON.stringify(await messages(name));
    assert.ok(!all.includes("the secret is 42"), "the tool never ran");
  } finally {
    a.close();
  }
});
