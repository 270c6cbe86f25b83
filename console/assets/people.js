// Workspaces and their members, and the caller's credentials: tokens, access keys, Movika
// auth codes and the password. The store decides who may change what; refusals are
// shown where they apply.

import { $, api, el, fillRows, onSubmit, secretBox, showErrors, when } from "/console/lib.js";

export async function showWorkspaces() {
  const r = await api("GET", "/api/workspaces");
  const box = $("workspace-list");
  if (!r.ok) {
    box.replaceChildren(el("p", { class: "error", role: "alert" }, (r.json && r.json.detail) || "The workspaces could not be read."));
    return;
  }
  if (!r.json.items.length) {
    box.replaceChildren(el("p", {}, "You belong to no workspace yet."));
    return;
  }
  box.replaceChildren(...r.json.items.map(workspaceCard));
}

function workspaceCard(ws) {
  const slug = ws.name.replace(/[^A-Za-z0-9_-]/g, "_");
  const title = "ws-title-" + slug;
  const error = el("p", { class: "error form-error", role: "alert" });
  const rows = ws.members.map((m) => el("tr", {},
    el("td", {}, m.login), el("td", {}, m.role),
    el("td", {}, el("button", { type: "button", "aria-label": `Remove ${m.login} from ${ws.name}`, onclick: async () => {
      const r = await api("DELETE", `/api/workspaces/${encodeURIComponent(ws.name)}/members/${encodeURIComponent(m.login)}`);
      if (!r.ok) error.textContent = r.json.detail;
      else await showWorkspaces();
    } }, "Remove"))));
  const login = "ws-" + slug + "-login";
  const role = "ws-" + slug + "-role";
  const form = el("form", { novalidate: true, "aria-label": "Add a member to " + ws.name },
    el("p", {}, el("label", { for: login }, "Login"),
      el("input", { id: login, name: "login", autocomplete: "off", "aria-describedby": login + "-error" }),
      el("span", { class: "error", id: login + "-error" })),
    el("p", {}, el("label", { for: role }, "Role"),
      el("select", { id: role, name: "role", "aria-describedby": role + "-error" }, el("option", { value: "member" }, "member"), el("option", { value: "owner" }, "owner")),
      el("span", { class: "error", id: role + "-error" })),
    el("p", {}, el("button", { type: "submit" }, "Add or change the member")),
    error);
  onSubmit(form, async (f) => {
    const r = await api("PUT", `/api/workspaces/${encodeURIComponent(ws.name)}/members/${encodeURIComponent(f.elements.login.value)}`, { role: f.elements.role.value });
    if (!r.ok) showErrors(f, r.json);
    else await showWorkspaces();
  });
  return el("section", { class: "card", "aria-labelledby": title },
    el("h2", { id: title }, ws.name),
    el("table", {}, el("caption", {}, "Members of " + ws.name),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Login"), el("th", { scope: "col" }, "Role"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
      el("tbody", {}, rows)),
    form);
}

export async function showAccount() {
  $("tok-secret").hidden = $("key-secret").hidden = $("code-secret").hidden = true;
  await Promise.all([listTokens(), listKeys()]);
}

async function listTokens() {
  const r = await api("GET", "/api/tokens");
  if (!r.ok) return;
  fillRows($("token-rows"), r.json.items, (t) => [t.name, t.scopes.join(", "), when(t.expires_at), when(t.last_used_at), when(t.created_at),
    el("button", { type: "button", "aria-label": "Revoke the token " + t.name, onclick: async () => {
      await api("DELETE", "/api/tokens/" + t.id);
      await listTokens();
    } }, "Revoke")]);
}

async function listKeys() {
  const r = await api("GET", "/api/keys");
  if (!r.ok) return;
  fillRows($("key-rows"), r.json.items, (k) => [k.access_key, k.scopes.join(", "), k.disabled ? "disabled" : "signs", when(k.expires_at), when(k.created_at),
    el("span", { class: "actions" },
      k.disabled ? null : el("button", { type: "button", "aria-label": "Disable the access key " + k.access_key, onclick: async () => {
        await api("POST", `/api/keys/${encodeURIComponent(k.access_key)}/disable`);
        await listKeys();
      } }, "Disable"),
      el("button", { type: "button", "aria-label": "Delete the access key " + k.access_key, onclick: async () => {
        await api("DELETE", "/api/keys/" + encodeURIComponent(k.access_key));
        await listKeys();
      } }, "Delete"))]);
}

export function setupPeople() {
  onSubmit($("ws-create"), async (f) => {
    const r = await api("POST", "/api/workspaces", { name: f.elements.name.value });
    if (!r.ok) return showErrors(f, r.json);
    f.reset();
    await showWorkspaces();
  });
  onSubmit($("tok-create"), async (f) => {
    const scopes = [...f.querySelectorAll("input[name=scopes]:checked")].map((c) => c.value);
    const r = await api("POST", "/api/tokens", { name: f.elements.name.value, scopes, expires_in: f.elements.expires_in.value.trim() });
    if (!r.ok) return showErrors(f, r.json);
    f.reset();
    secretBox($("tok-secret"), `Token “${r.json.name}” created.`, [r.json.token]);
    await listTokens();
  });
  onSubmit($("key-create"), async (f) => {
    const expires = f.elements.expires_in.value.trim();
    const r = await api("POST", "/api/keys", expires ? { expires_in: expires } : {});
    if (!r.ok) return showErrors(f, r.json);
    f.reset();
    secretBox($("key-secret"), `Access key ${r.json.access_key} created; its secret key:`, [r.json.secret_key]);
    await listKeys();
  });
  $("code-create").addEventListener("click", async () => {
    const r = await api("POST", "/api/authcodes");
    $("code-error").textContent = r.ok ? "" : r.json.detail;
    if (r.ok) secretBox($("code-secret"), `Auth code, valid until ${when(r.json.expires_at)}.`, [r.json.auth_code]);
  });
  onSubmit($("pw-change"), async (f) => {
    $("pw-done").textContent = "";
    const r = await api("PUT", "/api/me/password", { current_password: f.elements.current_password.value, password: f.elements.password.value });
    if (!r.ok) return showErrors(f, r.json);
    f.reset();
    $("pw-done").textContent = "Password changed.";
  });
}
