// Scheduling on the agent's alarm: delays, dates, cron, intervals, cancel
// and the queue, with the real agents package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { client, until, uniq } from "./helpers.mjs";

test("schedule by delay and by date fires the callback", async () => {
  const a = await client("counter", uniq("sched"));
  try {
    await a.call("scheduleIn", [1, "delay"]);
    await a.call("scheduleAt", [Date.now() + 1500, "date"]);
    await until(() => a.states.some((s) => s.note === "delay"), "delayed callback", 15000);
    await until(() => a.states.some((s) => s.note === "date"), "dated callback", 15000);
    assert.equal(a.states.at(-1).count, 2);
    assert.deepEqual(await a.call("listSchedules", []), [], "one-shot schedules are gone once run");
  } finally {
    a.close();
  }
});

test("cron and interval schedules are listed, repeat and cancel", async () => {
  const a = await client("counter", uniq("cron"));
  try {
    const cronId = await a.call("scheduleCron", ["0 0 1 1 *"]);
    const everyId = await a.call("every", [1]);
    const list = await a.call("listSchedules", []);
    assert.deepEqual(list.map((s) => s.type).sort(), ["cron", "interval"]);
    await until(() => a.states.filter((s) => s.note === "every").length >= 2, "interval fired twice", 20000);
    assert.equal(await a.call("cancel", [everyId]), true);
    assert.equal(await a.call("cancel", [everyId]), false, "cancelling twice");
    assert.deepEqual((await a.call("listSchedules", [])).map((s) => s.id), [cronId]);
  } finally {
    a.close();
  }
});

test("queue runs callbacks in order", async () => {
  const a = await client("counter", uniq("queue"));
  try {
    for (const p of ["q1", "q2", "q3"]) await a.call("enqueue", [p]);
    await until(() => a.states.some((s) => s.count === 3), "three queued callbacks", 15000);
    assert.deepEqual(
      a.states.map((s) => s.note).filter(Boolean),
      ["q1", "q2", "q3"],
    );
  } finally {
    a.close();
  }
});
