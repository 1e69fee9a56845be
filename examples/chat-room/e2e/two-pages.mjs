// Drives two headless Chromium pages in one chat room and checks that each
// sees the other's messages live. Usage: node two-pages.mjs BASE_URL
// Prints one JSON line: {"ok": true, ...} or {"ok": false, "error": ...}.
import { chromium } from "playwright-core";

const base = process.argv[2];
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const room = "e2e" + Date.now();

async function open(browser, name) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(name, "pageerror", e.message));
  await page.goto(`${base}/?room=${room}&name=${name}`);
  await page.waitForSelector("body[data-ready]", { timeout: 15000 });
  return page;
}

async function say(page, text) {
  await page.fill("#text", text);
  await page.click("form button");
}

async function sees(page, text) {
  await page.waitForFunction((t) => document.getElementById("log").textContent.includes(t), text, { timeout: 15000 });
}

const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const ann = await open(browser, "ann");
  const bob = await open(browser, "bob");
  await sees(ann, "bob joined");
  await say(ann, "hello from ann");
  await sees(bob, "ann: hello from ann");
  await say(bob, "hi ann, bob here");
  await sees(ann, "bob: hi ann, bob here");
  await bob.close();
  await sees(ann, "bob left");
  const log = await ann.$eval("#log", (el) => el.textContent);
  console.log(JSON.stringify({ ok: true, log }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.message) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
