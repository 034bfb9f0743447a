// @ts-check
/**
 * The viewer: owns the DOM under `el`, keeps the wanted position, asks its data source for the
 * view there and hands it to the panes. It does not know where the data comes from: a
 * `DataSource` (types.js) is either the kernel (sources/kernel.js) or the recording saved in the
 * notebook (sources/saved.js), or the kernel with the saved copy behind it (sources/fallback.js).
 */
import { h, errorText } from "./dom.js";
import { SCHEMA, SEARCHED, clamp, hereText, keyAction, targetOf } from "./state.js";
import { Controls } from "./views/controls.js";
import { Banner } from "./views/banner.js";
import { SourcePane } from "./views/source.js";
import { StackPane } from "./views/stack.js";
import { VariablesPane } from "./views/variables.js";
import { HistoryPane } from "./views/history.js";
import { OutputPane } from "./views/output.js";
import { ALT_VIEWS } from "./views/index.js";

/** @typedef {import("./types.js").DataSource} DataSource */
/** @typedef {import("./types.js").View} View */
/** @typedef {import("./types.js").Summary} Summary */
/** @typedef {import("./types.js").Position} Position */

/** How long a view may take before the viewer says it is waiting (ms). */
export const SLOW_MS = 1500;

export class Viewer {
  /** @param {DataSource} source @param {HTMLElement} el */
  constructor(source, el) {
    this.source = source;
    this.el = el;
    /** @type {View|null} */
    this.view = null;
    this.inflight = false;
    this.dirty = false;
    /** @type {Position|null} */
    this.lastSent = null;
    this.disposed = false;
    this.notice = "";
    /** @type {any} */
    this.slowTimer = null;
    /** @type {Summary} */
    this.summary = source.summary() || /** @type {any} */ ({});
    if (this.summary.schema !== undefined && this.summary.schema !== SCHEMA) {
      throw new Error(`payload schema ${this.summary.schema} does not match the viewer (${SCHEMA}); restart the kernel`);
    }
    el.textContent = "";
    this.root = h("div", {
      class: "ctj-root", tabindex: "0", role: "group", "data-source": this.source.kind,
      "aria-label": "Trace viewer: arrow keys step, Shift+arrows step over, Home/End jump",
    });
    // Keys: only the ones the viewer uses, taken before the notebook's shortcuts (capture on
    // window runs first in JupyterLab and Notebook 7); every other key reaches the notebook.
    this.onKeyCapture = (/** @type {KeyboardEvent} */ e) => this.onKey(e);
    const win = this.root.ownerDocument.defaultView;
    if (win) win.addEventListener("keydown", this.onKeyCapture, true);
    // A click inside the viewer keeps focus inside it (Notebook 7 moves focus to the cell on mousedown).
    this.root.addEventListener("click", (e) => this.refocus(e));
    this.controls = new Controls(this);
    this.banner = new Banner(this);
    this.noticeEl = h("div", { class: "ctj-notice", role: "alert" });
    this.sourcePane = new SourcePane(this);
    this.stack = new StackPane(this);
    this.history = new HistoryPane(this);
    this.variables = new VariablesPane(this, ALT_VIEWS, this.history.el);
    this.output = new OutputPane(this);
    /** Panes redrawn at every view, in order. */
    this.panes = [this.banner, this.sourcePane, this.stack, this.variables, this.output];
    const side = h("div", { class: "ctj-side" }, this.stack.el, this.variables.el, this.output.el);
    this.root.append(this.controls.el, this.banner.el, this.noticeEl, h("div", { class: "ctj-main" }, this.sourcePane.el, side));
    el.appendChild(this.root);
    source.subscribe({
      onView: (view) => this.onView(view),
      onPosition: (pos) => this.positionChanged(pos),
      onSummary: (summary) => { this.summary = summary || /** @type {any} */ ({}); this.controls.renderHeader(); this.renderCounter(); },
      onNotice: (text) => this.setNotice(text),
      onSourceChange: (kind) => this.sourceChanged(kind),
    });
    this.sourceChanged(source.kind);
    this.want = this.source.position();
    this.controls.renderHeader();
    this.renderCounter();
    this.requestView();
  }

  get steps() { return Number((this.summary && this.summary.steps) || 0); }

  // -- position --------------------------------------------------------------------------------
  /** Move to position `pos` (frame back to automatic unless given). @param {number} pos @param {number} [frame] */
  goto(pos, frame = -1) {
    const step = clamp(pos, this.steps);
    this.want = { step, frame };
    this.sourcePane.shownPath = null;
    this.setNotice("");
    this.renderCounter();
    this.requestView();
  }

  /** @param {number} frame */
  selectFrame(frame) {
    this.want = { step: this.want.step, frame };
    this.sourcePane.shownPath = null;
    this.requestView();
  }

  /** The position changed outside this view (kernel `w.step = ...`, another view). @param {Position} now */
  positionChanged(now) {
    if (now.step === this.want.step && now.frame === this.want.frame) return;
    // The kernel echoes our own updates back; an echo of what we last sent is not a new position
    // (we may have moved on locally since). A real kernel-side change always differs from it.
    if (this.lastSent && now.step === this.lastSent.step && now.frame === this.lastSent.frame) return;
    this.want = now;
    this.renderCounter();
    this.requestView();
  }

  /** @param {string} action */
  act(action) {
    const pos = this.want.step;
    const v = this.view;
    const target = targetOf(action, pos, this.steps, v && v.step === pos ? v.nav : null);
    if (target !== null) this.goto(target);
    else if (SEARCHED.includes(action) && !(v && v.step === pos)) {
      this.source.request("nav", { action, step: pos }).then((res) => this.afterNav(res)).catch((err) => this.setNotice(errorText(err)));
    }
  }

  /** A kernel source moves the position itself after a nav; others leave it to the viewer. @param {any} res */
  afterNav(res) {
    if (!this.source.movesOnNav && res && res.target !== null && res.target !== undefined) this.goto(res.target);
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    const target = /** @type {Node|null} */ (e.target);
    if (this.disposed || !target || !this.root.contains(target)) return;
    const action = keyAction(e);
    if (!action) return;                 // not ours: Ctrl+S, Shift+Enter, Esc, ... reach the notebook
    e.preventDefault();
    e.stopPropagation();
    this.act(action);
  }

  /** @param {Event} e */
  refocus(e) {
    const doc = this.root.ownerDocument;
    if (this.root.contains(doc.activeElement)) return;
    const t = /** @type {HTMLElement|null} */ (e.target);
    const focusable = t && t.closest ? /** @type {HTMLElement|null} */ (t.closest("button:not([disabled]), input, [tabindex]")) : null;
    (focusable && this.root.contains(focusable) ? focusable : this.root).focus({ preventScroll: true });
  }

  /** @param {number} path @param {number} line @param {boolean} backward */
  jumpToLine(path, line, backward) {
    this.source.request("nav", { action: "line", path, line, backward, step: this.want.step })
      .then((res) => {
        if (res && (res.target === null || res.target === undefined)) {
          this.setNotice(`Line ${line} does not run ${backward ? "before" : "after"} this step.`);
        } else this.afterNav(res);
      })
      .catch((err) => this.setNotice(errorText(err)));
  }

  /** Say where the data comes from. @param {string} kind */
  sourceChanged(kind) {
    this.root.setAttribute("data-source", kind);
    this.controls.source.textContent = kind === "saved" ? "· saved in the notebook" : "";
  }

  /** @param {string} text */
  setNotice(text) {
    this.notice = text;
    if (this.noticeEl) this.noticeEl.textContent = text;
  }

  requestView() {
    if (this.disposed) return;
    if (this.inflight) { this.dirty = true; return; }
    this.inflight = true;
    this.dirty = false;
    const want = { ...this.want };
    this.source.save(want);
    this.lastSent = want;
    this.root.setAttribute("aria-busy", "true");
    clearTimeout(this.slowTimer);
    this.slowTimer = setTimeout(() => this.markStale(want), SLOW_MS);
    this.source.request("view", want)
      .then((body) => this.onView(body))
      .catch((err) => this.setNotice(errorText(err)))
      .finally(() => {
        this.inflight = false;
        if (this.dirty) this.requestView();
        else {
          clearTimeout(this.slowTimer);
          this.root.removeAttribute("aria-busy");
        }
      });
  }

  /** The counter moved but no view came: say so instead of showing an old step as the new one. @param {Position} want */
  markStale(want) {
    if (this.disposed || !this.root.hasAttribute("aria-busy")) return;
    this.root.classList.add("ctj-stale");
    const shown = this.view ? `step ${this.view.step + 1}` : "nothing yet";
    this.setNotice(`Waiting for the kernel to show step ${want.step + 1}… (the panes still show ${shown})`);
  }

  /** @param {View|null} body */
  onView(body) {
    if (this.disposed || !body) return;
    const w = this.want;
    if (body.step !== w.step) return;                 // stale
    if (w.frame >= 0 && body.frame !== w.frame && !body.end) return;
    if (this.root.classList.contains("ctj-stale")) {
      this.root.classList.remove("ctj-stale");
      if (this.notice.startsWith("Waiting for the kernel")) this.setNotice("");
    }
    this.view = body;
    this.render();
  }

  // -- rendering -------------------------------------------------------------------------------
  /** Run `fn` (which may disable or replace the focused control) and keep keyboard focus in the viewer. @param {() => void} fn */
  keepFocus(fn) {
    const doc = this.root.ownerDocument;
    const had = this.root.contains(doc.activeElement);
    fn();
    const now = /** @type {any} */ (doc.activeElement);
    if (had && (!now || !this.root.contains(now) || now.disabled)) {
      this.root.focus({ preventScroll: true });
    }
  }

  renderCounter() {
    this.keepFocus(() => this.controls.drawCounter());
  }

  render() {
    const v = this.view;
    if (!v) return;
    this.root.setAttribute("data-step", String(v.step));
    this.keepFocus(() => {
      this.controls.drawCounter();
      this.controls.here.textContent = hereText(v, this.summary);
      for (const pane of this.panes) pane.render(v);
      this.history.render();
    });
    this.root.setAttribute("data-ready", "1");
  }

  destroy() {
    this.disposed = true;
    clearTimeout(this.slowTimer);
    const win = this.root.ownerDocument.defaultView;
    if (win) win.removeEventListener("keydown", this.onKeyCapture, true);
    this.source.close();
  }
}

/**
 * Draw a viewer for `source` into `el`; a failure is shown in the cell, not swallowed.
 * @param {() => DataSource} makeSource @param {HTMLElement} el @returns {() => void} cleanup
 */
export function mount(makeSource, el) {
  /** @type {Viewer|null} */
  let viewer = null;
  try {
    viewer = new Viewer(makeSource(), el);
  } catch (err) {
    el.textContent = "";
    el.appendChild(h("div", { class: "ctj-root ctj-fatal", role: "alert" }, `ct_jupyter viewer failed to start: ${errorText(err)}`));
    console.error("ct_jupyter viewer failed", err);
  }
  return () => { if (viewer) viewer.destroy(); };
}
