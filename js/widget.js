// @ts-check
/**
 * ct_jupyter trace viewer: the front end of `ct_jupyter.widget.TraceWidget` (anywidget AFM).
 *
 * The kernel keeps the trace. This module asks it for small windows over custom messages
 * (`{type: "view"|"source"|"nav"|"expand"|"history", req}`); replies carry the payload as one
 * JSON buffer. Synced traits: `summary` (static facts), `step` (position), `frame` (-1 = the
 * step's own frame).
 *
 * SAFETY: every string that comes from the traced program is put into the DOM with
 * `textContent` / `createTextNode` (the `h()` helper below); nothing here uses innerHTML.
 */

export const SCHEMA = 1;
const REQUEST_TIMEOUT_MS = 20000;

/**
 * Create an element; string children become text nodes (never parsed as HTML).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Decode a reply buffer (DataView / ArrayBuffer / typed array) holding JSON. */
export function decodeBuffer(buf) {
  if (buf === undefined || buf === null) return null;
  let bytes;
  if (buf instanceof ArrayBuffer) bytes = new Uint8Array(buf);
  else if (ArrayBuffer.isView(buf)) bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  else if (typeof buf === "string") return JSON.parse(buf);
  else return buf;
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Request/reply over anywidget custom messages; unsolicited messages go to `onPush`. */
export class Channel {
  /** @param {any} model @param {(type: string, body: any) => void} onPush */
  constructor(model, onPush) {
    this.model = model;
    this.onPush = onPush;
    this.nextId = 1;
    // Several views of one model share its messages: request ids must not collide between them.
    this.prefix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    /** @type {Map<string, {resolve: Function, reject: Function, timer: any}>} */
    this.pending = new Map();
    this.handler = (msg, buffers) => this.receive(msg, buffers);
    model.on("msg:custom", this.handler);
  }

  /** @param {string} type @param {Record<string, any>} body @returns {Promise<any>} */
  request(type, body = {}) {
    const req = `${this.prefix}-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(new Error(`The kernel did not answer (${type}). The recording lives in the kernel that made it: if that kernel was restarted or this notebook was reopened, run the cell again.`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(req, { resolve, reject, timer });
      this.model.send({ ...body, type, req });
    });
  }

  receive(msg, buffers) {
    if (!msg || typeof msg !== "object") return;
    const body = decodeBuffer(buffers && buffers[0]);
    const waiting = msg.req !== null && msg.req !== undefined ? this.pending.get(msg.req) : undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      this.pending.delete(msg.req);
      if (msg.type === "error") waiting.reject(new Error(body ? `${body.error}: ${body.message}` : "error"));
      else waiting.resolve(body);
      if (msg.type === "view") this.onPush("view", body);
      return;
    }
    this.onPush(msg.type, body);
  }

  close() {
    this.model.off("msg:custom", this.handler);
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

/**
 * What a key press does when the viewer has focus (null: not ours).
 * @param {{key: string, shiftKey?: boolean, altKey?: boolean, ctrlKey?: boolean, metaKey?: boolean}} e
 */
export function keyAction(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case "ArrowRight": return e.shiftKey ? "over" : "next";
    case "ArrowLeft": return e.shiftKey ? "back_over" : "prev";
    case "ArrowDown": return e.shiftKey ? "back_over" : "over";
    case "ArrowUp": return e.shiftKey ? "back_out" : "out";
    case "Home": return "first";
    case "End": return "last";
    default: return null;
  }
}

/** Clamp a position to 0..steps (steps = the end position). */
export function clamp(pos, steps) {
  return Math.max(0, Math.min(steps, Math.trunc(Number(pos) || 0)));
}

/**
 * Return the position an action leads to from `view` (null: nowhere), for actions that need
 * no kernel search: next/prev/first/last and the step over/out targets the view carries.
 */
export function targetOf(action, pos, steps, nav) {
  switch (action) {
    case "next": return pos < steps ? pos + 1 : null;
    case "prev": return pos > 0 ? pos - 1 : null;
    case "first": return pos !== 0 ? 0 : null;
    case "last": return pos !== steps ? steps : null;
    default: {
      const t = nav ? nav[action] : null;
      return t === undefined || t === null || t === pos ? null : t;
    }
  }
}

/** Text of the step counter. */
export function counterText(pos, steps) {
  if (steps === 0) return "No steps recorded";
  if (pos >= steps) return `End · ${steps} step${steps === 1 ? "" : "s"}`;
  return `Step ${pos + 1} of ${steps}`;
}

/** A stable hue for an object id (shared-object badges get matching colours). */
export function oidHue(oid) {
  return (Math.imul(Number(oid) + 1, 2654435761) >>> 0) % 360;
}

const BUTTONS = [
  ["first", "First step (Home)"],
  ["back_out", "Step out backward: to the line that called this function (Shift+↑)"],
  ["back_over", "Step over backward: previous line in this function (Shift+← or Shift+↓)"],
  ["prev", "Back one step (←)"],
  ["next", "Forward one step (→)"],
  ["over", "Step over: next line in this function (Shift+→ or ↓)"],
  ["out", "Step out: return to the caller (↑)"],
  ["last", "Last step: the end of the run (End)"],
];

/** Icon shapes (our own constants): [filled paths, stroked paths, dots]. */
const ICONS = {
  first: [["M3 3h2v10H3z", "M13 3 6 8l7 5z"], [], []],
  prev: [["M11 3 4 8l7 5z"], [], []],
  next: [["M5 3l7 5-7 5z"], [], []],
  last: [["M11 3h2v10h-2z", "M3 3l7 5-7 5z"], [], []],
  over: [["M11.2 7.2h4.3l-2.15 3.3z"], ["M2.5 10.5a5.2 5.2 0 0 1 10.8-1.6"], [[8, 13.2]]],
  back_over: [["M4.8 7.2H.5l2.15 3.3z"], ["M13.5 10.5a5.2 5.2 0 0 0-10.8-1.6"], [[8, 13.2]]],
  out: [["M8 1.8 4.2 6h7.6z"], ["M8 5.5V12", "M3 14.2h10"], []],
  back_out: [["M1.8 8 6 4.2v7.6z"], ["M5.5 8H11.5V2.5"], [[11.5, 13.5]]],
};

/** Build a small inline SVG icon with DOM calls (no markup parsing). */
export function icon(name) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const [fills, strokes, dots] = ICONS[name] || [[], [], []];
  for (const d of fills) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "currentColor");
    svg.appendChild(p);
  }
  for (const d of strokes) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "1.7");
    p.setAttribute("stroke-linecap", "round");
    svg.appendChild(p);
  }
  for (const [cx, cy] of dots) {
    const c = document.createElementNS(NS, "circle");
    c.setAttribute("cx", String(cx));
    c.setAttribute("cy", String(cy));
    c.setAttribute("r", "1.5");
    c.setAttribute("fill", "currentColor");
    svg.appendChild(c);
  }
  return svg;
}

/** The viewer: owns the DOM under `el` and talks to the kernel through `model`. */
export class Viewer {
  /** @param {any} model @param {HTMLElement} el */
  constructor(model, el) {
    this.model = model;
    this.el = el;
    /** @type {Map<number, any>} */
    this.sources = new Map();
    /** @type {Set<number>} */
    this.sourceRequests = new Set();
    this.view = null;
    this.inflight = false;
    this.dirty = false;
    this.shownPath = null;        // a file tab the user picked (until the next step)
    this.expanded = new Set();    // variable tree paths the user opened (kept across steps)
    /** @type {Map<string, any>} */
    this.expandCache = new Map(); // "oid@step" -> value json
    this.selectedVar = null;      // {name, frame}
    this.history = null;
    this.historyKey = "";
    this.notice = "";
    this.lastSent = null;
    this.disposed = false;
    this.channel = new Channel(model, (type, body) => this.onPush(type, body));
    this.build();
    this.onModelChange = () => this.modelChanged();
    model.on("change:step", this.onModelChange);
    model.on("change:frame", this.onModelChange);
    this.onSummary = () => { this.summary = model.get("summary") || {}; this.renderHeader(); };
    model.on("change:summary", this.onSummary);
    this.want = this.modelState();
    this.renderHeader();
    this.requestView();
  }

  get steps() { return Number((this.summary && this.summary.steps) || 0); }

  modelState() {
    const frame = this.model.get("frame");
    return { step: clamp(this.model.get("step"), this.steps), frame: frame === undefined || frame === null ? -1 : Number(frame) };
  }

  // -- skeleton --------------------------------------------------------------------------------
  build() {
    this.summary = this.model.get("summary") || {};
    if (this.summary.schema !== undefined && this.summary.schema !== SCHEMA) {
      throw new Error(`payload schema ${this.summary.schema} does not match the viewer (${SCHEMA}); restart the kernel`);
    }
    const el = this.el;
    el.textContent = "";
    this.root = h("div", {
      class: "ctj-root", tabindex: "0", role: "group",
      "aria-label": "Trace viewer: arrow keys step, Shift+arrows step over, Home/End jump",
      "data-lm-suppress-shortcuts": "true",
    });
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    this.buttons = {};
    const controls = h("div", { class: "ctj-controls", role: "toolbar", "aria-label": "Step controls" });
    for (const [action, label] of BUTTONS) {
      const b = h("button", { type: "button", class: `ctj-btn ctj-btn-${action}`, "aria-label": label, title: label, "data-action": action }, icon(action));
      b.addEventListener("click", () => this.act(action));
      this.buttons[action] = b;
      controls.appendChild(b);
    }
    this.slider = /** @type {HTMLInputElement} */ (h("input", { type: "range", class: "ctj-slider", min: "0", max: String(this.steps), step: "1", value: "0", "aria-label": "Step" }));
    this.slider.addEventListener("input", () => this.goto(Number(this.slider.value)));
    this.counter = h("span", { class: "ctj-counter", "aria-live": "polite" });
    this.here = h("span", { class: "ctj-here" });
    this.title = h("span", { class: "ctj-title" });
    this.status = h("span", { class: "ctj-status" });
    const bar = h("div", { class: "ctj-bar" }, h("div", { class: "ctj-head" }, this.title, this.status), controls, h("div", { class: "ctj-track" }, this.slider, this.counter, this.here));
    this.banner = h("div", { class: "ctj-banner", role: "status" });
    this.tabs = h("div", { class: "ctj-tabs", role: "tablist", "aria-label": "Files" });
    this.code = h("div", { class: "ctj-code", role: "list", "aria-label": "Source" });
    const source = h("section", { class: "ctj-pane ctj-source", "aria-label": "Source" }, this.tabs, this.code);
    this.stackList = h("ol", { class: "ctj-stack" });
    this.varsTitle = h("span", {}, "Variables");
    this.tableBtn = h("button", { type: "button", class: "ctj-table-btn", "aria-pressed": "false", title: "Trace table: one row per line this function ran, with the values it left", "aria-label": "Show the trace table of this function" }, "Table");
    this.tableBtn.addEventListener("click", () => this.toggleTable());
    const varsHead = h("h3", { class: "ctj-h" }, this.varsTitle, this.tableBtn);
    this.vars = h("div", { class: "ctj-vars", role: "tree", "aria-label": "Variables" });
    this.tableBox = h("div", { class: "ctj-table-box", hidden: true });
    this.tableOn = false;
    this.table = null;
    this.tableKey = "";
    this.historyBox = h("div", { class: "ctj-history", hidden: true });
    this.output = h("pre", { class: "ctj-output", "aria-label": "Output" });
    this.outputNote = h("div", { class: "ctj-note" });
    const side = h("div", { class: "ctj-side" },
      h("section", { class: "ctj-pane", "aria-label": "Call stack" }, h("h3", { class: "ctj-h" }, "Call stack"), this.stackList),
      h("section", { class: "ctj-pane", "aria-label": "Variables" }, varsHead, this.vars, this.tableBox, this.historyBox),
      h("section", { class: "ctj-pane", "aria-label": "Output" }, h("h3", { class: "ctj-h" }, "Output"), this.outputNote, this.output));
    this.noticeEl = h("div", { class: "ctj-notice", role: "alert" });
    this.root.append(bar, this.banner, this.noticeEl, h("div", { class: "ctj-main" }, source, side));
    el.appendChild(this.root);
  }

  // -- state changes ---------------------------------------------------------------------------
  /** Move to position `pos` (frame back to automatic) and tell the kernel. */
  goto(pos, frame = -1) {
    const step = clamp(pos, this.steps);
    this.want = { step, frame };
    this.shownPath = null;
    this.model.set("step", step);
    this.model.set("frame", frame);
    this.setNotice("");
    this.renderCounter();
    this.requestView();               // saves the position with the request (throttled while dragging)
  }

  selectFrame(frame) {
    this.want = { step: this.want.step, frame };
    this.shownPath = null;
    this.model.set("frame", frame);
    this.requestView();
  }

  modelChanged() {
    const now = this.modelState();
    if (now.step === this.want.step && now.frame === this.want.frame) return;
    // The kernel echoes our own updates back; an echo of what we last sent is not a new position
    // (we may have moved on locally since). A real kernel-side change always differs from it.
    if (this.lastSent && now.step === this.lastSent.step && now.frame === this.lastSent.frame) return;
    this.want = now;                 // changed by the kernel (w.step = ...)
    this.renderCounter();
    this.requestView();
  }

  act(action) {
    const pos = this.want.step;
    const target = targetOf(action, pos, this.steps, this.view && this.view.step === pos ? this.view.nav : null);
    if (target !== null) this.goto(target);
    else if (["over", "out", "back_over", "back_out"].includes(action) && !(this.view && this.view.step === pos)) {
      this.channel.request("nav", { action, step: pos }).catch((err) => this.setNotice(String(err.message || err)));
    }
  }

  onKey(e) {
    if (e.target && /** @type {any} */ (e.target).tagName === "INPUT" && !e.shiftKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return; // the slider moves itself
    const action = keyAction(e);
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    this.act(action);
  }

  jumpToLine(path, line, backward) {
    this.channel.request("nav", { action: "line", path, line, backward, step: this.want.step })
      .then((res) => {
        if (res && (res.target === null || res.target === undefined)) {
          this.setNotice(`Line ${line} does not run ${backward ? "before" : "after"} this step.`);
        }
      })
      .catch((err) => this.setNotice(String(err.message || err)));
  }

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
    this.model.set("step", want.step);
    this.model.set("frame", want.frame);
    this.model.save_changes();
    this.lastSent = want;
    this.root.setAttribute("aria-busy", "true");
    this.channel.request("view", want)
      .catch((err) => this.setNotice(String(err.message || err)))
      .finally(() => {
        this.inflight = false;
        if (this.dirty) this.requestView();
        else this.root.removeAttribute("aria-busy");
      });
  }

  onPush(type, body) {
    if (this.disposed || !body) return;
    if (type === "view") {
      const w = this.want;
      if (body.step !== w.step) return;                 // stale
      if (w.frame >= 0 && body.frame !== w.frame && !body.end) return;
      this.view = body;
      this.render();
    } else if (type === "error") {
      this.setNotice(`${body.error}: ${body.message}`);
    }
  }

  // -- rendering -------------------------------------------------------------------------------
  renderHeader() {
    const s = this.summary || {};
    this.title.textContent = s.title ? `codetrace · ${s.title}` : "codetrace";
    const parts = [];
    const o = s.outcome;
    this.status.className = "ctj-status";
    if (o && o.status === "raised") {
      parts.push(`raised ${o.exc_type || "an exception"}`);
      this.status.classList.add("ctj-status-raised");
    } else if (o && o.status === "returned") parts.push("finished");
    if (s.truncated) parts.push(`recording stopped (${s.stop_reason || "limit"})${s.dropped_steps ? `, ${s.dropped_steps} more steps ran unrecorded` : ""}`);
    this.status.textContent = parts.join(" · ");
    this.slider.max = String(this.steps);
    this.renderCounter();
  }

  /** Run `fn` (which may disable or replace the focused control) and keep keyboard focus in the viewer. */
  keepFocus(fn) {
    const doc = this.root.ownerDocument;
    const had = this.root.contains(doc.activeElement);
    fn();
    const now = doc.activeElement;
    if (had && (!now || !this.root.contains(now) || /** @type {any} */ (now).disabled)) {
      this.root.focus({ preventScroll: true });
    }
  }

  renderCounter() {
    this.keepFocus(() => this.drawCounter());
  }

  drawCounter() {
    const pos = this.want.step;
    this.slider.value = String(pos);
    this.slider.setAttribute("aria-valuetext", counterText(pos, this.steps));
    this.counter.textContent = counterText(pos, this.steps);
    const nav = this.view && this.view.step === pos ? this.view.nav : null;
    for (const [action] of BUTTONS) {
      const target = targetOf(action, pos, this.steps, nav);
      this.buttons[action].disabled = target === null && (nav !== null || !["over", "out", "back_over", "back_out"].includes(action));
    }
  }

  render() {
    const v = this.view;
    if (!v) return;
    this.root.setAttribute("data-step", String(v.step));
    this.keepFocus(() => {
      this.drawCounter();
      this.here.textContent = hereText(v, this.summary);
      this.renderBanner(v);
      this.renderSource(v);
      this.renderStack(v);
      this.renderVars(v);
      this.renderOutput(v);
      this.renderHistory();
      this.renderTable();
    });
    this.root.setAttribute("data-ready", "1");
  }

  renderBanner(v) {
    const b = this.banner;
    b.textContent = "";
    b.className = "ctj-banner";
    const s = this.summary || {};
    for (const line of exceptionLines(v.exceptions || [], v.end)) {
      b.appendChild(h("div", { class: `ctj-exc ctj-exc-${line.kind}` }, `${line.lead} `, h("strong", {}, line.type), line.message ? `: ${line.message}` : "", line.tail || ""));
    }
    for (const r of v.returned || []) {
      const label = r.kind === "exception" ? `${r.function}() exited with an exception` : `${r.function}() ${r.kind === "yield" ? "yielded" : "returned"} `;
      b.appendChild(h("div", { class: "ctj-ret" }, "↩ ", label, r.value ? h("code", { class: "ctj-val" }, r.value.x) : null));
    }
    if (v.end) {
      const o = s.outcome;
      if (o && o.status === "raised") {
        b.appendChild(h("div", { class: "ctj-exc ctj-exc-final" }, "The run failed with ", h("strong", {}, o.exc_type || "an exception"), o.exc_message ? `: ${o.exc_message}` : ""));
      } else {
        b.appendChild(h("div", { class: "ctj-done" }, "The run finished", o && o.value !== undefined ? " with value " : "", o && o.value !== undefined ? h("code", { class: "ctj-val" }, o.value) : null, "."));
      }
      if (s.truncated) b.appendChild(h("div", { class: "ctj-trunc" }, `Recording stopped early (${s.stop_reason || "limit"}); ${s.dropped_steps || 0} further steps ran but were not recorded.`));
    }
    b.hidden = b.childNodes.length === 0;
  }

  shownPathId(v) {
    if (this.shownPath !== null) return this.shownPath;
    if (v.where) return v.where.path;
    if (v.prev) return v.prev.path;
    return 0;
  }

  ensureSource(pid) {
    if (this.sources.has(pid) || this.sourceRequests.has(pid)) return;
    this.sourceRequests.add(pid);
    this.channel.request("source", { path: pid }).then((src) => {
      this.sources.set(pid, src);
      this.sourceRequests.delete(pid);
      if (this.view) this.renderSource(this.view);
    }).catch((err) => { this.sourceRequests.delete(pid); this.setNotice(String(err.message || err)); });
  }

  renderSource(v) {
    const s = this.summary || {};
    const pid = this.shownPathId(v);
    // tabs: every recorded file with source
    this.tabs.textContent = "";
    const paths = (s.paths || []).filter((p) => p.has_source);
    for (const p of paths) {
      const here = v.where && v.where.path === p.id;
      const tab = h("button", { type: "button", role: "tab", class: `ctj-tab${p.id === pid ? " ctj-tab-on" : ""}${here ? " ctj-tab-here" : ""}`, "aria-selected": String(p.id === pid), title: p.path, "data-path": String(p.id) }, p.label);
      tab.addEventListener("click", () => { this.shownPath = p.id; this.renderSource(this.view); });
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
      this.ensureSource(pid);
      if (this.code.getAttribute("data-path") !== String(pid)) {
        this.code.textContent = "";
        this.code.appendChild(h("div", { class: "ctj-muted" }, "loading source…"));
      }
      return;
    }
    if (this.code.getAttribute("data-path") !== String(pid)) {
      this.code.textContent = "";
      this.code.setAttribute("data-path", String(pid));
      if (!src.known) this.code.appendChild(h("div", { class: "ctj-muted" }, `source of ${src.label} is not available`));
      src.lines.forEach((text, i) => {
        const n = i + 1;
        const count = src.counts[String(n)];
        const row = h("div", { class: "ctj-line", role: "listitem", "data-line": String(n), title: count ? `ran ${count}× — click: next time it runs, Shift+click: previous` : "" },
          h("span", { class: "ctj-mark", "aria-hidden": "true" }),
          h("span", { class: "ctj-ln" }, String(n)),
          h("span", { class: "ctj-count" }, count ? `${count}×` : ""),
          h("span", { class: "ctj-text" }, text === "" ? " " : text));
        row.addEventListener("click", (e) => this.jumpToLine(pid, n, e.shiftKey));
        this.code.appendChild(row);
      });
    }
    const pos = v.step;
    const cur = v.where && v.where.path === pid ? v.where.line : null;
    const isCurrentFrame = v.current && v.where && v.current.line === v.where.line && v.current.path === v.where.path && v.auto_frame;
    const prev = v.prev && v.prev.path === pid && (v.auto_frame || v.end) ? v.prev.line : null;
    const raising = (v.exceptions || []).some((e) => e.when === "now" && e.kind === "raise");
    let curRow = null;
    for (const row of /** @type {any} */ (this.code.children)) {
      const n = Number(row.getAttribute("data-line"));
      if (!n) continue;
      const first = src.first[String(n)];
      row.classList.toggle("ctj-ran", first !== undefined && (first < pos || (v.end && first <= pos)));
      row.classList.toggle("ctj-cur", n === cur);
      row.classList.toggle("ctj-caller", n === cur && !isCurrentFrame && !v.end);
      row.classList.toggle("ctj-raise", n === cur && raising && v.auto_frame);
      row.classList.toggle("ctj-prev", n === prev && n !== cur);
      const mark = row.firstChild;
      mark.textContent = n === cur ? "➜" : n === prev ? "✓" : "";
      if (n === cur) { curRow = row; row.setAttribute("aria-current", "step"); } else row.removeAttribute("aria-current");
    }
    if (curRow) scrollWithin(this.code, curRow);
  }

  renderStack(v) {
    const list = this.stackList;
    list.textContent = "";
    const s = this.summary || {};
    const labels = new Map((s.paths || []).map((p) => [p.id, p.label]));
    if (!v.stack || v.stack.length === 0) {
      list.appendChild(h("li", { class: "ctj-muted" }, v.end ? "(the run has ended)" : "(empty)"));
      return;
    }
    for (const e of v.stack) {
      if (e.gap) { list.appendChild(h("li", { class: "ctj-muted" }, `… ${e.gap} more frames …`)); continue; }
      const on = e.frame === v.frame;
      const b = h("button", { type: "button", class: `ctj-frame${on ? " ctj-frame-on" : ""}`, "aria-pressed": String(on), "data-frame": String(e.frame), "aria-label": `Select frame ${e.function}, line ${e.line}` },
        h("span", { class: "ctj-fn" }, e.function === "<module>" ? "<module>" : `${e.function}()`),
        h("span", { class: "ctj-where" }, `${labels.get(e.path) ?? ""}:${e.line}`));
      b.addEventListener("click", () => this.selectFrame(e.frame));
      list.appendChild(h("li", {}, b));
    }
  }

  renderVars(v) {
    this.varsTitle.textContent = v.frame_function ? `Variables · ${fname(v.frame_function)}` : "Variables";
    const box = this.vars;
    box.textContent = "";
    if (!v.vars || v.vars.length === 0) {
      box.appendChild(h("div", { class: "ctj-muted" }, "(no variables yet)"));
      return;
    }
    for (const row of v.vars) box.appendChild(this.varNode(row.name, row.value, [row.name], 0, row, v));
  }

  /** One variable-tree row (and its open children). */
  varNode(label, node, path, level, top, v) {
    const key = path.join("\u0000");
    const hasKids = !!(node.items || node.entries || node.attrs || node.more);
    const open = hasKids && this.expanded.has(key);
    const changed = (top && top.changed) || node.d === 1;
    const row = h("div", { class: `ctj-var${changed ? " ctj-changed" : ""}`, role: "treeitem", "aria-level": String(level + 1), "data-path": key, "aria-expanded": hasKids ? String(open) : undefined });
    const line = h("div", { class: "ctj-var-line", style: `padding-left:${level * 1.1}em` });
    if (hasKids) {
      const t = h("button", { type: "button", class: "ctj-toggle", "aria-label": `${open ? "Collapse" : "Expand"} ${path.join(" ")}`, "aria-expanded": String(open) }, open ? "▾" : "▸");
      t.addEventListener("click", (e) => { e.stopPropagation(); this.toggle(key); });
      line.appendChild(t);
    } else line.appendChild(h("span", { class: "ctj-toggle-space" }));
    if (top) {
      const nameBtn = h("button", { type: "button", class: "ctj-name", title: "Show the history of this variable", "aria-label": `History of ${label}` }, label);
      nameBtn.addEventListener("click", () => this.selectVar(top.name, v.frame));
      line.appendChild(nameBtn);
    } else line.appendChild(h("span", { class: "ctj-key" }, label));
    line.appendChild(h("span", { class: "ctj-type" }, node.t || node.k));
    line.appendChild(h("span", { class: `ctj-val ctj-k-${node.k}` }, node.x));
    if (node.o !== undefined && (node.s === 1 || node.k === "ref")) {
      line.appendChild(h("span", { class: "ctj-oid", style: `--ctj-hue:${oidHue(node.o)}`, title: "object id: values with the same badge are the same object" }, `#${node.o}`));
    }
    if (top && top.aliases && top.aliases.length) {
      line.appendChild(h("span", { class: "ctj-alias" }, `same object as ${top.aliases.join(", ")}`));
    }
    row.appendChild(line);
    if (open) {
      const kids = h("div", { class: "ctj-kids", role: "group" });
      let data = node;
      if (!(node.items || node.entries || node.attrs) && node.o !== undefined) {
        data = this.expandCache.get(`${node.o}@${v.step}`);
        if (!data) {
          this.fetchExpand(node.o, v.step);
          kids.appendChild(h("div", { class: "ctj-muted", style: `padding-left:${(level + 1) * 1.1}em` }, "loading…"));
        }
      }
      if (data) {
        (data.items || []).forEach((c, i) => kids.appendChild(this.varNode(`[${i}]`, c, [...path, String(i)], level + 1, null, v)));
        (data.entries || []).forEach(([k, c], i) => kids.appendChild(this.varNode(k.x, c, [...path, `{${k.x}}`], level + 1, null, v)));
        (data.attrs || []).forEach(([n, c]) => kids.appendChild(this.varNode(`.${n}`, c, [...path, `.${n}`], level + 1, null, v)));
        if (data.more && (data.items || data.entries || data.attrs)) {
          const shown = (data.items || data.entries || data.attrs).length;
          const more = h("button", { type: "button", class: "ctj-more", style: `margin-left:${(level + 1) * 1.1}em` }, `show all${data.n !== undefined ? ` ${data.n}` : ""} (${shown} shown)`);
          more.addEventListener("click", () => { this.fetchExpand(node.o, v.step, key); });
          if (node.o !== undefined && data === node) kids.appendChild(more);
        }
      }
      row.appendChild(kids);
    }
    return row;
  }

  toggle(key) {
    if (this.expanded.has(key)) this.expanded.delete(key); else this.expanded.add(key);
    if (this.view) this.keepFocus(() => this.renderVars(this.view));
  }

  fetchExpand(oid, step, key) {
    const ck = `${oid}@${step}`;
    if (this.expandCache.has(ck + ":pending")) return;
    this.expandCache.set(ck + ":pending", true);
    this.channel.request("expand", { oid, step }).then((res) => {
      this.expandCache.set(ck, res.value);
      this.expandCache.delete(ck + ":pending");
      if (key !== undefined && this.view) {
        // "show all": swap the node's children in the current view for the full object
        replaceNode(this.view.vars, oid, res.value);
      }
      if (this.expandCache.size > 400) this.expandCache.clear();
      if (this.view) this.keepFocus(() => this.renderVars(this.view));
    }).catch((err) => { this.expandCache.delete(ck + ":pending"); this.setNotice(String(err.message || err)); });
  }

  selectVar(name, frame) {
    if (this.selectedVar && this.selectedVar.name === name && this.selectedVar.frame === frame) {
      this.selectedVar = null;
      this.history = null;
    } else {
      this.selectedVar = { name, frame };
      this.history = null;
    }
    this.historyKey = "";
    this.renderHistory();
  }

  renderHistory() {
    const box = this.historyBox;
    const sel = this.selectedVar;
    if (!sel || !this.view) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    const pos = this.view.step;
    const key = `${sel.name}\u0000${sel.frame}\u0000${pos}`;
    if (this.historyKey !== key) {
      this.historyKey = key;
      this.channel.request("history", { name: sel.name, frame: sel.frame, step: pos }).then((res) => {
        if (this.historyKey === key) { this.history = res; this.keepFocus(() => this.drawHistory()); }
      }).catch((err) => this.setNotice(String(err.message || err)));
    }
    this.drawHistory();
  }

  drawHistory() {
    const box = this.historyBox;
    const sel = this.selectedVar;
    if (!sel) return;
    box.textContent = "";
    const close = h("button", { type: "button", class: "ctj-close", "aria-label": "Close history" }, "×");
    close.addEventListener("click", () => { this.selectedVar = null; this.renderHistory(); });
    const hist = this.history;
    box.appendChild(h("h4", { class: "ctj-h" }, `History of ${sel.name}`, hist && hist.function ? ` in ${hist.function === "<module>" ? "<module>" : `${hist.function}()`}` : "", close));
    if (!hist || hist.name !== sel.name) { box.appendChild(h("div", { class: "ctj-muted" }, "loading…")); return; }
    const pos = this.view ? this.view.step : 0;
    if (hist.before) box.appendChild(h("div", { class: "ctj-muted" }, `… ${hist.before} earlier changes`));
    const list = h("ol", { class: "ctj-hist" });
    let current = -1;
    hist.entries.forEach((e, i) => { if (e.step <= pos) current = i; });
    hist.entries.forEach((e, i) => {
      const b = h("button", { type: "button", class: `ctj-hist-item${i === current ? " ctj-hist-on" : ""}`, "aria-label": `Go to step ${e.step + 1}`, "data-step": String(e.step) },
        h("span", { class: "ctj-hist-step" }, `step ${e.step + 1}`), h("span", { class: `ctj-val ctj-k-${e.kind}` }, e.text));
      b.addEventListener("click", () => this.goto(e.step, sel.frame));
      list.appendChild(h("li", {}, b));
    });
    box.appendChild(list);
    if (hist.after) box.appendChild(h("div", { class: "ctj-muted" }, `… ${hist.after} later changes`));
  }

  toggleTable() {
    this.tableOn = !this.tableOn;
    this.tableKey = "";
    this.tableBtn.setAttribute("aria-pressed", String(this.tableOn));
    this.tableBtn.setAttribute("aria-label", this.tableOn ? "Show the variables tree" : "Show the trace table of this function");
    this.keepFocus(() => this.renderTable());
  }

  renderTable() {
    const v = this.view;
    this.vars.hidden = this.tableOn;
    this.tableBox.hidden = !this.tableOn;
    if (!this.tableOn || !v) return;
    const frame = v.frame;
    if (frame === undefined || frame < 0) { this.tableBox.textContent = ""; return; }
    const key = `${frame}\u0000${v.step}`;
    if (this.tableKey !== key) {
      this.tableKey = key;
      this.channel.request("table", { frame, step: v.step }).then((res) => {
        if (this.tableKey === key) { this.table = res; this.keepFocus(() => this.drawTable()); }
      }).catch((err) => this.setNotice(String(err.message || err)));
    }
    this.drawTable();
  }

  drawTable() {
    const box = this.tableBox;
    const t = this.table;
    const v = this.view;
    box.textContent = "";
    if (!t || !v || t.frame !== v.frame) { box.appendChild(h("div", { class: "ctj-muted" }, "loading…")); return; }
    const pos = v.step;
    const head = h("tr", {}, h("th", { scope: "col" }, "line"), ...t.names.map((n) => h("th", { scope: "col" }, n)), h("th", { scope: "col" }, ""));
    const body = h("tbody", {});
    let current = null;
    for (const r of t.rows) {
      const on = r.step < pos && pos <= r.after;
      const tr = h("tr", { class: `ctj-row${on ? " ctj-row-on" : ""}`, "data-step": String(r.step), title: `line ${r.line} ran at step ${r.step + 1} — click to see the state after it` },
        h("td", { class: "ctj-ln" }, String(r.line)),
        ...r.cells.map((c) => h("td", { class: c && c.c ? "ctj-cell ctj-cell-changed" : "ctj-cell" }, c ? c.v : "")),
        h("td", { class: "ctj-rnote" }, r.note || ""));
      tr.addEventListener("click", () => this.goto(r.after, t.frame));
      body.appendChild(tr);
      if (on) current = tr;
    }
    box.appendChild(h("div", { class: "ctj-table-title" }, `Trace table of ${fname(t.function)}${t.more_names ? ` (${t.more_names} more variables not shown)` : ""}`));
    const scroller = h("div", { class: "ctj-table-scroll" }, h("table", { class: "ctj-table" }, h("thead", {}, head), body));
    box.appendChild(scroller);
    if (current) scrollWithin(scroller, current);
  }

  renderOutput(v) {
    const out = this.output;
    out.textContent = "";
    const io = v.io || { chunks: [], skipped: 0, total: 0 };
    this.outputNote.textContent = io.skipped ? `… ${io.skipped} earlier chunks not shown` : "";
    if (!io.chunks.length) {
      out.appendChild(h("span", { class: "ctj-muted" }, (this.summary && this.summary.io_chunks) ? "(nothing printed yet)" : "(no output recorded)"));
      return;
    }
    let newest = null;
    for (const c of io.chunks) {
      const span = h("span", { class: `ctj-io ctj-io-${c.stream}${c.new ? " ctj-io-new" : ""}`, title: `${c.stream}, written at step ${c.step + 1} — click to go there`, "data-step": String(c.step) }, c.text);
      span.addEventListener("click", () => this.goto(c.step + 1));
      out.appendChild(span);
      if (c.new) newest = span;
    }
    if (newest) scrollWithin(out, newest); else out.scrollTop = out.scrollHeight;
  }

  destroy() {
    this.disposed = true;
    this.channel.close();
    this.model.off("change:step", this.onModelChange);
    this.model.off("change:frame", this.onModelChange);
    this.model.off("change:summary", this.onSummary);
  }
}

const fname = (f) => (f === "<module>" ? "<module>" : `${f}()`);

/** "line 4 of In [2] · total()" for the line about to run at this view. */
export function hereText(v, summary) {
  if (!v || v.end || !v.current) return "";
  const p = ((summary && summary.paths) || []).find((x) => x.id === v.current.path);
  return `line ${v.current.line}${p ? ` of ${p.label}` : ""} · ${fname(v.current.function)}`;
}

/**
 * Sentences for the exception events at this position ("now": raised by the line about to run;
 * "just": by the line that just ran). Unwinds through several frames become one sentence.
 */
export function exceptionLines(events, atEnd = false) {
  const out = [];
  for (const when of ["just", "now"]) {
    if (when === "just" && atEnd) continue;          // the end banner says how the run failed
    const group = events.filter((e) => e.when === when);
    for (const e of group) {
      if (e.kind === "raise") {
        out.push({ kind: "raise", type: e.type, message: e.message, lead: when === "now" ? "This line raises" : "The line that just ran raised" });
      } else if (e.kind === "caught") {
        out.push({ kind: "caught", type: e.type, message: e.message, lead: `Caught in ${fname(e.function)}:` });
      }
    }
    const unwinds = group.filter((e) => e.kind === "unwind");
    if (unwinds.length) {
      const u = unwinds[0];
      out.push({ kind: "unwind", type: u.type, message: "", lead: "", tail: ` propagates out of ${unwinds.map((e) => fname(e.function)).join(", ")}` });
    }
  }
  return out;
}

/** Scroll `box` so `row` is visible, without scrolling the page around it. */
function scrollWithin(box, row) {
  const top = row.offsetTop - box.offsetTop;
  if (top < box.scrollTop || top + row.offsetHeight > box.scrollTop + box.clientHeight) {
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }
}

/** Replace every node with object id `oid` in the variable rows by `value`. */
function replaceNode(rows, oid, value) {
  const walk = (node) => {
    if (!node || typeof node !== "object") return node;
    if (node.o === oid) return { ...value, s: node.s, d: node.d };
    if (node.items) node.items = node.items.map(walk);
    if (node.entries) node.entries = node.entries.map(([k, c]) => [k, walk(c)]);
    if (node.attrs) node.attrs = node.attrs.map(([n, c]) => [n, walk(c)]);
    return node;
  };
  for (const row of rows || []) row.value = walk(row.value);
}

/** anywidget entry: draw the viewer into `el`; errors are shown in the cell, not swallowed. */
export function render({ model, el }) {
  let viewer = null;
  try {
    viewer = new Viewer(model, el);
  } catch (err) {
    el.textContent = "";
    el.appendChild(h("div", { class: "ctj-root ctj-fatal", role: "alert" }, `ct_jupyter viewer failed to start: ${err && err.message ? err.message : String(err)}`));
    console.error("ct_jupyter viewer failed", err);
  }
  return () => { if (viewer) viewer.destroy(); };
}

export default { render };
