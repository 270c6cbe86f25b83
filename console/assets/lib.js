// What every view of the console uses: the native API with the session cookie, elements,
// and the API's problem documents shown next to the fields they name.

export const $ = (id) => document.getElementById(id);

// api calls the native API; the answer keeps its text, its JSON and its headers.
export async function api(method, path, body, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = init.headers["Content-Type"] || "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: resp.status, ok: resp.ok, text, json, headers: resp.headers };
}

// el makes an element with attributes and children (strings become text, never HTML).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return e;
}

// control returns the control of form that the API's parameter name stands for: the one
// of that name, or for "ext.<namespace>.…" the editor of the namespace.
function control(form, name) {
  const direct = form.elements.namedItem(name);
  if (direct) return direct instanceof RadioNodeList ? direct[0] : direct;
  const m = /^ext\.([^.[]+)/.exec(name);
  return m ? form.elements.namedItem("ext." + m[1]) : null;
}

function errorSpot(c) {
  const ids = (c.getAttribute("aria-describedby") || "").split(/\s+/);
  return ids.map((id) => document.getElementById(id)).find((e) => e && e.classList.contains("error"));
}

export function clearErrors(form) {
  for (const e of form.querySelectorAll(".error")) e.textContent = "";
  for (const c of form.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
}

// showErrors puts each reason of a problem next to the field it names, focusing the
// first; what names no field of the form goes to its form-wide message.
export function showErrors(form, problem, fallback) {
  clearErrors(form);
  const params = (problem && problem.invalid_params) || [];
  let first = null;
  for (const p of params) {
    const c = control(form, p.name);
    const spot = c && errorSpot(c);
    if (!spot) continue;
    spot.textContent = p.reason;
    c.setAttribute("aria-invalid", "true");
    first = first || c;
  }
  if (first) {
    first.focus();
    return;
  }
  const message = fallback || (problem && (problem.detail || problem.title)) || "The request failed.";
  form.querySelector(".form-error").textContent = message;
}

export const when = (t) => (t ? new Date(t).toLocaleString() : "never");

// secretBox shows a secret once, with what it is for, and moves focus to it.
export function secretBox(box, label, lines) {
  box.replaceChildren(el("p", {}, label + " It is shown only now: copy it."), ...lines.map((l) => el("pre", { tabindex: "0" }, el("code", {}, l))));
  box.hidden = false;
  box.setAttribute("tabindex", "-1");
  box.focus();
}

// table fills a tbody with one row a record, each cell a string or an element.
export function fillRows(tbody, records, cells) {
  tbody.replaceChildren(...records.map((r) => el("tr", {}, ...cells(r).map((c) => el("td", {}, c)))));
}

// onSubmit runs fn for a form's submission, with its fields cleared of earlier errors.
export function onSubmit(form, fn) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    await fn(form);
  });
}
