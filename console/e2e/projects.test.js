import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { base, launch, newPage, signIn, checkA11y, screenshot, noProblems, view, waitText, waitFilled, apiAs } from "./helpers.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const ann = process.env.PROJECTD_ANN_TOKEN;

// show submits the filters after clearing the total, so that what is read next is the
// new answer.
async function show(page) {
  await page.evaluate(() => { document.getElementById("total").textContent = ""; });
  await view(page, "projects").getByRole("button", { name: "Show" }).click();
  return waitFilled(page, "#total");
}

const localTime = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

test("the list has every filter and sort of the API, pages to the end with the total, and never shows another user's private project", async () => {
  const page = await newPage(browser);
  await signIn(page, "ann");
  const list = view(page, "projects");
  assert.equal(await waitFilled(page, "#total"), "24 projects, 20 shown");
  await checkA11y(page, "the project list");
  await screenshot(page, "projects");
  await list.getByRole("button", { name: "Next page" }).click();
  await waitText(page, "#total", "24 projects, 24 shown");
  assert.equal(await list.getByRole("button", { name: "Next page" }).isHidden(), true);
  assert.equal(await page.locator("#rows tr").count(), 24);
  assert.equal(await page.getByText("Bob's secret plan").count(), 0);

  const filters = [
    [{ q: "elephant" }, "1 project, 1 shown"],
    [{ q: "Bob" }, "0 projects, 0 shown"],
    [{ status: "archived" }, "0 projects, 0 shown"],
    [{ status: "active" }, "24 projects, 20 shown"],
    [{ owner: "ann" }, "24 projects, 20 shown"],
    [{ owner: "bob" }, "0 projects, 0 shown"],
    [{ workspace: "studio" }, "8 projects, 8 shown"],
    [{ created_gte: localTime(new Date(Date.now() + 86400000)) }, "0 projects, 0 shown"],
    [{ created_lt: localTime(new Date(Date.now() + 86400000)) }, "24 projects, 20 shown"],
    [{ updated_gte: localTime(new Date(Date.now() - 86400000)) }, "24 projects, 20 shown"],
    [{ updated_lt: localTime(new Date(Date.now() - 86400000)) }, "0 projects, 0 shown"],
  ];
  for (const [set, want] of filters) {
    await page.locator("#filters").evaluate((f) => f.reset());
    for (const [name, value] of Object.entries(set)) {
      if (name === "status") await list.getByLabel("Status").selectOption(value);
      else await page.locator(`#filters [name=${name}]`).fill(value);
    }
    assert.equal(await show(page), want, JSON.stringify(set));
    if (want !== "0 projects, 0 shown") assert.equal(await page.getByText("Bob's secret plan").count(), 0);
  }
  await page.locator("#filters").evaluate((f) => f.reset());
  const sorts = { "-created": "Elephant color", created: "Ann's project 01", "-updated": "Elephant color", updated: "Ann's project 01",
    name: "Ann's project 01", "-name": "Elephant color", id: "Ann's project 01", "-id": "Elephant color" };
  for (const [sort, first] of Object.entries(sorts)) {
    await list.getByLabel("Order", { exact: true }).selectOption(sort);
    await show(page);
    assert.equal((await page.locator("#rows tr:first-child td:first-child").textContent()).trim(), first, "sort " + sort);
  }
  await page.goto(base + "/console/#/projects/" + process.env.PROJECTD_SECRET_ID);
  await waitText(page, "#project-title", "Project " + process.env.PROJECTD_SECRET_ID);
  assert.match(await page.locator("#project-error").textContent(), /no project/i);
  noProblems(page);
});

// direct fetches the project from each surface as its own clients do.
async function direct(p) {
  const id = p.id;
  const key = JSON.parse((await apiAs(ann, "POST", "/api/keys", {})).text);
  const ncpPath = `/api/v1/workspaces/studio/projects/${id}`;
  const ts = String(Date.now());
  const sig = createHmac("sha256", key.secret_key).update(`GET ${ncpPath}\n${ts}\n${key.access_key}`).digest("base64");
  const get = async (path, headers) => (await fetch(base + path, { headers })).text();
  const bearer = { Authorization: "Bearer " + ann };
  return {
    "Native API": await get(`/api/projects/${id}`, bearer),
    "Movika Studio Pro": await get(`/studio-pro/${id}`, { ...bearer, "Api-Key": process.env.PROJECTD_APP_KEY }),
    "Yandex Tasks (Toloka API)": await get(`/api/v1/projects/${id}`, { Authorization: "OAuth " + ann }),
    "TextKing (JSON)": await get(`/v1/project/${p.uid}`, { ...bearer, Accept: "application/json" }),
    "TextKing (XML)": await get(`/v1/project/${p.uid}`, { ...bearer, Accept: "application/xml" }),
    "Tervis customizer services (JSON)": await get("/projects/2/name/Elephant%20color", bearer),
    "Tervis customizer services (XML)": await get("/projects/2/name/Elephant%20color", { ...bearer, Accept: "application/xml" }),
    "NAVER Media AI Understanding": await get(ncpPath, { "x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": key.access_key, "x-ncp-apigw-signature-v2": sig }),
  };
}

test("a project's page has its fields, ext and history, and one tab per API with exactly that API's answer and its curl line", async () => {
  const page = await newPage(browser);
  await signIn(page, "ann");
  const list = view(page, "projects");
  await list.getByLabel("Search").fill("Elephant");
  await show(page);
  await page.getByRole("link", { name: "Elephant color" }).click();
  await waitText(page, "#project-title", "Elephant color");
  const project = view(page, "project");
  await project.getByRole("tab", { name: "NAVER Media AI Understanding" }).waitFor();
  const fields = await page.locator("#project-fields").textContent();
  assert.match(fields, /workspace\s*studio/);
  assert.match(await page.locator("#project-history").textContent(), /version\s*\d+.*created by\s*ann/s);
  assert.match(await page.locator("#project-ext").textContent(), /"SiteCode": "TRV"/);
  const p = JSON.parse(await page.locator("#panel-0 pre.body").textContent());
  const want = await direct(p);
  const tabs = project.getByRole("tab");
  assert.deepEqual(await tabs.allTextContents(), Object.keys(want));
  for (const [i, name] of Object.keys(want).entries()) {
    await tabs.nth(i).click();
    const panel = page.locator("#panel-" + i);
    assert.equal(await panel.isVisible(), true, name);
    assert.equal(await panel.locator("pre.body").textContent(), want[name], name);
    const curl = await panel.locator("pre.curl").textContent();
    assert.match(curl, /curl -s/, name);
    assert.ok(curl.includes(base + "/"), name + ": " + curl);
    if (i === 7) {
      await checkA11y(page, "the project page");
      await screenshot(page, "project-tabs");
    }
  }
  // The tabs take the arrow keys, Home and End.
  await tabs.nth(0).click();
  await page.keyboard.press("ArrowRight");
  assert.equal(await tabs.nth(1).getAttribute("aria-selected"), "true");
  await page.keyboard.press("End");
  assert.equal(await tabs.nth(7).getAttribute("aria-selected"), "true");
  await page.keyboard.press("ArrowRight");
  assert.equal(await tabs.nth(0).getAttribute("aria-selected"), "true");
  noProblems(page);
});

async function openProject(page, name) {
  await page.goto(base + "/console/#/projects");
  await view(page, "projects").getByLabel("Search").fill(name);
  await show(page);
  await page.getByRole("link", { name, exact: true }).click();
  await waitText(page, "#project-title", name);
  await view(page, "project").getByRole("tab").first().waitFor();
}

test("create and edit show each refusal next to its field; an edit over a newer change is refused and shown; delete asks first", async () => {
  const page = await newPage(browser);
  await signIn(page, "ann");
  await page.getByRole("link", { name: "New project" }).click();
  const create = view(page, "new");
  await create.getByRole("button", { name: "Create" }).click();
  assert.notEqual(await waitFilled(page, "#new-name-error"), "");
  assert.equal(await page.locator("#new-name").getAttribute("aria-invalid"), "true");
  await create.getByLabel("Name").fill("Temporary");
  await create.getByLabel("Workspace").fill("nowhere");
  await create.getByLabel("ext.tasks").fill(`{"private_comment": "made in the console"}`);
  await create.getByRole("button", { name: "Create" }).click();
  assert.match(await waitFilled(page, "#new-workspace-error"), /nowhere/);
  await checkA11y(page, "the new project form with errors");
  await create.getByLabel("Workspace").fill("studio");
  await create.getByRole("button", { name: "Create" }).click();
  await waitText(page, "#project-title", "Temporary");
  assert.match(await page.locator("#project-ext").textContent(), /made in the console/);

  const edit = view(page, "project").locator("#edit");
  await edit.getByLabel("ext.tasks").fill(`{"private_comment": 5}`);
  await edit.getByRole("button", { name: "Save" }).click();
  assert.match(await waitFilled(page, "#edit-ext-tasks-error"), /private_comment/);
  await edit.getByLabel("ext.tasks").fill(`{"private_comment": `);
  await edit.getByRole("button", { name: "Save" }).click();
  assert.match(await waitFilled(page, "#edit-ext-tasks-error"), /not valid JSON/);
  await edit.getByLabel("ext.tasks").fill(`{"private_comment": "edited"}`);
  await edit.getByLabel("Name", { exact: true }).fill("");
  await edit.getByRole("button", { name: "Save" }).click();
  assert.notEqual(await waitFilled(page, "#edit-name-error"), "");
  await edit.getByLabel("Name", { exact: true }).fill("Temporary");
  await edit.getByLabel("Description").fill("first edit");
  await edit.getByRole("button", { name: "Save" }).click();
  await waitText(page, "#edit-saved", "Saved: version 2.");
  assert.match(await page.locator("#project-ext").textContent(), /"edited"/);

  // A second page opened before a third edit: its save is refused, and says by whom.
  const other = await newPage(browser);
  await signIn(other, "ann");
  await openProject(other, "Temporary");
  await edit.getByLabel("Description").fill("second edit");
  await edit.getByRole("button", { name: "Save" }).click();
  await waitText(page, "#edit-saved", "Saved: version 3.");
  const late = view(other, "project").locator("#edit");
  await late.getByLabel("Description").fill("an edit over a newer one");
  await late.getByRole("button", { name: "Save" }).click();
  assert.match(await waitFilled(other, "#edit-error"), /changed since you opened it.*ann saved version 3/);
  await other.reload();
  await waitText(other, "#project-title", "Temporary");
  assert.match(await other.locator("#project-fields").textContent(), /second edit/);

  page.once("dialog", (d) => d.dismiss());
  await edit.getByRole("button", { name: "Delete the project" }).click();
  assert.equal(await page.locator("#project-title").textContent(), "Temporary");
  page.once("dialog", (d) => d.accept());
  await edit.getByRole("button", { name: "Delete the project" }).click();
  await page.waitForURL(/#\/projects$/);
  assert.equal((await apiAs(ann, "GET", "/api/projects?q=Temporary")).text.includes("Temporary"), false);
  noProblems(page);
  noProblems(other);
});
