// @ts-check
/** The source pane: file tabs, line numbers, hit counts, current/previous line marks. */
import { h, scrollWithin, errorText } from "../dom.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */
/** @typedef {import("../types.js").Source} Source */

export class SourcePane {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    /** @type {Map<number, Source>} */
    this.sources = new Map();
    /** @type {Set<number>} */
    this.requests = new Set();
    /** @type {number|null} a file tab the user picked (until the next step) */
    this.shownPath = null;
    this.tabs = h("div", { class: "ctj-tabs", role: "tablist", "aria-label": "Files" });
    this.code = h("div", { class: "ctj-code", role: "list", "aria-label": "Source" });
    this.el = h("section", { class: "ctj-pane ctj-source", "aria-label": "Source" }, this.tabs, this.code);
  }

  /** @param {View} v @returns {number} */
  shownPathId(v) {
    if (this.shownPath !== null) return this.shownPath;
    if (v.where) return v.where.path;
    if (v.prev) return v.prev.path;
    return 0;
  }

  /** @param {number} pid */
  ensure(pid) {
    if (this.sources.has(pid) || this.requests.has(pid)) return;
    this.requests.add(pid);
    this.viewer.source.request("source", { path: pid }).then((src) => {
      this.sources.set(pid, src);
      this.requests.delete(pid);
      if (this.viewer.view) this.render(this.viewer.view);
    }).catch((err) => { this.requests.delete(pid); this.viewer.setNotice(errorText(err)); });
  }

  /** @param {View} v */
  render(v) {
    const viewer = this.viewer;
    const s = viewer.summary || {};
    const pid = this.shownPathId(v);
    this.tabs.textContent = "";
    const paths = (s.paths || []).filter((p) => p.has_source);
    for (const p of paths) {
      const here = v.where && v.where.path === p.id;
      const tab = h("button", { type: "button", role: "tab", class: `ctj-tab${p.id === pid ? " ctj-tab-on" : ""}${here ? " ctj-tab-here" : ""}`, "aria-selected": String(p.id === pid), title: p.path, "data-path": String(p.id) }, p.label);
      tab.addEventListener("click", () => { this.shownPath = p.id; if (viewer.view) this.render(viewer.view); });
      this.tabs.appendChild(tab);
    }
    this.tabs.hidden = paths.length <= 1;
    if (!(s.paths || []).length) {
      this.code.textContent = "";
      this.code.removeAttribute("data-path");
      this.code.appendChild(h("div", { class: "ctj-muted" }, "Nothing was recorded: no line ran under the recorder."));
      return;
    }
    const src = this.sources.get(pid);
    if (!src) {
      this.ensure(pid);
      if (this.code.getAttribute("data-path") !== String(pid)) {
        this.code.textContent = "";
        this.code.appendChild(h("div", { class: "ctj-muted" }, "loading source…"));
      }
      return;
    }
    if (this.code.getAttribute("data-path") !== String(pid)) this.fill(pid, src);
    this.mark(v, pid, src);
  }

  /** Draw the lines of one file (once per file shown). @param {number} pid @param {Source} src */
  fill(pid, src) {
    this.code.textContent = "";
    this.code.setAttribute("data-path", String(pid));
    if (!src.known) this.code.appendChild(h("div", { class: "ctj-muted" }, `source of ${src.label} is not available`));
    // the hit-count column is as wide as the largest count (9.10: 6+ digit counts never overlap the code)
    const widest = Math.max(0, ...Object.values(src.counts || {}).map((c) => `${c}×`.length));
    this.code.style.setProperty("--ctj-count-ch", String(Math.max(2, widest)));
    src.lines.forEach((text, i) => {
      const n = i + 1;
      const count = src.counts[String(n)];
      const row = h("div", { class: "ctj-line", role: "listitem", "data-line": String(n), title: count ? `ran ${count}× — click: next time it runs, Shift+click: previous` : "" },
        h("span", { class: "ctj-mark", "aria-hidden": "true" }),
        h("span", { class: "ctj-ln" }, String(n)),
        h("span", { class: "ctj-count" }, count ? `${count}×` : ""),
        h("span", { class: "ctj-text" }, text === "" ? " " : text));
      row.addEventListener("click", (e) => this.viewer.jumpToLine(pid, n, e.shiftKey));
      this.code.appendChild(row);
    });
  }

  /** Mark ran / current / previous lines for view `v`. @param {View} v @param {number} pid @param {Source} src */
  mark(v, pid, src) {
    const pos = v.step;
    const cur = v.where && v.where.path === pid ? v.where.line : null;
    const isCurrentFrame = v.current && v.where && v.current.line === v.where.line && v.current.path === v.where.path && v.auto_frame;
    const prev = v.prev && v.prev.path === pid && (v.auto_frame || v.end) ? v.prev.line : null;
    const raising = (v.exceptions || []).some((e) => e.when === "now" && e.kind === "raise");
    /** @type {HTMLElement|null} */
    let curRow = null;
    for (const row of /** @type {HTMLElement[]} */ ([...this.code.children])) {
      const n = Number(row.getAttribute("data-line"));
      if (!n) continue;
      const first = src.first[String(n)];
      row.classList.toggle("ctj-ran", first !== undefined && (first < pos || (v.end && first <= pos)));
      row.classList.toggle("ctj-cur", n === cur);
      row.classList.toggle("ctj-caller", n === cur && !isCurrentFrame && !v.end);
      row.classList.toggle("ctj-raise", n === cur && raising && !!v.auto_frame);
      row.classList.toggle("ctj-prev", n === prev && n !== cur);
      const mark = /** @type {HTMLElement} */ (row.firstChild);
      mark.textContent = n === cur ? "➜" : n === prev ? "✓" : "";
      if (n === cur) { curRow = row; row.setAttribute("aria-current", "step"); } else row.removeAttribute("aria-current");
    }
    if (curRow) scrollWithin(this.code, curRow);
  }
}
