import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { base, launch, newPage, checkA11y, screenshot, noProblems, passwords, signIn, waitText, waitFilled } from "./helpers.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const views = ["#/dashboard", "#/projects", "#/new", "#/workspaces", "#/account", "#/admin"];

// tabTo presses Tab until the focused element matches the test, at most 80 times.
async function tabTo(page, what, matches) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate(matches);
    if (hit) return;
  }
  assert.fail("no focusable " + what + " within 80 presses of Tab");
}

test("the keyboard alone signs in, finds a project by filter, opens it, moves through its API tabs, edits it and signs out", async () => {
  const page = await newPage(browser);
  await page.goto(base + "/");
  await tabTo(page, "login field", () => document.activeElement.id === "login");
  await page.keyboard.type("ann");
  await page.keyboard.press("Tab");
  await page.keyboard.type(passwords.ann);
  await page.keyboard.press("Enter");
  await page.getByText("Signed in as ann").waitFor();
  await tabTo(page, "search field", () => document.activeElement.id === "q");
  await page.keyboard.type("Elephant");
  await page.keyboard.press("Enter");
  await waitText(page, "#total", "1 project, 1 shown");
  await tabTo(page, "the project's link", () => document.activeElement.textContent === "Elephant color");
  await page.keyboard.press("Enter");
  await waitText(page, "#project-title", "Elephant color");
  await page.locator("#api-tabs [role=tab]").nth(7).waitFor();
  await tabTo(page, "the first API tab", () => document.activeElement.id === "tab-0");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Yandex Tasks (Toloka API)");
  assert.equal(await page.locator("#panel-2").isVisible(), true);
  await tabTo(page, "the description field", () => document.activeElement.id === "edit-description");
  await page.keyboard.type("typed without a mouse");
  await tabTo(page, "the save button", () => document.activeElement.textContent === "Save");
  await page.keyboard.press("Enter");
  assert.match(await waitFilled(page, "#edit-saved"), /Saved/);
  await page.keyboard.press("Shift+Tab"); // focus stays where it was, usable
  await tabTo(page, "sign out", () => document.activeElement.id === "signout" || document.activeElement.textContent === "Sign out");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  noProblems(page);
});

test("every view passes axe-core, and reads without sideways scrolling on a phone and at 200% zoom", async () => {
  for (const [what, size] of [["phone", { width: 375, height: 740 }], ["200% zoom", { width: 640, height: 450 }]]) {
    const page = await newPage(browser, size);
    await signIn(page, "ada");
    for (const v of views) {
      await page.goto(base + "/console/" + v);
      await page.waitForTimeout(300);
      await checkA11y(page, v + " at " + what);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `${v} at ${what} is ${overflow}px wider than the window`);
    }
    await page.goto(base + "/console/#/projects");
    await page.locator("#rows a").first().click();
    await page.locator("#api-tabs [role=tab]").first().waitFor();
    await checkA11y(page, "a project at " + what);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `a project at ${what} is ${overflow}px wider than the window`);
    if (what === "phone") await screenshot(page, "project-phone");
    noProblems(page);
  }
});
