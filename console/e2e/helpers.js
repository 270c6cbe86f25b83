// What every browser test uses: Debian's Chromium through playwright-core, signing in,
// axe-core's checks and screenshots. console/browser_test.go starts the server and sets
// PROJECTD_BASE, PROJECTD_CHROMIUM and PROJECTD_SCREENSHOTS.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const base = process.env.PROJECTD_BASE;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const passwords = { ada: "ada password", ann: "ann password", bob: "bob password" };

export async function launch() {
  assert.ok(base, "PROJECTD_BASE is set by console/browser_test.go");
  return chromium.launch({
    executablePath: process.env.PROJECTD_CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

// page opens a new context (its own cookies) at size, collecting the console's errors:
// a CSP violation or an uncaught exception fails the test that reads them.
export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push("uncaught: " + e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) page.problems.push("console: " + m.text());
  });
  return page;
}

// view is the section of one view of the console (#signin-view …).
export const view = (page, name) => page.locator(`#${name}-view`);

export async function signIn(page, login) {
  await page.goto(base + "/");
  const form = view(page, "signin");
  await form.getByLabel("Login").fill(login);
  await form.getByLabel("Password").fill(passwords[login]);
  await form.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Signed in as " + login).waitFor();
}

// checkA11y runs axe-core on the page as it is and fails on serious or critical findings.
export async function checkA11y(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [], "axe-core on " + what);
}

export async function screenshot(page, name) {
  if (process.env.PROJECTD_SCREENSHOTS) await page.screenshot({ path: `${process.env.PROJECTD_SCREENSHOTS}/${name}.png`, fullPage: true });
}

export function noProblems(page) {
  assert.deepEqual(page.problems, [], "errors in the page");
}

// waitText waits until the element of selector reads expected, and fails naming what it
// read instead.
export async function waitText(page, selector, expected) {
  try {
    await page.waitForFunction(([sel, want]) => {
      const e = document.querySelector(sel);
      return e && e.textContent.trim() === want;
    }, [selector, expected], { timeout: 15000 });
  } catch {
    const got = await page.evaluate((sel) => document.querySelector(sel)?.textContent.trim(), selector);
    assert.equal(got, expected, selector);
  }
}

// waitFilled waits until the element of selector has text, and returns it.
export async function waitFilled(page, selector) {
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim(), selector, { timeout: 15000 });
  return page.evaluate((sel) => document.querySelector(sel).textContent.trim(), selector);
}

// apiAs calls the server as a bearer token, outside the browser.
export async function apiAs(token, method, path, body, headers = {}) {
  const resp = await fetch(base + path, { method, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: resp.status, text: await resp.text(), headers: resp.headers };
}
