// The console's list against the native API on a large store: for each query, the
// server time of the list request the page makes (Resource Timing: requestStart to
// responseStart, in Chromium) and of the same request sent with a bearer token from
// Node (request to response headers), alternating, ROUNDS rounds; prints medians and
// their ratio. Run by scripts/console-bench, not by the tests.
import { chromium } from "playwright-core";

const base = process.env.PROJECTD_BASE;
const token = process.env.PROJECTD_TOKEN;
const rounds = Number(process.env.ROUNDS || 15);
const queries = [
  { label: "newest first, total", set: {} },
  { label: "owner big, total", set: { owner: "big" } },
  { label: "archived, total", set: { status: "archived" } },
  { label: "owner o00042 by name, total", set: { owner: "o00042", sort: "name" } },
  { label: "workspace coll, oldest first, total", set: { workspace: "coll", sort: "created" } },
  { label: "search within owner o00042", set: { owner: "o00042", q: "7" } },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({ executablePath: process.env.PROJECTD_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const page = await browser.newPage();
await page.goto(base + "/");
await page.locator("#signin-view").getByLabel("Login").fill(process.env.PROJECTD_LOGIN);
await page.locator("#signin-view").getByLabel("Password").fill(process.env.PROJECTD_PASSWORD);
await page.locator("#signin-view").getByRole("button", { name: "Sign in", exact: true }).click();
await page.locator("#total").filter({ hasText: "projects" }).waitFor({ timeout: 60000 });

console.log("| query | console ms | API ms | console ÷ API |\n|---|---:|---:|---:|");
for (const q of queries) {
  const pageTimes = [];
  const apiTimes = [];
  for (let i = 0; i < rounds; i++) {
    await page.evaluate((set) => {
      const f = document.getElementById("filters");
      f.reset();
      for (const [k, v] of Object.entries(set)) f.elements[k].value = v;
      document.getElementById("total").textContent = "";
      performance.clearResourceTimings();
    }, q.set);
    await page.locator("#filters").getByRole("button", { name: "Show" }).click();
    await page.locator("#total").filter({ hasText: "project" }).waitFor({ timeout: 60000 });
    const entry = await page.evaluate(() => performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/projects?")).at(-1));
    pageTimes.push(entry.responseStart - entry.requestStart);
    const url = new URL(entry.name);
    const start = performance.now();
    const resp = await fetch(base + url.pathname + url.search, { headers: { Authorization: "Bearer " + token } });
    apiTimes.push(performance.now() - start);
    await resp.arrayBuffer();
    if (!resp.ok) throw new Error(`${url.search}: ${resp.status}`);
  }
  const [c, a] = [median(pageTimes), median(apiTimes)];
  console.log(`| ${q.label} | ${c.toFixed(2)} | ${a.toFixed(2)} | ${(c / a).toFixed(2)} |`);
}
await browser.close();
