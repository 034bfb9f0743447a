// @ts-check
/**
 * The Variables | Diagram toggle: shows either the viewer's variables list or the
 * frames-and-objects diagram (./diagram.js) in the same place, fetches the diagram of the
 * current step from a data source (the kernel, or data saved in the notebook), drops stale
 * answers, and remembers the choice per notebook in localStorage.
 */
import { createDiagram } from "./diagram.js";

export const MODE_KEY_PREFIX = "ct_jupyter.vars-mode:";

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

/** Best guess of the notebook this output belongs to, for remembering the mode. */
export function notebookPath(/** @type {any} */ summary) {
  if (summary && typeof summary.notebook === "string" && summary.notebook) return summary.notebook;
  try {
    const loc = globalThis.location ?? /** @type {any} */ (globalThis).window?.location;
    return decodeURIComponent(loc?.pathname ?? "");
  } catch { return ""; }
}

/**
 * @typedef {import("./diagram.js").DiagramData} DiagramData
 * @typedef {{
 *   bar: HTMLElement,
 *   list: HTMLElement,
 *   pane: HTMLElement,
 *   notebook?: string,
 *   storage?: Storage | null,
 *   fetch: (step: number, params: {open: number[], limits: Record<string, number>}) => Promise<DiagramData>,
 *   onFrame?: (frame: number) => void,
 *   onName?: (frame: number, name: string) => void,
 *   onObject?: (node: any, names: {frame: number, name: string}[]) => void,
 *   onMode?: (mode: "list" | "diagram") => void,
 * }} ToggleOptions
 */

/**
 * Add the toggle to `bar`; `list` is the variables list element, `pane` an (empty) element where
 * the diagram goes. Call `setStep(step)` whenever the viewer's position changes.
 * @param {ToggleOptions} opts
 */
export function createVarsToggle(opts) {
  const storage = opts.storage === undefined ? safeLocalStorage() : opts.storage;
  const key = modeKey(opts.notebook);
  const group = document.createElement("span");
  group.className = "ct-dg-toggle";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Show variables as");
  const listBtn = document.createElement("button");
  const diagBtn = document.createElement("button");
  listBtn.type = "button"; diagBtn.type = "button";
  listBtn.className = "ct-dg-toggle-list"; diagBtn.className = "ct-dg-toggle-diagram";
  listBtn.textContent = "List"; diagBtn.textContent = "Diagram";
  listBtn.title = "Variables as a list"; diagBtn.title = "Frames and objects, with arrows for references";
  group.append(listBtn, diagBtn);
  opts.bar.appendChild(group);
  const status = document.createElement("div");
  status.className = "ct-dg-status";
  opts.pane.appendChild(status);

  /** @type {ReturnType<typeof createDiagram> | null} */
  let view = null;
  /** @type {"list" | "diagram"} */
  let mode = loadMode(key, storage);
  let step = -1;
  let seq = 0;
  let shown = -1;

  const ensureView = () => {
    if (!view) {
      view = createDiagram(opts.pane, {
        onFrame: opts.onFrame, onName: opts.onName, onObject: opts.onObject,
        onParams: () => refresh(),
      });
    }
    return view;
  };

  function refresh() {
    if (mode !== "diagram" || step < 0) return Promise.resolve();
    const v = ensureView();
    const mine = ++seq;
    const at = step;
    opts.pane.setAttribute("aria-busy", "true");
    return opts.fetch(at, v.params()).then((data) => {
      if (mine !== seq) return;                       // a later step was asked for meanwhile
      status.textContent = "";
      v.update(data);
      shown = at;
      opts.pane.setAttribute("data-step", String(at));
    }, (err) => {
      if (mine !== seq) return;
      status.textContent = `Diagram unavailable: ${err && err.message ? err.message : String(err)}`;
    }).finally(() => { if (mine === seq) opts.pane.removeAttribute("aria-busy"); });
  }

  const apply = () => {
    const diagram = mode === "diagram";
    opts.list.hidden = diagram;
    opts.pane.hidden = !diagram;
    listBtn.setAttribute("aria-pressed", String(!diagram));
    diagBtn.setAttribute("aria-pressed", String(diagram));
    opts.onMode?.(mode);
  };
  const setMode = (/** @type {"list" | "diagram"} */ m) => {
    if (m === mode) return;
    mode = m;
    saveMode(key, m, storage);
    apply();
    if (m === "diagram" && shown !== step) refresh();
  };
  listBtn.addEventListener("click", () => setMode("list"));
  diagBtn.addEventListener("click", () => setMode("diagram"));
  apply();

  return {
    get mode() { return mode; },
    setMode,
    /** The viewer moved to `s`: redraw the diagram (if shown). @param {number} s */
    setStep(s) { step = s; if (mode === "diagram") return refresh(); shown = -1; return Promise.resolve(); },
    refresh,
    get diagram() { return view; },
    destroy() { group.remove(); view?.destroy(); status.remove(); },
  };
}

function safeLocalStorage() {
  try { return globalThis.localStorage ?? null; } catch { return null; }
}
