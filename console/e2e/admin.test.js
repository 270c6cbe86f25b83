import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { base, launch, newPage, signIn, checkA11y, screenshot, noProblems, view, waitFilled } from "./helpers.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test("admins create users, change roles and register app keys; members are neither offered nor allowed the page", async () => {
  const member = await newPage(browser);
  await signIn(member, "ann");
  assert.equal(await member.getByRole("link", { name: "Users and app keys" }).isHidden(), true);
  await member.goto(base + "/console/#/admin");
  assert.match(await waitFilled(member, "#users-error"), /admins/);
  assert.equal(await member.locator("#user-rows tr").count(), 0);

  const page = await newPage(browser);
  await signIn(page, "ada");
  await page.getByRole("link", { name: "Users and app keys" }).click();
  const admin = view(page, "admin");
  await page.locator("#user-rows tr", { hasText: "bob" }).waitFor();
  const form = admin.locator("#user-create");
  await form.getByLabel("Login").fill("cy");
  await form.getByLabel("Email").fill("not an address");
  await form.getByLabel("Password").fill("cy password");
  await form.getByRole("button", { name: "Create the user" }).click();
  assert.match(await waitFilled(page, "#user-email-error"), /email/);
  await form.getByLabel("Email").fill("cy@example.com");
  await form.getByLabel("First name").fill("Cy");
  await form.getByRole("button", { name: "Create the user" }).click();
  const row = page.locator("#user-rows tr", { hasText: "cy@example.com" });
  await row.waitFor();
  assert.match(await row.innerText(), /member/);
  await row.getByRole("button", { name: "Make cy an admin" }).click();
  await row.getByRole("button", { name: "Make cy a member" }).waitFor();
  assert.match(await row.innerText(), /admin/);
  await page.locator("#user-rows tr", { hasText: "ada@example.com" }).getByRole("button").click();
  assert.match(await waitFilled(page, "#users-error"), /own role/);

  const cy = await newPage(browser);
  await cy.goto(base + "/");
  await view(cy, "signin").getByLabel("Login").fill("cy");
  await view(cy, "signin").getByLabel("Password").fill("cy password");
  await view(cy, "signin").getByRole("button", { name: "Sign in", exact: true }).click();
  await cy.getByRole("link", { name: "Users and app keys" }).waitFor();

  const apps = admin.locator("#app-create");
  await apps.getByLabel("Name").fill("");
  await apps.getByRole("button", { name: "Register" }).click();
  assert.notEqual(await waitFilled(page, "#app-name-error"), "");
  await apps.getByLabel("Name").fill("studio-player");
  await apps.getByRole("button", { name: "Register" }).click();
  const key = (await page.locator("#app-secret code").textContent()).trim();
  const my = await fetch(base + "/studio-pro/my", { headers: { "Api-Key": key, Authorization: "Bearer " + process.env.PROJECTD_ANN_TOKEN } });
  assert.equal(my.status, 200);
  await page.locator("#app-rows li", { hasText: "studio-player" }).waitFor();
  await checkA11y(page, "the admin page");
  await screenshot(page, "admin");
  noProblems(page);
  noProblems(cy);
});
