// @ts-check
/** The output pane: the program's stdout/stderr up to this step; click a chunk to go there. */
import { h, scrollWithin } from "../dom.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */

export class OutputPane {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.output = h("pre", { class: "ctj-output", "aria-label": "Output" });
    this.note = h("div", { class: "ctj-note" });
    this.el = h("section", { class: "ctj-pane", "aria-label": "Output" }, h("h3", { class: "ctj-h" }, "Output"), this.note, this.output);
  }

  /** @param {View} v */
  render(v) {
    const out = this.output;
    out.textContent = "";
    const io = v.io || { chunks: [], skipped: 0, total: 0 };
    this.note.textContent = io.skipped ? `… ${io.skipped} earlier chunks not shown` : "";
    if (!io.chunks.length) {
      const s = this.viewer.summary;
      out.appendChild(h("span", { class: "ctj-muted" }, v.gap ? "(not saved)" : (s && s.io_chunks) ? "(nothing printed yet)" : "(no output recorded)"));
      return;
    }
    /** @type {HTMLElement|null} */
    let newest = null;
    for (const c of io.chunks) {
      const span = h("span", { class: `ctj-io ctj-io-${c.stream}${c.new ? " ctj-io-new" : ""}`, title: `${c.stream}, written at step ${c.step + 1} — click to go there`, "data-step": String(c.step) }, c.text);
      span.addEventListener("click", () => this.viewer.goto(c.step + 1));
      out.appendChild(span);
      if (c.new) newest = span;
    }
    if (newest) scrollWithin(out, newest); else out.scrollTop = out.scrollHeight;
  }
}
