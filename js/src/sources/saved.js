// @ts-check
/**
 * The `saved` data source: answers the viewer from the recording embedded in the notebook
 * output (SavedRecording, types.js). Steps that were not saved come back as a view with a
 * `gap`, which the banner names ("steps 412–39,870 are not saved in the notebook").
 */
import { clamp } from "../state.js";
import { unpackDiagram } from "../views/diagram-saved.js";

/** @typedef {import("../types.js").DataSource} DataSource */
/** @typedef {import("../types.js").DataSourceEvents} DataSourceEvents */
/** @typedef {import("../types.js").SavedRecording} SavedRecording */
/** @typedef {import("../types.js").View} View */
/** @typedef {import("../types.js").ValueNode} ValueNode */
/** @typedef {import("../types.js").Position} Position */

/** Version of the saved layout this viewer reads (saved.VERSION). */
export const SAVED_VERSION = 1;
/** Our MIME type (saved.MIME). */
export const SAVED_MIME = "application/vnd.ct-jupyter.trace.v1+json";

/** @param {string} text */
function notSaved(text) {
  const err = new Error(text);
  /** @type {any} */ (err).code = "not_saved";
  return Promise.reject(err);
}

/** @implements {DataSource} */
export class SavedSource {
  /** @param {SavedRecording} rec */
  constructor(rec) {
    if (!rec || typeof rec !== "object" || rec.version !== SAVED_VERSION) {
      throw new Error(`saved recording version ${rec && rec.version} is not readable by this viewer (${SAVED_VERSION}); update ct_jupyter`);
    }
    this.kind = "saved";
    this.movesOnNav = false;
    this.rec = rec;
    /** sorted saved positions */
    this.steps = Object.keys(rec.views || {}).map(Number).sort((a, b) => a - b);
    /** @type {Position} */
    this.pos = { step: clamp(rec.summary.start, rec.summary.steps), frame: -1 };
  }

  summary() { return this.rec.summary; }
  position() { return { ...this.pos }; }
  /** @param {Position} pos */
  save(pos) { this.pos = { ...pos }; }
  /** @param {Partial<DataSourceEvents>} _events */
  subscribe(_events) {}
  close() {}

  /** The gap holding position `pos` (null: saved). @param {number} pos */
  gapAt(pos) {
    for (const [from, to] of this.rec.gaps || []) if (from <= pos && pos <= to) return { from, to };
    return null;
  }

  /** @param {number} pos @returns {View} */
  viewAt(pos) {
    const saved = this.rec.views[String(pos)];
    if (saved) return saved;
    const n = this.rec.summary.steps;
    return {
      schema: this.rec.schema, step: pos, end: pos >= n, steps: n, frame: -1, auto_frame: true,
      stack: [], vars: [], io: { chunks: [], skipped: 0, total: 0 },
      nav: { over: null, out: null, back_over: null, back_out: null },
      exceptions: [], returned: [], where: null, prev: null, gap: this.gapAt(pos) || { from: pos, to: pos },
    };
  }

  /** @param {string} type @param {Record<string, any>} body @returns {Promise<any>} */
  request(type, body) {
    const step = clamp(body.step === undefined ? this.pos.step : body.step, this.rec.summary.steps);
    switch (type) {
      case "view": {
        const v = this.viewAt(step);
        const frame = body.frame === undefined ? -1 : Number(body.frame);
        if (frame >= 0 && frame !== v.frame && !v.end && !v.gap) {
          return notSaved("Only the current frame of each step is saved in the notebook; the other frames need the kernel that made the recording.");
        }
        return Promise.resolve(v);
      }
      case "source": {
        const src = this.rec.sources[String(body.path)];
        return src ? Promise.resolve(src) : notSaved(`The source of file ${body.path} is not saved in the notebook.`);
      }
      case "nav": return Promise.resolve(this.nav(body, step));
      case "expand": {
        const node = this.findNode(this.viewAt(step), Number(body.oid));
        return node ? Promise.resolve({ oid: body.oid, step, value: node }) : notSaved("The rest of this value is not saved in the notebook.");
      }
      case "history": return Promise.resolve(this.history(String(body.name), Number(body.frame)));
      case "table": return notSaved("The trace table is not saved in the notebook: it needs the kernel that made the recording (run the cell again).");
      case "diagram": {
        const d = unpackDiagram(this.rec.diagrams, step);
        return d ? Promise.resolve(d) : notSaved("The diagram of this step is not saved in the notebook (run the cell again to explore it).");
      }
      default: return notSaved(`unknown request ${type}`);
    }
  }

  /** @param {Record<string, any>} body @param {number} step */
  nav(body, step) {
    const action = String(body.action);
    if (action === "line") {
      const hit = (/** @type {number} */ s) => {
        const v = this.rec.views[String(s)];
        return !!(v && v.current && v.current.path === Number(body.path) && v.current.line === Number(body.line));
      };
      const order = body.backward ? [...this.steps].reverse() : this.steps;
      const target = order.find((s) => (body.backward ? s < step : s > step) && hit(s));
      return { action, target: target === undefined ? null : target, from: step };
    }
    const v = this.rec.views[String(step)];
    const target = v ? /** @type {any} */ (v.nav)[action] : null;
    return { action, target: target === undefined ? null : target, from: step };
  }

  /** A saved node with children for object `oid` in view `v`. @param {View} v @param {number} oid @returns {ValueNode|null} */
  findNode(v, oid) {
    /** @param {ValueNode} node @returns {ValueNode|null} */
    const walk = (node) => {
      if (!node || typeof node !== "object") return null;
      if (node.o === oid && (node.items || node.entries || node.attrs)) return node;
      for (const c of node.items || []) { const f = walk(c); if (f) return f; }
      for (const [, c] of node.entries || []) { const f = walk(c); if (f) return f; }
      for (const [, c] of node.attrs || []) { const f = walk(c); if (f) return f; }
      return null;
    };
    for (const row of v.vars || []) { const f = walk(row.value); if (f) return f; }
    return null;
  }

  /** The changes of `name` in `frame` seen across the saved steps. @param {string} name @param {number} frame */
  history(name, frame) {
    /** @type {import("../types.js").HistoryEntry[]} */
    const entries = [];
    let last = null;
    let fn = undefined;
    for (const s of this.steps) {
      const v = this.rec.views[String(s)];
      if (!v || v.frame !== frame) continue;
      const row = (v.vars || []).find((r) => r.name === name);
      if (!row) continue;
      fn = v.frame_function;
      const text = row.value.x;
      if (text !== last) entries.push({ step: s, text, kind: row.value.k, type: row.value.t || "" });
      last = text;
    }
    return { name, frame, function: fn, entries, total: entries.length, before: 0, after: 0, partial: (this.rec.gaps || []).length > 0 };
  }
}
