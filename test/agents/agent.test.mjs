// The real agents/client against agents served by isola: state sync, RPC,
// streaming, errors, reconnects and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { base, client, raw, until, uniq } from "./helpers.mjs";

test("two clients see each other's state changes", async () => {
  const name = uniq("sync");
  const a = await client("counter", name);
  const b = await client("counter", name);
  try {
    assert.deepEqual(a.state ?? a.states.at(-1), { count: 0 });
    a.setState({ count: 5 });
    await until(() => b.states.some((s) => s.count === 5), "b sees a's update");
    assert.equal(await b.call("inc", [2]), 7);
    await until(() => a.states.some((s) => s.count === 7), "a sees b's rpc");
    assert.deepEqual(await a.call("changeLog", []), ["0:server", "5:client", "7:server"], "onStateChanged sees the initial state and each change with its source");
  } finally {
    a.close();
    b.close();
  }
});

test("rpc results, errors and streaming", async () => {
  const name = uniq("rpc");
  const a = await client("counter", name);
  try {
    assert.equal(await a.call("inc", [3]), 3);
    await assert.rejects(a.call("fail", ["boom"]), /boom/);
    await assert.rejects(a.call("notCallable", []), /not callable/i);
    await assert.rejects(a.call("noSuchMethod", []), /not|callable|exist/i);
    assert.equal(await a.call("inc", [1]), 4, "state survives a throwing callable");
    const chunks = [];
    const done = await new Promise((resolve, reject) =>
      a.call("countTo", [5], { onChunk: (c) => chunks.push(c), onDone: resolve, onError: reject }),
    );
    assert.deepEqual(chunks, [1, 2, 3, 4, 5]);
    assert.equal(done, "done");
    assert.deepEqual(await a.call("sqlRoundTrip", ["x"]), ["x"]);
    assert.deepEqual(await a.call("sqlRoundTrip", ["y"]), ["x", "y"]);
  } finally {
    a.close();
  }
});

test("validateStateChange rejects a client update; others see nothing", async () => {
  const name = uniq("validate");
  const a = await client("counter", name);
  const b = await client("counter", name);
  try {
    a.setState({ count: -1 });
    await until(() => a.stateErrors.length > 0, "a is told");
    assert.match(String(a.stateErrors[0]), /./);
    assert.equal(await b.call("inc", [1]), 1, "state unchanged by the rejected update");
    assert.ok(!b.states.some((s) => s.count === -1), "b never saw -1");
  } finally {
    a.close();
    b.close();
  }
});

test("state over SQLite's 2 MB value limit: a clear error, state kept", async () => {
  // The agents package keeps state in one SQLite row; isola enforces
  // workerd's 2 MB value limit with workerd's message.
  const name = uniq("big");
  const a = await client("counter", name);
  try {
    const n = 1024 * 1024;
    assert.equal(await a.call("bigState", [n]), n, "1 MB of state works");
    await until(() => a.states.some((s) => s.blob?.length === n), "1 MB state broadcast");
    await assert.rejects(a.call("bigState", [3 * n]), /too big|SQLITE_TOOBIG/);
    assert.equal(await a.call("inc", [1]), 1, "the agent still works");
    a.close();
    const b = await client("counter", name);
    assert.equal(b.states.at(-1).blob.length, n, "the last stored state is intact");
    b.close();
  } finally {
    a.close();
  }
});

test("reconnect receives the current state", async () => {
  const name = uniq("reconnect");
  const a = await client("counter", name);
  try {
    await a.call("inc", [4]);
    const before = a.states.length;
    a.reconnect();
    await until(() => a.states.length > before, "state after reconnect");
    assert.equal(a.states.at(-1).count, 4);
    assert.equal(await a.call("inc", [1]), 5);
  } finally {
    a.close();
  }
});

test("malformed protocol messages leave the connection usable", async () => {
  const name = uniq("malformed");
  const ws = await raw("counter", name);
  try {
    await until(() => ws.msgs.some((m) => m.type === "cf_agent_state"), "initial state");
    ws.send("this is not json");
    ws.send(Buffer.from([0, 1, 2, 3]));
    ws.sendJSON({ type: "rpc" });
    ws.sendJSON({ type: "rpc", id: "x1", method: 42, args: "nope" });
    ws.sendJSON({ type: "cf_agent_state" });
    ws.sendJSON({ type: "rpc", id: "ok1", method: "inc", args: [2] });
    const r = await until(() => ws.msgs.find((m) => m.type === "rpc" && m.id === "ok1" && m.done !== false), "rpc after garbage");
    assert.equal(r.success, true);
    assert.equal(r.result, 2);
  } finally {
    ws.close();
  }
});

test("HTTP to an agent and getAgentByName", async () => {
  const name = uniq("http");
  const r = await fetch(`${base}/agents/counter/${name}`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { state: { count: 0 }, name });
  const d = await fetch(`${base}/direct?name=${name}`);
  assert.deepEqual(await d.json(), { count: 2 });
  const nf = await fetch(`${base}/agents/no-such-agent/x`);
  assert.ok(nf.status === 400 || nf.status === 404, `unknown agent class: status ${nf.status}`);
});

test("connections: per-connection state, tags, broadcast with exclusions, current agent", async () => {
  const name = uniq("conns");
  const admin = await client("counter", name, { query: { role: "admin" } });
  const guest = await client("counter", name);
  try {
    const me = await admin.call("whoami", []);
    assert.equal(me.same, true, "getCurrentAgent() is this agent after an await");
    assert.deepEqual(me.state, { role: "admin" });
    assert.ok(me.id);
    assert.equal(await guest.call("count", []), 2);
    assert.equal(await guest.call("count", ["role-admin"]), 1);
    assert.equal(await guest.call("count", ["role-guest"]), 1);
    const heard = [];
    admin.addEventListener("message", (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "shout") heard.push(m.msg);
    });
    const own = [];
    guest.addEventListener("message", (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "shout") own.push(m.msg);
    });
    await guest.call("shout", ["hi"]);
    await until(() => heard.length === 1, "admin hears the shout");
    assert.deepEqual(own, [], "the sender is excluded");
    admin.close();
    await until(async () => (await guest.call("count", [])) === 1, "the closed connection is gone");
  } finally {
    admin.close();
    guest.close();
  }
});

test("destroy() wipes the agent; the next connection starts afresh", async () => {
  const name = uniq("destroy");
  const a = await client("counter", name);
  try {
    await a.call("inc", [5]);
    await a.call("wipe", []).catch(() => {}); // the agent aborts itself
  } finally {
    a.close();
  }
  const r = await until(async () => {
    const res = await fetch(`${base}/agents/counter/${name}`);
    return res.ok && res.json();
  }, "agent answers again");
  assert.deepEqual(r.state, { count: 0 });
});
