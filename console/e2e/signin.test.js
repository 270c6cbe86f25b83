import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { base, launch, newPage, signIn, checkA11y, screenshot, noProblems, view } from "./helpers.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("/ leads to the sign-in form, which shows a wrong password next to the form and signs in and out", async () => {
  const page = await newPage(browser);
  await page.goto(base + "/");
  assert.equal(new URL(page.url()).pathname, "/console/");
  await checkA11y(page, "the sign-in page");
  await screenshot(page, "signin");
  const form = view(page, "signin");
  await form.getByLabel("Login").fill("ann");
  await form.getByLabel("Password").fill("not her password");
  await form.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("wrong login or password").waitFor();
  await signIn(page, "ann");
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Projects");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  noProblems(page);
});
