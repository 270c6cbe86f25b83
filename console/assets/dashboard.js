// The dashboard: counts of the projects the caller can see (GET /api/dashboard) drawn
// as SVG bar charts, each with its numbers in words for screen readers.

import { $, api, el } from "/console/lib.js";

const svgNS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

// bars draws one horizontal bar a pair of [label, count].
function bars(pairs, titleId) {
  const max = Math.max(1, ...pairs.map(([, n]) => n));
  const row = 28;
  const width = 480;
  const labelWidth = 160;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${Math.max(1, pairs.length) * row}`, role: "img", "aria-labelledby": titleId, class: "chart" },
    svg("desc", {}, pairs.map(([l, n]) => `${l}: ${n}`).join("; ") || "nothing yet"));
  pairs.forEach(([label, n], i) => {
    const y = i * row;
    const w = ((width - labelWidth - 60) * n) / max;
    chart.append(
      svg("text", { x: labelWidth - 8, y: y + 19, "text-anchor": "end", class: "label" }, label),
      svg("rect", { x: labelWidth, y: y + 5, width: Math.max(w, n ? 2 : 0), height: row - 10, class: "bar", rx: 3 }),
      svg("text", { x: labelWidth + w + 6, y: y + 19, class: "value" }, String(n)));
  });
  return chart;
}

// columns draws the weeks left to right, the current one last.
function columns(weeks, titleId) {
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const width = 480;
  const height = 200;
  const step = width / weeks.length;
  const label = (w) => new Date(w.week).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height + 40}`, role: "img", "aria-labelledby": titleId, class: "chart" },
    svg("desc", {}, weeks.map((w) => `week of ${label(w)}: ${w.count}`).join("; ")));
  weeks.forEach((w, i) => {
    const h = (height * w.count) / max;
    const x = i * step;
    chart.append(
      svg("rect", { x: x + 4, y: height - h + 16, width: step - 8, height: h, class: "bar", rx: 2 }),
      svg("text", { x: x + step / 2, y: height - h + 12, "text-anchor": "middle", class: "value" }, String(w.count)),
      svg("text", { x: x + step / 2, y: height + 32, "text-anchor": "middle", class: "label small" }, label(w)));
  });
  return chart;
}

export async function showDashboard() {
  const r = await api("GET", "/api/dashboard");
  $("dash-error").textContent = r.ok ? "" : (r.json && r.json.detail) || "The dashboard could not be read.";
  if (!r.ok) return;
  const d = r.json;
  $("dash-total").replaceChildren(el("strong", {}, String(d.total)), d.total === 1 ? " project you can see" : " projects you can see");
  $("chart-week").replaceChildren(columns(d.created_by_week, "chart-week-title"));
  $("chart-status").replaceChildren(bars(Object.entries(d.by_status), "chart-status-title"));
  $("chart-workspace").replaceChildren(bars(d.by_workspace.slice(0, 10).map((w) => [w.name || "(no workspace)", w.count]), "chart-workspace-title"));
  $("chart-namespace").replaceChildren(bars(Object.entries(d.by_namespace).sort((a, b) => b[1] - a[1]), "chart-namespace-title"));
}
