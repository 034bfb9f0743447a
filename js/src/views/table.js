// @ts-check
/** The trace table of the selected frame: one row per line it ran, the values it left. */
import { h, scrollWithin, errorText } from "../dom.js";
import { fname } from "../state.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */
/** @typedef {import("../types.js").Table} Table */

export class TablePane {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    /** @type {Table|null} */
    this.table = null;
    this.key = "";
    this.el = h("div", { class: "ctj-table-box" });
  }

  /** @param {View} v */
  render(v) {
    const frame = v.frame;
    if (frame === undefined || frame < 0) { this.el.textContent = ""; return; }
    const key = `${frame}\u0000${v.step}`;
    if (this.key !== key) {
      this.key = key;
      this.viewer.source.request("table", { frame, step: v.step }).then((res) => {
        if (this.key === key) { this.table = res; this.viewer.keepFocus(() => this.draw()); }
      }).catch((err) => { if (this.key === key) this.drawError(errorText(err)); });
    }
    this.draw();
  }

  /** @param {string} text */
  drawError(text) {
    this.el.textContent = "";
    this.el.appendChild(h("div", { class: "ctj-muted" }, text));
  }

  draw() {
    const box = this.el;
    const t = this.table;
    const v = this.viewer.view;
    box.textContent = "";
    if (!t || !v || t.frame !== v.frame) { box.appendChild(h("div", { class: "ctj-muted" }, "loading…")); return; }
    const pos = v.step;
    const head = h("tr", {}, h("th", { scope: "col" }, "line"), ...t.names.map((n) => h("th", { scope: "col" }, n)), h("th", { scope: "col" }, ""));
    const body = h("tbody", {});
    /** @type {HTMLElement|null} */
    let current = null;
    for (const r of t.rows) {
      const on = r.step < pos && pos <= r.after;
      const tr = h("tr", { class: `ctj-row${on ? " ctj-row-on" : ""}`, "data-step": String(r.step), title: `line ${r.line} ran at step ${r.step + 1} — click to see the state after it` },
        h("td", { class: "ctj-ln" }, String(r.line)),
        ...r.cells.map((c) => h("td", { class: c && c.c ? "ctj-cell ctj-cell-changed" : "ctj-cell" }, c ? c.v : "")),
        h("td", { class: "ctj-rnote" }, r.note || ""));
      tr.addEventListener("click", () => this.viewer.goto(r.after, t.frame));
      body.appendChild(tr);
      if (on) current = tr;
    }
    box.appendChild(h("div", { class: "ctj-table-title" }, `Trace table of ${fname(t.function)}${t.more_names ? ` (${t.more_names} more variables not shown)` : ""}`));
    const scroller = h("div", { class: "ctj-table-scroll", tabindex: "0", "aria-label": "Trace table (scrolls sideways when wide)" }, h("table", { class: "ctj-table" }, h("thead", {}, head), body));
    box.appendChild(scroller);
    const cue = h("div", { class: "ctj-scroll-cue", hidden: true }, "→ more columns: scroll sideways");
    box.appendChild(cue);
    const updateCue = () => { cue.hidden = scroller.scrollWidth <= scroller.clientWidth + 1 || scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth - 1; };
    scroller.addEventListener("scroll", updateCue);
    updateCue();
    if (current) scrollWithin(scroller, current);
  }
}
