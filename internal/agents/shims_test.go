package agents

import (
	"encoding/json"
	"testing"
)

// shimWorker exercises the node: modules isola provides for the agents
// package (js/agents/node); each check returns [got, want].
const shimWorker = `import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import dc from "node:diagnostics_channel";
import path from "node:path";
import os from "node:os";
import { EmailMessage } from "cloudflare:email";
import { exports } from "cloudflare:workers";

const als = new AsyncLocalStorage();
const tick = () => new Promise((r) => setTimeout(r, 1));
async function deep(n) {
  await null;
  await tick();
  return n ? deep(n - 1) : als.getStore();
}
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

export default {
  async fetch() {
    const checks = {};
    const [a, b] = await Promise.all([als.run("A", () => deep(3)), als.run("B", () => deep(2))]);
    checks.alsConcurrent = [[a, b], ["A", "B"]];
    checks.alsOutside = [als.getStore() ?? null, null];
    checks.alsTimer = [await als.run("T", () => new Promise((r) => setTimeout(() => r(als.getStore()), 1))), "T"];
    checks.alsMicrotask = [await als.run("M", () => new Promise((r) => queueMicrotask(() => r(als.getStore())))), "M"];
    checks.alsExit = [als.run("X", () => als.exit(() => als.getStore() ?? null)), null];
    const bound = als.run("bound", () => AsyncLocalStorage.bind(() => als.getStore()));
    checks.alsBind = [bound(), "bound"];
    const res = als.run("res", () => new AsyncResource("t"));
    checks.asyncResource = [res.runInAsyncScope(() => als.getStore()), "res"];
    checks.asyncFunction = [[(async () => {}) instanceof AsyncFunction, (() => {}) instanceof AsyncFunction], [true, false]];

    const s = "héllo wörld ✓";
    checks.bufferBase64 = [Buffer.from(s).toString("base64"), "aMOpbGxvIHfDtnJsZCDinJM="];
    checks.bufferRoundTrip = [Buffer.from(Buffer.from(s).toString("base64"), "base64").toString(), s];
    checks.bufferHex = [Buffer.from("hi").toString("hex"), "6869"];
    checks.bufferConcat = [Buffer.concat([Buffer.from("a"), Buffer.from("bc")]).toString(), "abc"];
    checks.bufferGlobal = [globalThis.Buffer === Buffer, true];
    checks.bufferIsUint8Array = [Buffer.from("x") instanceof Uint8Array, true];

    checks.sha256 = [createHash("sha256").update("abc").digest("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"];
    checks.sha256Empty = [createHash("sha256").digest("hex"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"];
    checks.sha256Long = [createHash("sha256").update("a".repeat(1000)).digest("base64"), "Qe3s5C1j6Nm/UVqbppMuHCDLyfWl0TRkWttdsblzfqM="];
    let unsupported = "";
    try { createHash("md5"); } catch (e) { unsupported = e.message; }
    checks.md5Refused = [unsupported.includes("md5"), true];
    checks.timingSafeEqual = [[timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")), timingSafeEqual(Buffer.from("ab"), Buffer.from("ac"))], [true, false]];

    const seen = [];
    dc.subscribe("isola.test", (m) => seen.push(m));
    dc.channel("isola.test").publish(7);
    checks.diagnostics = [[seen, dc.hasSubscribers("isola.test")], [[7], true]];
    checks.path = [[path.join("/a", "b", "../c"), path.basename("/x/y.txt", ".txt"), path.extname("f.tar.gz"), path.dirname("/a/b")], ["/a/c", "y", ".gz", "/a"]];
    checks.os = [os.EOL, "\n"];
    checks.email = [new EmailMessage("a@x", "b@y", "raw").to, "b@y"];
    checks.exports = [typeof exports, "object"];
    return Response.json(checks);
  },
};
`

func TestNodeShims(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "worker.js", shimWorker)
	writeFile(t, dir, "wrangler.jsonc", `{"name": "shims", "main": "worker.js", "compatibility_date": "2026-01-01", "compatibility_flags": ["nodejs_compat"]}`)
	url := serve(t, dir, nil, nil)
	status, body := httpGet(t, url+"/")
	if status != 200 {
		t.Fatalf("GET / = %d %s", status, body)
	}
	var checks map[string][2]json.RawMessage
	if err := json.Unmarshal([]byte(body), &checks); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if len(checks) == 0 {
		t.Fatal("no checks ran")
	}
	for name, c := range checks {
		t.Run(name, func(t *testing.T) {
			if string(c[0]) != string(c[1]) {
				t.Errorf("%s = %s; want %s", name, c[0], c[1])
			}
		})
	}
}
