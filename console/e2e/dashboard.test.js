import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, checkA11y, screenshot, noProblems, waitFilled } from "./helpers.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// counts reads the words of a chart: "label: n; …".
async function counts(page, id) {
  const desc = await page.locator(`#${id} svg desc`).textContent();
  return Object.fromEntries(desc.split("; ").map((p) => p.split(": ")).map(([k, v]) => [k, Number(v)]));
}

test("the dashboard charts what the user can see: by status, workspace, namespace and week", async () => {
  const page = await newPage(browser);
  await signIn(page, "bob");
  await page.getByRole("link", { name: "Dashboard" }).click();
  const total = await waitFilled(page, "#dash-total");
  // bob sees his own private project and the studio's, never ann's others.
  const status = await counts(page, "chart-status");
  const workspaces = await counts(page, "chart-workspace");
  const weeks = await counts(page, "chart-week");
  const seen = Number(total.split(" ")[0]);
  assert.equal(seen, status.active + status.archived);
  assert.equal(workspaces.studio + workspaces["(no workspace)"], seen);
  assert.equal(workspaces["(no workspace)"], 1);
  assert.equal(Object.keys(weeks).length, 12);
  assert.equal(Object.values(weeks).at(-1), seen, "all were made this week");
  const namespaces = await counts(page, "chart-namespace");
  assert.ok(namespaces.tasks >= 1 && namespaces.tervis >= 1, JSON.stringify(namespaces));
  assert.equal(await page.locator("#chart-week svg rect").count(), 12);
  assert.equal(await page.locator("#chart-week svg").getAttribute("role"), "img");
  await checkA11y(page, "the dashboard");
  await screenshot(page, "dashboard");

  const ann = await newPage(browser);
  await signIn(ann, "ann");
  await ann.getByRole("link", { name: "Dashboard" }).click();
  await waitFilled(ann, "#dash-total");
  const annWorkspaces = await counts(ann, "chart-workspace");
  assert.equal(annWorkspaces.studio, workspaces.studio, "the studio is the same for both");
  assert.ok(annWorkspaces["(no workspace)"] > 1, "ann's own outside workspaces");
  noProblems(page);
  noProblems(ann);
});
