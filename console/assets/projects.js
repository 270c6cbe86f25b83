// Projects: the list with every filter and sort of GET /api/projects, one project with
// its fields, ext, history and one tab per API, and the forms that create, edit and
// delete through the native API (edits and deletes with If-Match).

import { $, api, el, onSubmit, showErrors, when } from "/console/lib.js";

let session;
let cursor = null;
let current = null; // the project on the page, and its ETag

// filterNames are the list's controls, each named as the native API's parameter.
const filterNames = [...document.querySelectorAll("#filters input, #filters select")].map((c) => c.name);

export async function showList() {
  await list(true);
}

async function list(fresh) {
  const form = $("filters");
  const params = new URLSearchParams({ limit: "20", count: "exact" });
  for (const name of filterNames) {
    const c = form.elements[name];
    let v = c.value;
    if (v && c.dataset.time !== undefined) v = new Date(v).toISOString(); // local time to RFC 3339
    if (v) params.set(name, v);
  }
  if (!fresh && cursor) params.set("cursor", cursor);
  const r = await api("GET", "/api/projects?" + params);
  if (!r.ok) {
    showErrors(form, r.json);
    return;
  }
  const rows = $("rows");
  if (fresh) rows.replaceChildren();
  for (const p of r.json.items) {
    const link = el("a", { href: "#/projects/" + p.id }, p.name);
    rows.append(el("tr", {}, ...[link, p.owner.login, p.workspace || "", p.status, when(p.created_at)].map((c) => el("td", {}, c))));
  }
  cursor = r.json.next_cursor;
  $("more").hidden = !r.json.has_more;
  $("total").textContent = r.json.total + (r.json.total === 1 ? " project" : " projects") + ", " + rows.children.length + " shown";
}

const term = (dl, name, value) => dl.append(el("dt", {}, name), el("dd", {}, value === "" || value == null ? "—" : String(value)));

export async function showProject(id) {
  const r = await api("GET", "/api/projects/" + id);
  $("project-error").textContent = "";
  $("project-body").hidden = !r.ok;
  if (!r.ok) {
    $("project-title").textContent = "Project " + id;
    $("project-error").textContent = (r.json && r.json.detail) || "The project could not be read.";
    return;
  }
  current = { project: r.json, etag: r.headers.get("ETag"), text: r.text };
  const p = r.json;
  $("project-title").textContent = p.name;
  const fields = $("project-fields");
  fields.replaceChildren();
  for (const [k, v] of [["id", p.id], ["uid", p.uid], ["name", p.name], ["description", p.description], ["status", p.status],
    ["owner", p.owner.login], ["workspace", p.workspace]]) term(fields, k, v);
  const history = $("project-history");
  history.replaceChildren();
  for (const [k, v] of [["version", p.version], ["created at", when(p.created_at)], ["created by", p.created_by],
    ["updated at", when(p.updated_at)], ["updated by", p.updated_by]]) term(history, k, v);
  const ext = $("project-ext");
  const namespaces = Object.keys(p.ext || {});
  ext.replaceChildren(...(namespaces.length ? namespaces.map((ns) => el("section", { "aria-label": "ext." + ns },
    el("h3", {}, ns), el("pre", { tabindex: "0" }, el("code", {}, JSON.stringify(p.ext[ns], null, 2))))) : [el("p", {}, "No ext.")]));
  fillEditor($("edit"), p);
  $("edit-saved").textContent = "";
  await showTabs(p, r.text);
}

// showTabs makes one tab for the native API and one for each surface's answer, each with
// the curl line that fetches it (ARIA tabs: arrows move between them).
async function showTabs(p, nativeBody) {
  const base = location.origin;
  const tabs = [{ label: "Native API", status: 200, body: nativeBody, contentType: "application/json",
    curl: [`curl -s -H "Authorization: Bearer $TOKEN" '${base}/api/projects/${p.id}'`] }];
  const r = await api("GET", "/api/projects/" + p.id + "/views");
  for (const v of (r.ok && r.json.items) || []) {
    tabs.push({ label: v.title + (v.format === "XML" ? " (XML)" : v.format === "JSON" && hasXML(r.json.items, v.surface) ? " (JSON)" : ""),
      status: v.status, body: v.body, contentType: v.content_type, curl: v.curl });
  }
  const list = $("api-tabs");
  const panels = $("api-panels");
  list.replaceChildren();
  panels.replaceChildren();
  tabs.forEach((t, i) => {
    const tab = el("button", { type: "button", role: "tab", id: "tab-" + i, "aria-controls": "panel-" + i, "aria-selected": i === 0 ? "true" : "false", tabindex: i === 0 ? "0" : "-1" }, t.label);
    tab.addEventListener("click", () => select(i));
    tab.addEventListener("keydown", (e) => {
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      select((next + tabs.length) % tabs.length, true);
    });
    list.append(tab);
    panels.append(el("div", { role: "tabpanel", id: "panel-" + i, "aria-labelledby": "tab-" + i, tabindex: "0", hidden: i !== 0 },
      el("p", {}, "Status " + t.status + ", " + t.contentType),
      el("h3", {}, "curl"), el("pre", { class: "curl", tabindex: "0" }, el("code", {}, t.curl.join("\n"))),
      el("h3", {}, "Response body"), el("pre", { class: "body", tabindex: "0" }, el("code", {}, t.body))));
  });
  function select(i, focus) {
    for (const [j, tab] of [...list.children].entries()) {
      tab.setAttribute("aria-selected", String(i === j));
      tab.tabIndex = i === j ? 0 : -1;
      panels.children[j].hidden = i !== j;
    }
    if (focus) list.children[i].focus();
  }
}

const hasXML = (items, surface) => items.some((v) => v.surface === surface && v.format === "XML");

// field is a labelled control of a project form, with the place of its error.
function field(prefix, name, label, control) {
  const id = `${prefix}-${name}`;
  return el("p", {}, el("label", { for: id }, label),
    el(control.tag, { id, name, "aria-describedby": id + "-error", ...control.attrs }, ...(control.children || [])),
    el("span", { class: "error", id: id + "-error" }));
}

// coreFields adds the fields of a project that create and edit share to a form.
function coreFields(form) {
  const box = form.querySelector(".core-fields");
  const prefix = box.dataset.prefix;
  const text = { tag: "input", attrs: { autocomplete: "off" } };
  box.replaceChildren(
    field(prefix, "name", "Name", text),
    field(prefix, "description", "Description", { tag: "textarea", attrs: { rows: "3" } }),
    field(prefix, "status", "Status", { tag: "select", children: ["active", "archived"].map((v) => el("option", { value: v }, v)) }),
    field(prefix, "workspace", "Workspace", text),
    field(prefix, "owner", "Owner", text));
}

// extEditors adds a JSON editor for each namespace of ext to a form.
function extEditors(form) {
  const box = form.querySelector(".ext-editors");
  const prefix = box.dataset.prefix;
  box.replaceChildren(...session.namespaces.map((ns) => {
    return field(prefix, "ext-" + ns, `ext.${ns} (JSON object; empty for none)`,
      { tag: "textarea", attrs: { name: "ext." + ns, rows: "5", spellcheck: "false", class: "json" } });
  }));
}

function fillEditor(form, p) {
  extEditors(form);
  for (const k of ["name", "description", "status", "owner"]) form.elements[k].value = k === "owner" ? p.owner.login : p[k];
  form.elements.workspace.value = p.workspace || "";
  for (const ns of session.namespaces) {
    const v = (p.ext || {})[ns];
    form.elements["ext." + ns].value = v === undefined ? "" : JSON.stringify(v, null, 2);
  }
}

// readExt parses each namespace's editor; a namespace that is no JSON object is shown
// as the error of its editor, as the API would name it.
function readExt(form) {
  const ext = {};
  const invalid = [];
  for (const ns of session.namespaces) {
    const text = form.elements["ext." + ns].value.trim();
    if (!text) continue;
    try {
      ext[ns] = JSON.parse(text);
    } catch (e) {
      invalid.push({ name: "ext." + ns, reason: `ext.${ns} is not valid JSON: ${e.message}` });
    }
  }
  return { ext, invalid };
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// mergePatch is the RFC 7396 patch that turns from into to.
function mergePatch(from, to) {
  if (!isObject(from) || !isObject(to)) return to;
  const patch = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) patch[k] = v;
    else if (JSON.stringify(from[k]) !== JSON.stringify(v)) patch[k] = mergePatch(from[k], v);
  }
  return patch;
}

async function save(form) {
  const p = current.project;
  const { ext, invalid } = readExt(form);
  if (invalid.length) {
    showErrors(form, { invalid_params: invalid });
    return;
  }
  const patch = {};
  for (const k of ["name", "description", "status"]) if (form.elements[k].value !== p[k]) patch[k] = form.elements[k].value;
  const ws = form.elements.workspace.value.trim();
  if (ws !== (p.workspace || "")) patch.workspace = ws || null;
  const owner = form.elements.owner.value.trim();
  if (owner !== p.owner.login) patch.owner = owner;
  const extPatch = mergePatch(p.ext || {}, ext);
  if (Object.keys(extPatch).length) patch.ext = extPatch;
  if (!Object.keys(patch).length) {
    $("edit-saved").textContent = "Nothing changed.";
    return;
  }
  const r = await api("PATCH", "/api/projects/" + p.id, patch, { "Content-Type": "application/merge-patch+json", "If-Match": current.etag });
  if (r.status === 412) {
    const now = await api("GET", "/api/projects/" + p.id);
    const by = now.ok ? ` ${now.json.updated_by} saved version ${now.json.version} at ${when(now.json.updated_at)}.` : "";
    showErrors(form, null, "Not saved: the project changed since you opened it (version " + p.version + ")." + by +
      " Reload the page to see their change, then edit again.");
    return;
  }
  if (!r.ok) {
    showErrors(form, r.json);
    return;
  }
  await showProject(String(p.id));
  $("edit-saved").textContent = "Saved: version " + r.json.version + ".";
}

async function remove() {
  const p = current.project;
  if (!confirm(`Delete the project “${p.name}”? This cannot be undone.`)) return;
  const r = await api("DELETE", "/api/projects/" + p.id, undefined, { "If-Match": current.etag });
  if (!r.ok) {
    showErrors($("edit"), r.json, r.status === 412 ? "Not deleted: the project changed since you opened it. Reload the page." : undefined);
    return;
  }
  location.hash = "#/projects";
}

export async function showNew() {
  const form = $("create");
  if (!form.querySelector("textarea.json")) extEditors(form);
}

async function create(form) {
  const { ext, invalid } = readExt(form);
  if (invalid.length) {
    showErrors(form, { invalid_params: invalid });
    return;
  }
  const body = { name: form.elements.name.value, description: form.elements.description.value, status: form.elements.status.value };
  for (const k of ["workspace", "owner"]) if (form.elements[k].value.trim()) body[k] = form.elements[k].value.trim();
  if (Object.keys(ext).length) body.ext = ext;
  const r = await api("POST", "/api/projects", body);
  if (!r.ok) {
    showErrors(form, r.json);
    return;
  }
  form.reset();
  location.hash = "#/projects/" + r.json.id;
}

export function setupProjects(s) {
  session = s;
  onSubmit($("filters"), () => list(true));
  $("more").addEventListener("click", () => list(false));
  coreFields($("edit"));
  coreFields($("create"));
  onSubmit($("edit"), save);
  $("delete").addEventListener("click", remove);
  onSubmit($("create"), create);
}
