// @ts-check
/**
 * JupyterLab 4 / Notebook 7 entry: renders our MIME type (the recording saved in the output)
 * with the same viewer, paging from the kernel that made it while that kernel keeps it.
 * Declared safe: it never renders its input as HTML (every string goes in as text), so it also
 * shows in untrusted notebooks. Ranked ahead of the widget view (-10).
 */
import { Widget } from "@lumino/widgets";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { mount } from "./viewer.js";
import { SavedSource, SAVED_MIME } from "./sources/saved.js";
import { FallbackSource } from "./sources/fallback.js";
import { openCommSource } from "./sources/kernel.js";
import "./widget.css";

/** Rank of our renderer (lower wins; the widget view registers at -10). */
export const RANK = -20;
/** How long to wait for the notebook's kernel before showing the saved copy only (ms). */
const KERNEL_WAIT_MS = 4000;

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A rendermime renderer (a Lumino widget) for one saved recording. */
class TraceRenderer extends Widget {
  /** @param {any} app the JupyterFrontEnd */
  constructor(app) {
    super();
    this.app = app;
    this.addClass("ctj-renderer");
    /** @type {(() => void)|null} */
    this.cleanup = null;
  }

  /** @param {any} model an IMimeModel @returns {Promise<void>} */
  renderModel(model) {
    const rec = model.data[SAVED_MIME];
    if (this.cleanup) this.cleanup();
    this.cleanup = mount(() => {
      const saved = new SavedSource(rec);
      const live = this.kernel().then((k) => (k && rec.trace_id ? openCommSource(k, rec.trace_id, rec.summary) : null));
      return new FallbackSource(saved, live);
    }, this.node);
    return Promise.resolve();
  }

  /** The kernel of the notebook this output is in (null: none within KERNEL_WAIT_MS). */
  async kernel() {
    const start = Date.now();
    while (Date.now() - start < KERNEL_WAIT_MS) {
      if (this.node.isConnected) {
        for (const w of this.app.shell.widgets("main")) {
          const ctx = /** @type {any} */ (w).sessionContext;
          if (ctx && w.node.contains(this.node)) {
            const k = ctx.session && ctx.session.kernel;
            if (k && k.connectionStatus === "connected" && k.status !== "unknown" && k.status !== "starting") return k;
          }
        }
      }
      await sleep(100);
    }
    return null;
  }

  dispose() {
    if (this.cleanup) { this.cleanup(); this.cleanup = null; }
    super.dispose();
  }
}

const plugin = {
  id: "ct-jupyter-viewer:renderer",
  description: "Shows ct_jupyter recordings saved in notebook outputs.",
  autoStart: true,
  requires: [IRenderMimeRegistry],
  /** @param {any} app @param {any} rendermime */
  activate(app, rendermime) {
    rendermime.addFactory({ safe: true, mimeTypes: [SAVED_MIME], defaultRank: RANK, createRenderer: () => new TraceRenderer(app) }, RANK);
  },
};

export default plugin;
