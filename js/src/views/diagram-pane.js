// @ts-check
/**
 * The frames-and-objects diagram as an alternative view of the variables pane (registered in
 * views/index.js next to the trace table). It asks the viewer's data source for the `diagram` of
 * the current step (the kernel builds it; a saved recording answers from its pack, see
 * diagram-saved.js), drops stale answers, wires clicks to the other panes, widens the side column
 * while it is shown, and remembers per notebook (localStorage) that it was chosen.
 */
import { createDiagram } from "./diagram.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */
/** @typedef {import("./diagram.js").DiagramData} DiagramData */

export const MODE_KEY_PREFIX = "ct_jupyter.vars-mode:";
/** Class on the viewer root while the diagram is shown (the side column gets wider). */
export const WIDE_CLASS = "ct-dg-on";

/** localStorage key of the remembered mode for a notebook path. @param {string | undefined | null} notebook */
export function modeKey(notebook) { return MODE_KEY_PREFIX + (notebook || "(unsaved)"); }

/** @param {string} key @param {Storage | null | undefined} storage @returns {"list" | "diagram"} */
export function loadMode(key, storage) {
  try { return storage?.getItem(key) === "diagram" ? "diagram" : "list"; } catch { return "list"; }
}

/** @param {string} key @param {"list" | "diagram"} mode @param {Storage | null | undefined} storage */
export function saveMode(key, mode, storage) {
  try { storage?.setItem(key, mode); } catch { /* private mode or quota: not remembered */ }
}

/** The notebook this output belongs to (kernel-side session path, else the page path). @param {any} summary */
export function notebookPath(summary) {
  if (summary && typeof summary.notebook === "string" && summary.notebook) return summary.notebook;
  try {
    const loc = globalThis.location ?? /** @type {any} */ (globalThis).window?.location;
    return decodeURIComponent(loc?.pathname ?? "");
  } catch { return ""; }
}

function safeLocalStorage() {
  try { return globalThis.localStorage ?? /** @type {any} */ (globalThis).window?.localStorage ?? null; } catch { return null; }
}

/** Whether the diagram was the last choice for this viewer's notebook. @param {Viewer} viewer */
export function diagramChosen(viewer) {
  return loadMode(modeKey(notebookPath(viewer.summary)), safeLocalStorage()) === "diagram";
}

export class DiagramPane {
  /** @param {Viewer} viewer @param {{storage?: Storage | null}} [options] */
  constructor(viewer, options = {}) {
    this.viewer = viewer;
    this.storage = options.storage === undefined ? safeLocalStorage() : options.storage;
    this.el = document.createElement("div");
    this.el.className = "ct-dg-pane";
    this.status = document.createElement("div");
    this.status.className = "ct-dg-status ctj-muted";
    this.el.appendChild(this.status);
    this.seq = 0;
    /** the step whose diagram is drawn, and the step last asked for */
    this.drawn = -1;
    this.step = -1;
    /** @type {ReturnType<typeof createDiagram> | null} */
    this.view = null;
  }

  /** The diagram view (made on first use). */
  diagram() {
    if (!this.view) {
      const viewer = this.viewer;
      this.view = createDiagram(this.el, {
        onFrame: (frame) => viewer.selectFrame(frame),
        onName: (frame, name) => viewer.history.select(name, frame),
        // an object: select the innermost frame whose name points at it (stack, source, history)
        onObject: (_node, names) => { if (names.length) viewer.selectFrame(names[names.length - 1].frame); },
        onParams: () => this.fetch(this.step),
      });
    }
    return this.view;
  }

  /** Called by the variables pane when this view is switched on or off. @param {boolean} on */
  setShown(on) {
    this.viewer.root.classList.toggle(WIDE_CLASS, on);
    saveMode(modeKey(notebookPath(this.viewer.summary)), on ? "diagram" : "list", this.storage);
    if (!on) this.drawn = -1;
  }

  /** @param {View} v */
  render(v) {
    this.viewer.root.classList.add(WIDE_CLASS);
    if (v.step === this.drawn && v.step === this.step) return;     // same step: nothing new to draw
    this.step = v.step;
    this.fetch(v.step);
  }

  /** Ask the data source for the diagram at `step`; a later request wins. @param {number} step */
  fetch(step) {
    if (step < 0) return Promise.resolve();
    const view = this.diagram();
    const mine = ++this.seq;
    this.el.setAttribute("aria-busy", "true");
    return this.viewer.source.request("diagram", { step, ...view.params() }).then((/** @type {DiagramData} */ data) => {
      if (mine !== this.seq) return;
      this.status.textContent = "";
      this.viewer.keepFocus(() => view.update(data));
      this.drawn = step;
      this.el.setAttribute("data-step", String(step));
    }, (/** @type {any} */ err) => {
      if (mine !== this.seq) return;
      this.status.textContent = `Diagram unavailable: ${err && err.message ? err.message : String(err)}`;
    }).finally(() => { if (mine === this.seq) this.el.removeAttribute("aria-busy"); });
  }
}
