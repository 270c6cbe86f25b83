import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { base, launch, newPage, signIn, checkA11y, screenshot, noProblems, view, waitFilled, apiAs } from "./helpers.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const ann = process.env.PROJECTD_ANN_TOKEN;

test("workspaces show their members; owners add and remove members, and a member's attempt is refused where it was made", async () => {
  const page = await newPage(browser);
  await signIn(page, "ann");
  await page.getByRole("link", { name: "Workspaces" }).click();
  const card = view(page, "workspaces").locator("section.card", { has: page.getByRole("heading", { name: "studio" }) });
  const members = card.locator("tbody tr");
  await members.first().waitFor();
  assert.deepEqual(await members.allInnerTexts(), ["ann\towner\tRemove", "bob\tmember\tRemove"].map((r) => r.replace(/\t/g, "\t")));
  await card.getByLabel("Login").fill("ada");
  await card.getByRole("button", { name: "Add or change the member" }).click();
  await card.getByRole("cell", { name: "ada", exact: true }).waitFor();
  await checkA11y(page, "the workspaces page");
  await screenshot(page, "workspaces");
  await card.getByRole("button", { name: "Remove ada from studio" }).click();
  await card.getByRole("cell", { name: "ada", exact: true }).waitFor({ state: "detached" });
  await card.getByLabel("Login").fill("nobody-here");
  await card.getByRole("button", { name: "Add or change the member" }).click();
  assert.notEqual(await waitFilled(page, "#ws-studio-login-error, #workspaces-view .form-error:not(:empty)"), "");

  const bobPage = await newPage(browser);
  await signIn(bobPage, "bob");
  await bobPage.getByRole("link", { name: "Workspaces" }).click();
  const bobCard = view(bobPage, "workspaces").locator("section.card", { has: bobPage.getByRole("heading", { name: "studio" }) });
  await bobCard.getByLabel("Login").fill("ada");
  await bobCard.getByRole("button", { name: "Add or change the member" }).click();
  assert.match(await waitFilled(bobPage, "#workspaces-view .form-error:not(:empty)"), /owner/i);
  assert.equal(await bobCard.getByRole("cell", { name: "ada", exact: true }).count(), 0);

  const create = view(page, "workspaces").locator("#ws-create");
  await create.getByLabel("Name").fill("bad name!");
  await create.getByRole("button", { name: "Create the workspace" }).click();
  assert.notEqual(await waitFilled(page, "#ws-name-error"), "");
  await create.getByLabel("Name").fill("ann-lab");
  await create.getByRole("button", { name: "Create the workspace" }).click();
  await view(page, "workspaces").getByRole("heading", { name: "ann-lab" }).waitFor();
  noProblems(page);
  noProblems(bobPage);
});

test("tokens are created with scopes and expiry, shown once and revoked; access keys are created, disabled and deleted; auth codes are issued", async () => {
  const page = await newPage(browser);
  await signIn(page, "ann");
  await page.getByRole("link", { name: "Tokens and keys" }).click();
  const form = page.locator("#tok-create");
  await form.getByLabel("Name").fill("ci");
  await form.getByLabel("Expires in").fill("soon");
  await form.getByRole("button", { name: "Create the token" }).click();
  assert.match(await waitFilled(page, "#tok-expires_in-error"), /expires_in/);
  await form.getByLabel("read").uncheck();
  await form.getByLabel("Expires in").fill("");
  await form.getByRole("button", { name: "Create the token" }).click();
  assert.match(await waitFilled(page, "#tok-scopes-error"), /scopes/);
  await form.getByLabel("read").check();
  await form.getByLabel("write").check();
  await form.getByLabel("Expires in").fill("720h");
  await form.getByRole("button", { name: "Create the token" }).click();
  assert.match(await waitFilled(page, "#tok-expires_in-error"), /outlast/); // a sign-in mints nothing that outlives it
  await form.getByLabel("Expires in").fill("2h");
  await form.getByRole("button", { name: "Create the token" }).click();
  const secret = (await page.locator("#tok-secret code").textContent()).trim();
  assert.match(secret, /^pd_/);
  assert.equal((await apiAs(secret, "GET", "/api/me")).status, 200);
  const row = page.locator("#token-rows tr", { hasText: "ci" });
  assert.match(await row.innerText(), /read, write/);
  await checkA11y(page, "the tokens and keys page");
  await screenshot(page, "tokens");
  await row.getByRole("button", { name: "Revoke the token ci" }).click();
  await row.waitFor({ state: "detached" });
  await new Promise((r) => setTimeout(r, 1100)); // the store's token cache holds a check for a second
  assert.equal((await apiAs(secret, "GET", "/api/me")).status, 401);
  await page.reload();
  assert.equal(await page.locator("#tok-secret").isHidden(), true, "a secret is shown once");

  await page.locator("#key-create").getByRole("button", { name: "Create the access key" }).click();
  const keyText = await waitFilled(page, "#key-secret p");
  const accessKey = /Access key (\S+) created/.exec(keyText)[1];
  const keyRow = page.locator("#key-rows tr", { hasText: accessKey });
  assert.match(await keyRow.innerText(), /signs/);
  await keyRow.getByRole("button", { name: "Disable the access key " + accessKey }).click();
  await page.locator("#key-rows tr", { hasText: "disabled" }).waitFor();
  await keyRow.getByRole("button", { name: "Delete the access key " + accessKey }).click();
  await keyRow.waitFor({ state: "detached" });
  await page.locator("#key-create").getByLabel("Expires in").fill("-1h");
  await page.locator("#key-create").getByRole("button", { name: "Create the access key" }).click();
  assert.match(await waitFilled(page, "#key-expires_in-error"), /expires_in/);

  await page.getByRole("button", { name: "Get an auth code" }).click();
  const code = (await page.locator("#code-secret code").textContent()).trim();
  const session = await fetch(base + "/accounts/identity/session", { method: "POST", headers: { "Api-Key": process.env.PROJECTD_APP_KEY, "Content-Type": "application/json" },
    body: JSON.stringify({ auth_code: code }) });
  assert.equal(session.status, 200, "Movika takes the code: " + await session.text());

  const pw = page.locator("#pw-change");
  await pw.getByLabel("Current password").fill("ann password");
  await pw.getByLabel("New password").fill("short");
  await pw.getByRole("button", { name: "Change the password" }).click();
  assert.match(await waitFilled(page, "#pw-password-error"), /password/);
  noProblems(page);
  assert.equal((await apiAs(ann, "GET", "/api/me")).status, 200);
});
