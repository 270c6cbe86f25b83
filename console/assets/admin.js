// Admins' page: users (create, make admin or member) and Movika app keys. The API
// refuses everybody else; the page is only linked for admins.

import { $, api, el, fillRows, onSubmit, secretBox, showErrors, when } from "/console/lib.js";

export async function showAdmin() {
  $("app-secret").hidden = true;
  await Promise.all([listUsers(), listApps()]);
}

async function listUsers() {
  const r = await api("GET", "/api/users");
  $("users-error").textContent = r.ok ? "" : r.json.detail;
  if (!r.ok) return;
  fillRows($("user-rows"), r.json.items, (u) => {
    const to = u.role === "admin" ? "member" : "admin";
    return [u.login, u.email, [u.first_name, u.last_name].filter(Boolean).join(" "), u.role,
      el("button", { type: "button", onclick: async () => {
        const r = await api("PATCH", "/api/users/" + encodeURIComponent(u.login), { role: to });
        $("users-error").textContent = r.ok ? "" : r.json.detail;
        if (r.ok) await listUsers();
      } }, `Make ${u.login} ${to === "admin" ? "an admin" : "a member"}`)];
  });
}

async function listApps() {
  const r = await api("GET", "/api/appkeys");
  if (!r.ok) return;
  $("app-rows").replaceChildren(...r.json.items.map((k) => el("li", {}, `${k.name}, registered ${when(k.created_at)}`)));
}

export function setupAdmin() {
  onSubmit($("user-create"), async (f) => {
    const body = {};
    for (const k of ["login", "email", "first_name", "last_name", "role", "password"]) if (f.elements[k].value) body[k] = f.elements[k].value;
    const r = await api("POST", "/api/users", body);
    if (!r.ok) return showErrors(f, r.json);
    f.reset();
    await listUsers();
  });
  onSubmit($("app-create"), async (f) => {
    const r = await api("POST", "/api/appkeys", { name: f.elements.name.value });
    if (!r.ok) return showErrors(f, r.json);
    f.reset();
    secretBox($("app-secret"), `App key of “${r.json.name}”.`, [r.json.app_key]);
    await listApps();
  });
}
