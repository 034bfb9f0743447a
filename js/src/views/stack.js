// @ts-check
/** The call-stack pane: one button per frame; clicking selects the frame. */
import { h } from "../dom.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */

export class StackPane {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.list = h("ol", { class: "ctj-stack" });
    this.el = h("section", { class: "ctj-pane", "aria-label": "Call stack" }, h("h3", { class: "ctj-h" }, "Call stack"), this.list);
  }

  /** @param {View} v */
  render(v) {
    const list = this.list;
    list.textContent = "";
    const s = this.viewer.summary || {};
    const labels = new Map((s.paths || []).map((p) => [p.id, p.label]));
    if (!v.stack || v.stack.length === 0) {
      list.appendChild(h("li", { class: "ctj-muted" }, v.end ? "(the run has ended)" : "(empty)"));
      return;
    }
    for (const e of v.stack) {
      if ("gap" in e) { list.appendChild(h("li", { class: "ctj-muted" }, `… ${e.gap} more frames …`)); continue; }
      const on = e.frame === v.frame;
      const b = h("button", { type: "button", class: `ctj-frame${on ? " ctj-frame-on" : ""}`, "aria-pressed": String(on), "data-frame": String(e.frame), "aria-label": `Select frame ${e.function}, line ${e.line}` },
        h("span", { class: "ctj-fn" }, e.function === "<module>" ? "<module>" : `${e.function}()`),
        h("span", { class: "ctj-where" }, `${labels.get(e.path) ?? ""}:${e.line}`));
      b.addEventListener("click", () => this.viewer.selectFrame(e.frame));
      list.appendChild(h("li", {}, b));
    }
  }
}
