// The console: every read and write goes to the native API with the session cookie, and
// every refusal is the API's own problem document, shown next to the field it names.
// Views are chosen by the location's fragment (#/projects, #/projects/12 …).

import { $, api, onSubmit, showErrors } from "/console/lib.js";
import { showDashboard } from "/console/dashboard.js";
import { showList, showProject, showNew, setupProjects } from "/console/projects.js";
import { showWorkspaces, showAccount, setupPeople } from "/console/people.js";
import { showAdmin, setupAdmin } from "/console/admin.js";

export const session = { me: null, namespaces: [] };

const routes = [
  [/^#\/dashboard$/, "dashboard", showDashboard],
  [/^#\/projects$/, "projects", showList],
  [/^#\/projects\/(\d+)$/, "project", showProject],
  [/^#\/new$/, "new", showNew],
  [/^#\/workspaces$/, "workspaces", showWorkspaces],
  [/^#\/account$/, "account", showAccount],
  [/^#\/admin$/, "admin", showAdmin],
];

function showView(name) {
  for (const v of document.querySelectorAll("[data-view]")) v.hidden = v.id !== name + "-view";
  const signedIn = name !== "signin";
  $("nav").hidden = $("signout").hidden = $("who").hidden = !signedIn;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.getAttribute("href") === location.hash) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const title = document.querySelector("#" + name + "-view h1");
  document.title = (title && title.textContent ? title.textContent + " · " : "") + "projectd console";
}

let first = true;

async function route() {
  if (!session.me) {
    const me = await api("GET", "/api/me");
    if (!me.ok) {
      showView("signin");
      $("login").focus();
      return;
    }
    session.me = me.json.user;
    $("who").textContent = "Signed in as " + session.me.login;
    $("nav-admin").hidden = session.me.role !== "admin";
    const doc = await api("GET", "/api/openapi.json");
    session.namespaces = Object.keys(doc.json.components.schemas.Ext.properties || {}).sort();
  }
  const hash = location.hash || "#/projects";
  const match = routes.find(([re]) => re.test(hash));
  if (!match) {
    location.replace("#/projects");
    return;
  }
  const [re, name, show] = match;
  showView(name);
  await show(...hash.match(re).slice(1));
  if (!first) $("main").focus(); // a new view: the reader starts at its top
  first = false;
  const title = document.querySelector("#" + name + "-view h1");
  document.title = title.textContent + " · projectd console";
}

async function signIn(form, body) {
  const r = await api("POST", "/api/session", body);
  if (!r.ok) {
    showErrors(form, r.json);
    return;
  }
  form.reset();
  await route();
}

onSubmit($("signin"), (f) => signIn(f, { login: f.elements.login.value, password: f.elements.password.value }));
onSubmit($("token-signin"), (f) => signIn(f, { token: f.elements.token.value }));
$("signout").addEventListener("click", async () => {
  await api("DELETE", "/api/session");
  session.me = null;
  location.hash = "";
  await route();
});
window.addEventListener("hashchange", route);

setupProjects(session);
setupPeople();
setupAdmin();
route();
