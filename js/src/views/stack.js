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
    /** @type {HTMLElement|null} */
    let current = null;
    for (const e of v.stack) {
      if ("gap" in e) { list.appendChild(h("li", { class: "ctj-muted" }, `… ${e.gap} more frames …`)); continue; }
      const on = e.frame === v.frame;
      const name = e.call || (e.function === "<module>" ? "<module>" : `${e.function}()`);
      const b = h("button", { type: "button", class: `ctj-frame${on ? " ctj-frame-on" : ""}`, "aria-pressed": String(on), "data-frame": String(e.frame), "aria-label": `Select frame ${name}, line ${e.line}` },
        h("span", { class: "ctj-fn" }, name),
        h("span", { class: "ctj-where" }, `${labels.get(e.path) ?? ""}:${e.line}`));
      b.addEventListener("click", () => this.viewer.selectFrame(e.frame));
      // every frame's locals, as Python Tutor's frames show them (the selected frame's in full
      // in the variables pane)
      const locals = (e.locals || []).map(([n, x]) => h("span", { class: "ctj-local" }, h("span", { class: "ctj-local-name" }, n), " = ", h("code", { class: "ctj-val" }, x)));
      const li = h("li", { class: "ctj-stack-item" }, b, locals.length ? h("div", { class: "ctj-locals" }, ...locals) : null);
      list.appendChild(li);
      if (on || (current === null && e.frame === (v.current ? v.current.frame : -1))) current = li;
    }
    // keep the current frame in view in a deep stack (the innermost is at the bottom)
    const last = /** @type {HTMLElement|null} */ (list.lastElementChild);
    const target = current || last;
    if (target) scrollIntoList(list, target);
  }
}

/** Scroll `list` (not the page) so that `item` is visible. @param {HTMLElement} list @param {HTMLElement} item */
function scrollIntoList(list, item) {
  const top = item.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + item.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + item.offsetHeight - list.clientHeight;
}
