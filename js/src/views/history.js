// @ts-check
/** The value history of one variable (opened by clicking its name). */
import { h, errorText } from "../dom.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").History} History */

export class HistoryPane {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    /** @type {{name: string, frame: number}|null} */
    this.selected = null;
    /** @type {History|null} */
    this.history = null;
    this.key = "";
    this.el = h("div", { class: "ctj-history", hidden: true });
  }

  /** Open (or close, when already open) the history of `name` in `frame`. @param {string} name @param {number} frame */
  select(name, frame) {
    const sel = this.selected;
    this.selected = sel && sel.name === name && sel.frame === frame ? null : { name, frame };
    this.history = null;
    this.key = "";
    this.render();
  }

  render() {
    const box = this.el;
    const sel = this.selected;
    const viewer = this.viewer;
    if (!sel || !viewer.view) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    const pos = viewer.view.step;
    const key = `${sel.name}\u0000${sel.frame}\u0000${pos}`;
    if (this.key !== key) {
      this.key = key;
      viewer.source.request("history", { name: sel.name, frame: sel.frame, step: pos }).then((res) => {
        if (this.key === key) { this.history = res; viewer.keepFocus(() => this.draw()); }
      }).catch((err) => viewer.setNotice(errorText(err)));
    }
    this.draw();
  }

  draw() {
    const box = this.el;
    const sel = this.selected;
    const viewer = this.viewer;
    if (!sel) return;
    box.textContent = "";
    const close = h("button", { type: "button", class: "ctj-close", "aria-label": "Close history" }, "×");
    close.addEventListener("click", () => { this.selected = null; this.render(); });
    const hist = this.history;
    box.appendChild(h("h4", { class: "ctj-h" }, `History of ${sel.name}`, hist && hist.function ? ` in ${hist.function === "<module>" ? "<module>" : `${hist.function}()`}` : "", close));
    if (!hist || hist.name !== sel.name) { box.appendChild(h("div", { class: "ctj-muted" }, "loading…")); return; }
    const pos = viewer.view ? viewer.view.step : 0;
    if (hist.partial) box.appendChild(h("div", { class: "ctj-muted" }, "(from the steps saved in the notebook)"));
    if (hist.before) box.appendChild(h("div", { class: "ctj-muted" }, `… ${hist.before} earlier changes`));
    const list = h("ol", { class: "ctj-hist" });
    let current = -1;
    hist.entries.forEach((e, i) => { if (e.step <= pos) current = i; });
    hist.entries.forEach((e, i) => {
      // label a change by the step whose line made it (the counter's numbering, from 1)
      const by = e.by === undefined ? e.step - 1 : e.by;
      const label = by === null || by < 0 ? "on entry" : `step ${by + 1}`;
      const b = h("button", { type: "button", class: `ctj-hist-item${i === current ? " ctj-hist-on" : ""}`, "aria-label": `${label}: ${e.text} (go to the state after it)`, title: by === null || by < 0 ? "bound when the frame started" : `set by the line of step ${by + 1}`, "data-step": String(e.step) },
        h("span", { class: "ctj-hist-step" }, label), h("span", { class: `ctj-val ctj-k-${e.kind}` }, e.text));
      b.addEventListener("click", () => viewer.goto(e.step, sel.frame));
      list.appendChild(h("li", {}, b));
    });
    box.appendChild(list);
    if (hist.after) box.appendChild(h("div", { class: "ctj-muted" }, `… ${hist.after} later changes`));
  }
}
