// @ts-check
/**
 * The `kernel` data source: the kernel keeps the recording and answers small windows over
 * custom messages (`{type: "view"|"source"|"nav"|"expand"|"history"|"table", req, ...}`); each
 * reply carries its payload as one JSON buffer. Two transports: the anywidget model (the widget
 * view, position synced through the `step`/`frame` traits) and a kernel comm (the notebook
 * renderer, position kept locally).
 */
import { clamp } from "../state.js";
import { decodeBuffer } from "../dom.js";

/** @typedef {import("../types.js").DataSource} DataSource */
/** @typedef {import("../types.js").DataSourceEvents} DataSourceEvents */
/** @typedef {import("../types.js").Position} Position */
/** @typedef {import("../types.js").Summary} Summary */

export const REQUEST_TIMEOUT_MS = 20000;

/** Text of the error a request gets when the kernel does not answer. */
export const NO_ANSWER = "The kernel did not answer. The full recording lives in the kernel that made it: if that kernel was restarted or shut down, run the cell again.";

/**
 * @typedef {Object} Transport  a message pipe to the kernel
 * @property {(content: Record<string, any>) => void} send
 * @property {(fn: (msg: any, buffers: any[]) => void) => (() => void)} listen  returns "stop listening"
 */

/** Request/reply over a transport; unsolicited messages go to `onPush`. */
export class Channel {
  /** @param {Transport} transport @param {(type: string, body: any) => void} onPush @param {number} [timeoutMs] */
  constructor(transport, onPush, timeoutMs = REQUEST_TIMEOUT_MS) {
    this.transport = transport;
    this.onPush = onPush;
    this.timeoutMs = timeoutMs;
    this.nextId = 1;
    // Several views of one model share its messages: request ids must not collide between them.
    this.prefix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    /** @type {Map<string, {resolve: (v: any) => void, reject: (e: Error) => void, timer: any}>} */
    this.pending = new Map();
    this.unlisten = transport.listen((msg, buffers) => this.receive(msg, buffers));
  }

  /** @param {string} type @param {Record<string, any>} body @returns {Promise<any>} */
  request(type, body = {}) {
    const req = `${this.prefix}-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        const err = new Error(NO_ANSWER);
        /** @type {any} */ (err).code = "no_answer";
        reject(err);
      }, this.timeoutMs);
      this.pending.set(req, { resolve, reject, timer });
      this.transport.send({ ...body, type, req });
    });
  }

  /** @param {any} msg @param {any[]} buffers */
  receive(msg, buffers) {
    if (!msg || typeof msg !== "object") return;
    const body = decodeBuffer(buffers && buffers[0]);
    const waiting = msg.req !== null && msg.req !== undefined ? this.pending.get(msg.req) : undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      this.pending.delete(msg.req);
      if (msg.type === "error") {
        const err = new Error(body ? `${body.error}: ${body.message}` : "error");
        /** @type {any} */ (err).code = body && body.code;
        waiting.reject(err);
      } else waiting.resolve(body);
      return;
    }
    this.onPush(msg.type, body);
  }

  close() {
    this.unlisten();
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

/**
 * The anywidget model's data source (`TraceWidget`).
 * @implements {DataSource}
 */
export class WidgetSource {
  /** @param {any} model the anywidget model */
  constructor(model) {
    this.kind = "kernel";
    this.movesOnNav = true;       // the kernel moves the position and pushes the view itself
    this.model = model;
    /** @type {Partial<DataSourceEvents>} */
    this.events = {};
    /** @type {Transport} */
    const transport = {
      send: (content) => model.send(content),
      listen: (fn) => { model.on("msg:custom", fn); return () => model.off("msg:custom", fn); },
    };
    this.channel = new Channel(transport, (type, body) => this.push(type, body));
    this.onPos = () => { if (this.events.onPosition) this.events.onPosition(this.position()); };
    this.onSum = () => { if (this.events.onSummary) this.events.onSummary(this.summary()); };
    model.on("change:step", this.onPos);
    model.on("change:frame", this.onPos);
    model.on("change:summary", this.onSum);
  }

  /** @returns {Summary} */
  summary() { return this.model.get("summary") || {}; }

  /** @returns {Position} */
  position() {
    const frame = this.model.get("frame");
    return { step: clamp(this.model.get("step"), Number(this.summary().steps || 0)), frame: frame === undefined || frame === null ? -1 : Number(frame) };
  }

  /** @param {Position} pos */
  save(pos) {
    this.model.set("step", pos.step);
    this.model.set("frame", pos.frame);
    this.model.save_changes();
  }

  /** @param {string} type @param {Record<string, any>} body */
  request(type, body) { return this.channel.request(type, body); }

  /** @param {Partial<DataSourceEvents>} events */
  subscribe(events) { this.events = events; }

  /** @param {string} type @param {any} body */
  push(type, body) {
    if (!body) return;
    if (type === "view" && this.events.onView) this.events.onView(body);
    else if (type === "error" && this.events.onNotice) this.events.onNotice(`${body.error}: ${body.message}`);
  }

  close() {
    this.channel.close();
    this.model.off("change:step", this.onPos);
    this.model.off("change:frame", this.onPos);
    this.model.off("change:summary", this.onSum);
  }
}

/** How long the kernel has to confirm it still keeps a recording (ms). */
export const OPEN_TIMEOUT_MS = 5000;

/**
 * The notebook renderer's live source: a comm (target `ct_jupyter.trace`) to the kernel that
 * made the recording. Position is kept locally (nothing to sync).
 * @implements {DataSource}
 */
export class CommSource {
  /** @param {any} comm an opened JupyterLab kernel comm @param {Summary} summary */
  constructor(comm, summary) {
    this.kind = "kernel";
    this.movesOnNav = false;
    this.comm = comm;
    this.sum = summary;
    /** @type {Position} */
    this.pos = { step: clamp(summary.start, summary.steps), frame: -1 };
    /** @type {((msg: any, buffers: any[]) => void)|null} */
    this.handler = null;
    /** @type {Transport} */
    const transport = {
      send: (content) => { try { comm.send(content); } catch (err) { /* closed: the request times out */ } },
      listen: (fn) => { this.handler = fn; return () => { this.handler = null; }; },
    };
    /** @type {Partial<DataSourceEvents>} */
    this.events = {};
    this.channel = new Channel(transport, (type, body) => this.push(type, body));
  }

  /** The kernel moved the position (`w.step = n` on the recording's widget). @param {string} type @param {any} body */
  push(type, body) {
    if (type !== "view" || !body) return;
    const pos = { step: body.step, frame: body.auto_frame === false ? body.frame : -1 };
    this.pos = pos;
    if (this.events.onPosition) this.events.onPosition(pos);
    if (this.events.onView) this.events.onView(body);
  }

  /** @param {any} msg a kernel comm_msg */
  deliver(msg) {
    const data = msg && msg.content ? msg.content.data : null;
    if (this.handler) this.handler(data, msg.buffers || []);
  }

  summary() { return this.sum; }
  position() { return { ...this.pos }; }
  /** @param {Position} pos */
  save(pos) { this.pos = { ...pos }; }
  /** @param {Partial<DataSourceEvents>} events */
  subscribe(events) { this.events = events; }
  /** @param {string} type @param {Record<string, any>} body */
  request(type, body) { return this.channel.request(type, body); }
  close() {
    this.channel.close();
    try { if (!this.comm.isDisposed) this.comm.close(); } catch (err) { /* already closed */ }
  }
}

/**
 * Open a comm to `kernel` for recording `traceId`; resolve to a CommSource when the kernel
 * still keeps it, else null (released, another kernel, no ct_jupyter there, no answer).
 * @param {any} kernel a JupyterLab IKernelConnection @param {string} traceId @param {Summary} summary
 * @returns {Promise<CommSource|null>}
 */
export function openCommSource(kernel, traceId, summary) {
  return new Promise((resolve) => {
    /** @type {any} */
    let comm;
    try { comm = kernel.createComm("ct_jupyter.trace"); } catch (err) { resolve(null); return; }
    const source = new CommSource(comm, summary);
    let settled = false;
    const finish = (/** @type {CommSource|null} */ value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!value) source.close();
      resolve(value);
    };
    const timer = setTimeout(() => finish(null), OPEN_TIMEOUT_MS);
    comm.onMsg = (/** @type {any} */ msg) => {
      const data = msg && msg.content ? msg.content.data : null;
      if (!settled) {
        if (data && data.type === "ready") finish(source);
        else if (data && data.type === "gone") finish(null);
        return;
      }
      source.deliver(msg);
    };
    comm.onClose = () => {
      finish(null);
      // later requests fail fast instead of waiting for the timeout
      for (const [req, p] of source.channel.pending) {
        clearTimeout(p.timer);
        source.channel.pending.delete(req);
        const err = new Error("The kernel closed the connection to this recording.");
        /** @type {any} */ (err).code = "gone";
        p.reject(err);
      }
    };
    try { comm.open({ trace_id: traceId }); } catch (err) { finish(null); }
  });
}
