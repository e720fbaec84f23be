// A bar chart for aggregate results: the first column with text labels against the first
// column with numbers. Plain SVG, no library.
window.ogpkgChart = function (container, json) {
  "use strict";
  container.textContent = "";
  if (!json || !json.head || !json.results) { return; }
  const vars = json.head.vars || [];
  const rows = json.results.bindings || [];
  const isNumber = function (v) { return rows.length > 0 && rows.every(function (r) {
    return r[v] && r[v].type !== "uri" && r[v].value !== "" && !isNaN(Number(r[v].value)); }); };
  const valueVar = vars.find(isNumber);
  const labelVar = vars.find(function (v) { return v !== valueVar; });
  if (!valueVar || !labelVar || rows.length === 0 || rows.length > 60) { return; }
  const ns = "http://www.w3.org/2000/svg";
  const barHeight = 22, labelWidth = 260, width = 760;
  const max = Math.max.apply(null, rows.map(function (r) { return Number(r[valueVar].value); }));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 " + width + " " + (rows.length * barHeight + 10));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Bar chart of " + valueVar + " by " + labelVar);
  rows.forEach(function (r, i) {
    const label = r[labelVar] ? r[labelVar].value.replace(/^.*[\/#]/, "") : "";
    const value = Number(r[valueVar].value);
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", labelWidth - 6);
    text.setAttribute("y", i * barHeight + 16);
    text.setAttribute("text-anchor", "end");
    text.setAttribute("font-size", "12");
    text.textContent = label;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", labelWidth);
    bar.setAttribute("y", i * barHeight + 4);
    bar.setAttribute("height", barHeight - 6);
    bar.setAttribute("width", max > 0 ? Math.max(1, (width - labelWidth - 60) * value / max) : 1);
    bar.setAttribute("fill", "#0b57a4");
    const num = document.createElementNS(ns, "text");
    num.setAttribute("x", labelWidth + (max > 0 ? (width - labelWidth - 60) * value / max : 0) + 4);
    num.setAttribute("y", i * barHeight + 16);
    num.setAttribute("font-size", "12");
    num.textContent = String(value);
    svg.appendChild(text); svg.appendChild(bar); svg.appendChild(num);
  });
  const heading = document.createElement("h2");
  heading.textContent = "Chart: " + valueVar + " by " + labelVar;
  container.appendChild(heading);
  container.appendChild(svg);
};
