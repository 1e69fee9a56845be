// McpAgent from agents/mcp with the real @modelcontextprotocol/sdk
// McpServer inside isola, driven by the official SDK client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { base } from "./helpers.mjs";

async function connect(transport) {
  const client = new Client({ name: "isola-test-client", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

const text = (r) => r.content.map((c) => c.text).join("");

test("streamable HTTP: initialize, tools, resources, session state", async () => {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
  const client = await connect(transport);
  try {
    assert.equal(client.getServerVersion().name, "isola-test");
    assert.ok(transport.sessionId, "the server assigned a session");
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "calls"]);
    assert.equal(text(await client.callTool({ name: "add", arguments: { a: 2, b: 40 } })), "42");
    assert.equal(text(await client.callTool({ name: "add", arguments: { a: 1, b: 1 } })), "2");
    assert.equal(text(await client.callTool({ name: "calls", arguments: {} })), "2", "state kept in the session's object");
    const res = await client.readResource({ uri: "memo://greeting" });
    assert.equal(res.contents[0].text, "hello from isola");
    const bad = await client.callTool({ name: "add", arguments: { a: "x" } });
    assert.equal(bad.isError, true, "invalid arguments are a tool error");
    const unknown = await client.callTool({ name: "nope", arguments: {} });
    assert.equal(unknown.isError, true, "an unknown tool is a tool error");
    assert.match(text(unknown), /nope/);
  } finally {
    await client.close();
  }
});

test("streamable HTTP: a dropped connection resumes the same session", async () => {
  const t1 = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
  const c1 = await connect(t1);
  const sessionId = t1.sessionId;
  await c1.callTool({ name: "add", arguments: { a: 1, b: 2 } });
  // Drop the client without ending the session, then come back with its id.
  await t1.close();
  const t2 = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { sessionId });
  const c2 = new Client({ name: "isola-test-client", version: "1.0.0" });
  await c2.connect(t2);
  try {
    assert.equal(t2.sessionId, sessionId);
    assert.equal(text(await c2.callTool({ name: "calls", arguments: {} })), "1", "the session's state survived");
  } finally {
    await t2.terminateSession().catch(() => {});
    await c2.close();
  }
});

test("SSE transport", async () => {
  const client = await connect(new SSEClientTransport(new URL(`${base}/sse`)));
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === "add"));
    assert.equal(text(await client.callTool({ name: "add", arguments: { a: 20, b: 22 } })), "42");
  } finally {
    await client.close();
  }
});

test("malformed MCP requests get JSON-RPC errors", async () => {
  const r = await fetch(`${base}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: "{not json" });
  assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  const r2 = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  assert.ok(r2.status >= 400 && r2.status < 500, `a request without a session: status ${r2.status}`);
});
