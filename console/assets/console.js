// The console: every read and write goes to the native API with the session cookie, and
// every refusal is the API's own problem document, shown next to the field it names.

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  return { status: resp.status, ok: resp.ok, json: text ? JSON.parse(text) : null };
}

// showProblem puts a problem document's message next to each field it names, in the
// form whose fields are named by ids, or in fallback when it names none of them.
function showProblem(problem, ids, fallback) {
  for (const id of ids) $(id + "-error").textContent = "";
  $(fallback).textContent = "";
  const params = (problem && problem.invalid_params) || [];
  let shown = false;
  for (const p of params) {
    if (ids.includes(p.name)) {
      $(p.name + "-error").textContent = p.reason;
      $(p.name).focus();
      shown = true;
    }
  }
  if (!shown) $(fallback).textContent = (problem && (problem.detail || problem.title)) || "The request failed.";
}

function show(view) {
  $("signin-view").hidden = view !== "signin";
  $("projects-view").hidden = view !== "projects";
  $("signout").hidden = view === "signin";
  $("who").hidden = view === "signin";
}

async function start() {
  const me = await api("GET", "/api/me");
  if (!me.ok) {
    show("signin");
    $("login").focus();
    return;
  }
  $("who").textContent = "Signed in as " + me.json.user.login;
  show("projects");
  await list(true);
}

let cursor = null;

// filterNames are the list's controls, each named as the native API's parameter.
const filterNames = [...document.querySelectorAll("#filters input, #filters select")].map((c) => c.name);

async function list(fresh) {
  const params = new URLSearchParams({ limit: "20", count: "exact" });
  for (const name of filterNames) {
    const control = $(name);
    let v = control.value;
    if (v && control.dataset.time !== undefined) v = new Date(v).toISOString(); // local time to RFC 3339
    if (v) params.set(name, v);
  }
  if (!fresh && cursor) params.set("cursor", cursor);
  const r = await api("GET", "/api/projects?" + params);
  if (!r.ok) {
    showProblem(r.json, filterNames, "list-error");
    return;
  }
  showProblem(null, filterNames, "list-error");
  const rows = $("rows");
  if (fresh) rows.replaceChildren();
  for (const p of r.json.items) {
    const tr = document.createElement("tr");
    for (const text of [p.name, p.owner.login, p.workspace || "", p.status, new Date(p.created_at).toLocaleString()]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    rows.append(tr);
  }
  cursor = r.json.next_cursor;
  $("more").hidden = !r.json.has_more;
  $("total").textContent = r.json.total + (r.json.total === 1 ? " project" : " projects");
}

async function signIn(body, ids, fallback) {
  const r = await api("POST", "/api/session", body);
  if (!r.ok) {
    showProblem(r.json, ids, fallback);
    return;
  }
  showProblem(null, ids, fallback);
  await start();
}

$("signin").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn({ login: $("login").value, password: $("password").value }, ["login", "password"], "signin-error");
});
$("token-signin").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn({ token: $("token").value }, ["token"], "token-error");
});
$("signout").addEventListener("click", async () => {
  await api("DELETE", "/api/session");
  cursor = null;
  start();
});
$("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  list(true);
});
$("more").addEventListener("click", () => list(false));

start();
