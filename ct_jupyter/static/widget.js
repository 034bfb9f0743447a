// ct_jupyter viewer (anywidget entry), built from js/src by js/build.mjs. Do not edit.
// source-hash: ce7f98331d75b8ee

// src/dom.js
function h(tag, attrs = {}, ...children) {
  const el2 = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === void 0 || value === null || value === false) continue;
    if (key === "class") el2.className = String(value);
    else if (key === "text") el2.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      el2.addEventListener(key.slice(2), value);
    } else el2.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === void 0 || child === false) continue;
    el2.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el2;
}
var ICONS = {
  first: [["M3 3h2v10H3z", "M13 3 6 8l7 5z"], [], []],
  prev: [["M11 3 4 8l7 5z"], [], []],
  next: [["M5 3l7 5-7 5z"], [], []],
  last: [["M11 3h2v10h-2z", "M3 3l7 5-7 5z"], [], []],
  over: [["M11.2 7.2h4.3l-2.15 3.3z"], ["M2.5 10.5a5.2 5.2 0 0 1 10.8-1.6"], [[8, 13.2]]],
  back_over: [["M4.8 7.2H.5l2.15 3.3z"], ["M13.5 10.5a5.2 5.2 0 0 0-10.8-1.6"], [[8, 13.2]]],
  out: [["M8 1.8 4.2 6h7.6z"], ["M8 5.5V12", "M3 14.2h10"], []],
  back_out: [["M1.8 8 6 4.2v7.6z"], ["M5.5 8H11.5V2.5"], [[11.5, 13.5]]]
};
function icon(name) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = (
    /** @type {SVGSVGElement} */
    document.createElementNS(NS, "svg")
  );
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
function scrollWithin(box, row) {
  const top = row.offsetTop - box.offsetTop;
  if (top < box.scrollTop || top + row.offsetHeight > box.scrollTop + box.clientHeight) {
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }
}
function decodeBuffer(buf) {
  if (buf === void 0 || buf === null) return null;
  let bytes;
  if (buf instanceof ArrayBuffer) bytes = new Uint8Array(buf);
  else if (ArrayBuffer.isView(buf)) bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  else if (typeof buf === "string") return JSON.parse(buf);
  else return buf;
  return JSON.parse(new TextDecoder().decode(bytes));
}
function errorText(err) {
  return String(err && typeof err === "object" && "message" in err ? err.message : err);
}

// src/state.js
var SCHEMA = 1;
var BUTTONS = [
  ["first", "First step (Home)"],
  ["back_out", "Step out backward: to the line that called this function (Shift+\u2191)"],
  ["back_over", "Step over backward: previous line in this function (Shift+\u2190 or Shift+\u2193)"],
  ["prev", "Back one step (\u2190)"],
  ["next", "Forward one step (\u2192)"],
  ["over", "Step over: next line in this function (Shift+\u2192 or \u2193)"],
  ["out", "Step out: return to the caller (\u2191)"],
  ["last", "Last step: the end of the run (End)"]
];
var SEARCHED = ["over", "out", "back_over", "back_out"];
function keyAction(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case "ArrowRight":
      return e.shiftKey ? "over" : "next";
    case "ArrowLeft":
      return e.shiftKey ? "back_over" : "prev";
    case "ArrowDown":
      return e.shiftKey ? "back_over" : "over";
    case "ArrowUp":
      return e.shiftKey ? "back_out" : "out";
    case "Home":
      return e.shiftKey ? null : "first";
    case "End":
      return e.shiftKey ? null : "last";
    default:
      return null;
  }
}
function clamp(pos, steps) {
  return Math.max(0, Math.min(steps, Math.trunc(Number(pos) || 0)));
}
function targetOf(action, pos, steps, nav) {
  switch (action) {
    case "next":
      return pos < steps ? pos + 1 : null;
    case "prev":
      return pos > 0 ? pos - 1 : null;
    case "first":
      return pos !== 0 ? 0 : null;
    case "last":
      return pos !== steps ? steps : null;
    default: {
      const t = nav ? (
        /** @type {any} */
        nav[action]
      ) : null;
      return t === void 0 || t === null || t === pos ? null : t;
    }
  }
}
function counterText(pos, steps) {
  if (steps === 0) return "No steps recorded";
  if (pos >= steps) return `End \xB7 ${steps} step${steps === 1 ? "" : "s"}`;
  return `Step ${pos + 1} of ${steps}`;
}
function gapText(gap) {
  const a = (gap.from + 1).toLocaleString("en-US");
  const b = (gap.to + 1).toLocaleString("en-US");
  return gap.from === gap.to ? `step ${a} is not saved in the notebook` : `steps ${a}\u2013${b} are not saved in the notebook`;
}
function oidHue(oid) {
  return (Math.imul(Number(oid) + 1, 2654435761) >>> 0) % 360;
}
var fname = (f) => f === "<module>" ? "<module>" : `${f}()`;
function hereText(v, summary) {
  if (!v || v.end || !v.current) return "";
  const cur = v.current;
  const p = (summary && summary.paths || []).find((x) => x.id === cur.path);
  return `line ${cur.line}${p ? ` of ${p.label}` : ""} \xB7 ${fname(cur.function)}`;
}
function exceptionLines(events, atEnd = false) {
  const out = [];
  for (const when of ["just", "now"]) {
    if (when === "just" && atEnd) continue;
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

// src/views/controls.js
var Controls = class {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.buttons = {};
    const controls = h("div", { class: "ctj-controls", role: "toolbar", "aria-label": "Step controls" });
    for (const [action, label] of BUTTONS) {
      const b = (
        /** @type {HTMLButtonElement} */
        h("button", { type: "button", class: `ctj-btn ctj-btn-${action}`, "aria-label": label, title: label, "data-action": action }, icon(action))
      );
      b.addEventListener("click", () => viewer.act(action));
      this.buttons[action] = b;
      controls.appendChild(b);
    }
    this.slider = /** @type {HTMLInputElement} */
    h("input", { type: "range", class: "ctj-slider", min: "0", max: "0", step: "1", value: "0", "aria-label": "Step" });
    this.slider.addEventListener("input", () => viewer.goto(Number(this.slider.value)));
    this.counter = h("span", { class: "ctj-counter", "aria-live": "polite" });
    this.here = h("span", { class: "ctj-here" });
    this.title = h("span", { class: "ctj-title" });
    this.status = h("span", { class: "ctj-status" });
    this.source = h("span", { class: "ctj-source-kind" });
    this.el = h(
      "div",
      { class: "ctj-bar" },
      h("div", { class: "ctj-head" }, this.title, this.status, this.source),
      controls,
      h("div", { class: "ctj-track" }, this.slider, this.counter, this.here)
    );
  }
  /** Title, outcome and slider range from the summary. */
  renderHeader() {
    const s = this.viewer.summary || {};
    this.title.textContent = s.title ? `codetrace \xB7 ${s.title}` : "codetrace";
    const parts = [];
    const o = s.outcome;
    this.status.className = "ctj-status";
    if (o && o.status === "raised") {
      parts.push(`raised ${o.exc_type || "an exception"}`);
      this.status.classList.add("ctj-status-raised");
    } else if (o && o.status === "returned") parts.push("finished");
    if (s.truncated) parts.push(`recording stopped (${s.stop_reason || "limit"})${s.dropped_steps ? `, ${s.dropped_steps} more steps ran unrecorded` : ""}`);
    this.status.textContent = parts.join(" \xB7 ");
    this.slider.max = String(this.viewer.steps);
  }
  /** Counter, slider and which buttons can act at the wanted position. */
  drawCounter() {
    const viewer = this.viewer;
    const pos = viewer.want.step;
    const steps = viewer.steps;
    this.slider.value = String(pos);
    this.slider.setAttribute("aria-valuetext", counterText(pos, steps));
    this.counter.textContent = counterText(pos, steps);
    const v = viewer.view;
    const nav = v && v.step === pos ? v.nav : null;
    for (const [action] of BUTTONS) {
      const target = targetOf(action, pos, steps, nav);
      this.buttons[action].disabled = target === null && (nav !== null || !SEARCHED.includes(action));
    }
  }
};

// src/views/banner.js
var Banner = class {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.el = h("div", { class: "ctj-banner", role: "status" });
  }
  /** @param {View} v */
  render(v) {
    const b = this.el;
    b.textContent = "";
    b.className = "ctj-banner";
    const s = this.viewer.summary || {};
    if (v.gap) b.appendChild(h("div", { class: "ctj-gap" }, `${gapText(v.gap)[0].toUpperCase()}${gapText(v.gap).slice(1)}. `, "Only the kernel that made this recording has them."));
    for (const line of exceptionLines(v.exceptions || [], v.end)) {
      b.appendChild(h("div", { class: `ctj-exc ctj-exc-${line.kind}` }, `${line.lead} `, h("strong", {}, line.type), line.message ? `: ${line.message}` : "", line.tail || ""));
    }
    for (const r of v.returned || []) {
      const label = r.kind === "exception" ? `${r.function}() exited with an exception` : `${r.function}() ${r.kind === "yield" ? "yielded" : "returned"} `;
      b.appendChild(h("div", { class: "ctj-ret" }, "\u21A9 ", label, r.value ? h("code", { class: "ctj-val" }, r.value.x) : null));
    }
    if (v.end) {
      const o = s.outcome;
      if (s.truncated) b.appendChild(h("div", { class: "ctj-trunc" }, s.stop_note || `Recording stopped after ${s.steps} steps (${s.stop_reason || "a limit"}); later values are not known.`));
      const as = s.truncated ? " (as recorded after the recording stopped)" : "";
      if (o && o.status === "raised") {
        b.appendChild(h("div", { class: "ctj-exc ctj-exc-final" }, "The run failed with ", h("strong", {}, o.exc_type || "an exception"), o.exc_message ? `: ${o.exc_message}` : "", as));
      } else {
        b.appendChild(h("div", { class: "ctj-done" }, "The run finished", o && o.value !== void 0 ? " with value " : "", o && o.value !== void 0 ? h("code", { class: "ctj-val" }, o.value) : null, `${as}.`));
      }
    }
    b.hidden = b.childNodes.length === 0;
  }
};

// src/views/source.js
var SourcePane = class {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.sources = /* @__PURE__ */ new Map();
    this.requests = /* @__PURE__ */ new Set();
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
    }).catch((err) => {
      this.requests.delete(pid);
      this.viewer.setNotice(errorText(err));
    });
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
      tab.addEventListener("click", () => {
        this.shownPath = p.id;
        if (viewer.view) this.render(viewer.view);
      });
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
        this.code.appendChild(h("div", { class: "ctj-muted" }, "loading source\u2026"));
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
    const widest = Math.max(0, ...Object.values(src.counts || {}).map((c) => `${c}\xD7`.length));
    this.code.style.setProperty("--ctj-count-ch", String(Math.max(2, widest)));
    src.lines.forEach((text, i) => {
      const n = i + 1;
      const count = src.counts[String(n)];
      const row = h(
        "div",
        { class: "ctj-line", role: "listitem", "data-line": String(n), title: count ? `ran ${count}\xD7 \u2014 click: next time it runs, Shift+click: previous` : "" },
        h("span", { class: "ctj-mark", "aria-hidden": "true" }),
        h("span", { class: "ctj-ln" }, String(n)),
        h("span", { class: "ctj-count" }, count ? `${count}\xD7` : ""),
        h("span", { class: "ctj-text" }, text === "" ? " " : text)
      );
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
    let curRow = null;
    for (
      const row of
      /** @type {HTMLElement[]} */
      [...this.code.children]
    ) {
      const n = Number(row.getAttribute("data-line"));
      if (!n) continue;
      const first = src.first[String(n)];
      row.classList.toggle("ctj-ran", first !== void 0 && (first < pos || v.end && first <= pos));
      row.classList.toggle("ctj-cur", n === cur);
      row.classList.toggle("ctj-caller", n === cur && !isCurrentFrame && !v.end);
      row.classList.toggle("ctj-raise", n === cur && raising && !!v.auto_frame);
      row.classList.toggle("ctj-prev", n === prev && n !== cur);
      const mark = (
        /** @type {HTMLElement} */
        row.firstChild
      );
      mark.textContent = n === cur ? "\u279C" : n === prev ? "\u2713" : "";
      if (n === cur) {
        curRow = row;
        row.setAttribute("aria-current", "step");
      } else row.removeAttribute("aria-current");
    }
    if (curRow) scrollWithin(this.code, curRow);
  }
};

// src/views/stack.js
var StackPane = class {
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
    let current = null;
    for (const e of v.stack) {
      if ("gap" in e) {
        list.appendChild(h("li", { class: "ctj-muted" }, `\u2026 ${e.gap} more frames \u2026`));
        continue;
      }
      const on = e.frame === v.frame;
      const name = e.call || (e.function === "<module>" ? "<module>" : `${e.function}()`);
      const b = h(
        "button",
        { type: "button", class: `ctj-frame${on ? " ctj-frame-on" : ""}`, "aria-pressed": String(on), "data-frame": String(e.frame), "aria-label": `Select frame ${name}, line ${e.line}` },
        h("span", { class: "ctj-fn" }, name),
        h("span", { class: "ctj-where" }, `${labels.get(e.path) ?? ""}:${e.line}`)
      );
      b.addEventListener("click", () => this.viewer.selectFrame(e.frame));
      const locals = (e.locals || []).map(([n, x]) => h("span", { class: "ctj-local" }, h("span", { class: "ctj-local-name" }, n), " = ", h("code", { class: "ctj-val" }, x)));
      const li = h("li", { class: "ctj-stack-item" }, b, locals.length ? h("div", { class: "ctj-locals" }, ...locals) : null);
      list.appendChild(li);
      if (on || current === null && e.frame === (v.current ? v.current.frame : -1)) current = li;
    }
    const last = (
      /** @type {HTMLElement|null} */
      list.lastElementChild
    );
    const target = current || last;
    if (target) scrollIntoList(list, target);
  }
};
function scrollIntoList(list, item) {
  const top = item.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + item.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + item.offsetHeight - list.clientHeight;
}

// src/views/variables.js
var VariablesPane = class {
  /** @param {Viewer} viewer @param {AltView[]} alternatives @param {HTMLElement} extra (the history box) */
  constructor(viewer, alternatives, extra) {
    this.viewer = viewer;
    this.expanded = /* @__PURE__ */ new Set();
    this.expandCache = /* @__PURE__ */ new Map();
    this.alt = null;
    this.title = h("span", {}, "Variables");
    this.tree = h("div", { class: "ctj-vars", role: "tree", "aria-label": "Variables" });
    const head = h("h3", { class: "ctj-h" }, this.title);
    this.alts = /* @__PURE__ */ new Map();
    const boxes = [];
    for (const spec of alternatives) {
      const pane = spec.create(viewer);
      pane.el.hidden = true;
      const button = h("button", { type: "button", class: `ctj-alt-btn ctj-${spec.id}-btn`, "aria-pressed": "false", title: spec.title, "aria-label": `Show the ${spec.label.toLowerCase()} of this function` }, spec.label);
      button.addEventListener("click", () => this.toggle(spec.id));
      head.appendChild(button);
      this.alts.set(spec.id, { spec, pane, button });
      boxes.push(pane.el);
    }
    this.el = h("section", { class: "ctj-pane", "aria-label": "Variables" }, head, this.tree, ...boxes, extra);
    const first = alternatives.find((spec) => spec.startOn && spec.startOn(viewer));
    if (first) this.toggle(first.id);
  }
  /** Show alternative view `id` instead of the tree (or the tree again). @param {string} id */
  toggle(id) {
    this.alt = this.alt === id ? null : id;
    for (const [aid, { spec, pane, button }] of this.alts) {
      const on = aid === this.alt;
      button.setAttribute("aria-pressed", String(on));
      button.setAttribute("aria-label", on ? "Show the variables tree" : `Show the ${spec.label.toLowerCase()} of this function`);
      pane.el.hidden = !on;
      if (pane.setShown) pane.setShown(on);
    }
    this.tree.hidden = this.alt !== null;
    const v = this.viewer.view;
    if (v) this.viewer.keepFocus(() => this.render(v));
  }
  /** @param {View} v */
  render(v) {
    if (this.alt !== null) {
      const alt = this.alts.get(this.alt);
      if (alt) alt.pane.render(v);
    }
    this.renderTree(v);
  }
  /** @param {View} v */
  renderTree(v) {
    this.title.textContent = v.frame_function ? `Variables \xB7 ${fname(v.frame_function)}` : "Variables";
    const box = this.tree;
    box.textContent = "";
    if (!v.vars || v.vars.length === 0) {
      box.appendChild(h("div", { class: "ctj-muted" }, v.gap ? "(not saved)" : "(no variables yet)"));
      return;
    }
    for (const row of v.vars) box.appendChild(this.node(row.name, row.value, [row.name], 0, row, v));
  }
  /**
   * One variable-tree row (and its open children).
   * @param {string} label @param {ValueNode} node @param {string[]} path @param {number} level
   * @param {VarRow|null} top @param {View} v @returns {HTMLElement}
   */
  node(label, node, path, level, top, v) {
    const key = path.join("\0");
    const hasKids = !!(node.items || node.entries || node.attrs || node.more);
    const open = hasKids && this.expanded.has(key);
    const changed = top && top.changed || node.d === 1;
    const row = h("div", { class: `ctj-var${changed ? " ctj-changed" : ""}`, role: "treeitem", "aria-level": String(level + 1), "data-path": key, "aria-expanded": hasKids ? String(open) : void 0 });
    const line = h("div", { class: "ctj-var-line", style: `padding-left:${level * 1.1}em` });
    if (hasKids) {
      const t = h("button", { type: "button", class: "ctj-toggle", "aria-label": `${open ? "Collapse" : "Expand"} ${path.join(" ")}`, "aria-expanded": String(open) }, open ? "\u25BE" : "\u25B8");
      t.addEventListener("click", (e) => {
        e.stopPropagation();
        this.toggleNode(key);
      });
      line.appendChild(t);
    } else line.appendChild(h("span", { class: "ctj-toggle-space" }));
    if (top) {
      const nameBtn = h("button", { type: "button", class: "ctj-name", title: "Show the history of this variable", "aria-label": `History of ${label}` }, label);
      nameBtn.addEventListener("click", () => this.viewer.history.select(top.name, v.frame));
      line.appendChild(nameBtn);
    } else line.appendChild(h("span", { class: "ctj-key" }, label));
    line.appendChild(h("span", { class: "ctj-type" }, node.t || node.k));
    line.appendChild(h("span", { class: `ctj-val ctj-k-${node.k}` }, node.x));
    if (node.o !== void 0 && (node.s === 1 || node.k === "ref")) {
      line.appendChild(h("span", { class: "ctj-oid", style: `--ctj-hue:${oidHue(node.o)}`, title: "object id: values with the same badge are the same object" }, `#${node.o}`));
    }
    if (top && top.aliases && top.aliases.length) {
      line.appendChild(h("span", { class: "ctj-alias" }, `same object as ${top.aliases.join(", ")}`));
    }
    row.appendChild(line);
    if (open) row.appendChild(this.children(node, path, level, v));
    return row;
  }
  /** @param {ValueNode} node @param {string[]} path @param {number} level @param {View} v */
  children(node, path, level, v) {
    const kids = h("div", { class: "ctj-kids", role: "group" });
    let data = node;
    if (!(node.items || node.entries || node.attrs) && node.o !== void 0) {
      data = this.expandCache.get(`${node.o}@${v.step}`);
      if (!data) {
        this.fetchExpand(node.o, v.step);
        kids.appendChild(h("div", { class: "ctj-muted", style: `padding-left:${(level + 1) * 1.1}em` }, "loading\u2026"));
      }
    }
    if (data) {
      (data.items || []).forEach((c, i) => kids.appendChild(this.node(`[${i}]`, c, [...path, String(i)], level + 1, null, v)));
      (data.entries || []).forEach(([k, c]) => kids.appendChild(this.node(k.x, c, [...path, `{${k.x}}`], level + 1, null, v)));
      (data.attrs || []).forEach(([n, c]) => kids.appendChild(this.node(`.${n}`, c, [...path, `.${n}`], level + 1, null, v)));
      const shownList = data.items || data.entries || data.attrs;
      if (data.more && shownList) {
        const more = h("button", { type: "button", class: "ctj-more", style: `margin-left:${(level + 1) * 1.1}em` }, `show all${data.n !== void 0 ? ` ${data.n}` : ""} (${shownList.length} shown)`);
        const oid = node.o;
        if (oid !== void 0) more.addEventListener("click", () => {
          this.fetchExpand(oid, v.step, path.join("\0"));
        });
        if (node.o !== void 0 && data === node) kids.appendChild(more);
      }
    }
    return kids;
  }
  /** @param {string} key */
  toggleNode(key) {
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    const v = this.viewer.view;
    if (v) this.viewer.keepFocus(() => this.renderTree(v));
  }
  /** @param {number} oid @param {number} step @param {string} [key] set for "show all" */
  fetchExpand(oid, step, key) {
    const ck = `${oid}@${step}`;
    if (this.expandCache.has(ck + ":pending")) return;
    this.expandCache.set(ck + ":pending", true);
    const viewer = this.viewer;
    viewer.source.request("expand", { oid, step }).then((res) => {
      this.expandCache.set(ck, res.value);
      this.expandCache.delete(ck + ":pending");
      if (key !== void 0 && viewer.view) replaceNode(viewer.view.vars, oid, res.value);
      if (this.expandCache.size > 400) this.expandCache.clear();
      const v = viewer.view;
      if (v) viewer.keepFocus(() => this.renderTree(v));
    }).catch((err) => {
      this.expandCache.delete(ck + ":pending");
      viewer.setNotice(errorText(err));
    });
  }
};

// src/views/history.js
var HistoryPane = class {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.selected = null;
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
    if (!sel || !viewer.view) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.hidden = false;
    const pos = viewer.view.step;
    const key = `${sel.name}\0${sel.frame}\0${pos}`;
    if (this.key !== key) {
      this.key = key;
      viewer.source.request("history", { name: sel.name, frame: sel.frame, step: pos }).then((res) => {
        if (this.key === key) {
          this.history = res;
          viewer.keepFocus(() => this.draw());
        }
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
    const close = h("button", { type: "button", class: "ctj-close", "aria-label": "Close history" }, "\xD7");
    close.addEventListener("click", () => {
      this.selected = null;
      this.render();
    });
    const hist = this.history;
    box.appendChild(h("h4", { class: "ctj-h" }, `History of ${sel.name}`, hist && hist.function ? ` in ${hist.function === "<module>" ? "<module>" : `${hist.function}()`}` : "", close));
    if (!hist || hist.name !== sel.name) {
      box.appendChild(h("div", { class: "ctj-muted" }, "loading\u2026"));
      return;
    }
    const pos = viewer.view ? viewer.view.step : 0;
    if (hist.partial) box.appendChild(h("div", { class: "ctj-muted" }, "(from the steps saved in the notebook)"));
    if (hist.before) box.appendChild(h("div", { class: "ctj-muted" }, `\u2026 ${hist.before} earlier changes`));
    const list = h("ol", { class: "ctj-hist" });
    let current = -1;
    hist.entries.forEach((e, i) => {
      if (e.step <= pos) current = i;
    });
    hist.entries.forEach((e, i) => {
      const by = e.by === void 0 ? e.step - 1 : e.by;
      const label = by === null || by < 0 ? "on entry" : `step ${by + 1}`;
      const b = h(
        "button",
        { type: "button", class: `ctj-hist-item${i === current ? " ctj-hist-on" : ""}`, "aria-label": `${label}: ${e.text} (go to the state after it)`, title: by === null || by < 0 ? "bound when the frame started" : `set by the line of step ${by + 1}`, "data-step": String(e.step) },
        h("span", { class: "ctj-hist-step" }, label),
        h("span", { class: `ctj-val ctj-k-${e.kind}` }, e.text)
      );
      b.addEventListener("click", () => viewer.goto(e.step, sel.frame));
      list.appendChild(h("li", {}, b));
    });
    box.appendChild(list);
    if (hist.after) box.appendChild(h("div", { class: "ctj-muted" }, `\u2026 ${hist.after} later changes`));
  }
};

// src/views/output.js
var OutputPane = class {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.output = h("pre", { class: "ctj-output", "aria-label": "Output" });
    this.note = h("div", { class: "ctj-note" });
    this.el = h("section", { class: "ctj-pane", "aria-label": "Output" }, h("h3", { class: "ctj-h" }, "Output"), this.note, this.output);
  }
  /** @param {View} v */
  render(v) {
    const out = this.output;
    out.textContent = "";
    const io = v.io || { chunks: [], skipped: 0, total: 0 };
    this.note.textContent = io.skipped ? `\u2026 ${io.skipped} earlier chunks not shown` : "";
    if (!io.chunks.length) {
      const s = this.viewer.summary;
      out.appendChild(h("span", { class: "ctj-muted" }, v.gap ? "(not saved)" : s && s.io_chunks ? "(nothing printed yet)" : "(no output recorded)"));
      return;
    }
    let newest = null;
    for (const c of io.chunks) {
      const span = h("span", { class: `ctj-io ctj-io-${c.stream}${c.new ? " ctj-io-new" : ""}`, title: `${c.stream}, written at step ${c.step + 1} \u2014 click to go there`, "data-step": String(c.step) }, c.text);
      span.addEventListener("click", () => this.viewer.goto(c.step + 1));
      out.appendChild(span);
      if (c.new) newest = span;
    }
    if (newest) scrollWithin(out, newest);
    else out.scrollTop = out.scrollHeight;
  }
};

// src/views/table.js
var TablePane = class {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.table = null;
    this.key = "";
    this.el = h("div", { class: "ctj-table-box" });
  }
  /** @param {View} v */
  render(v) {
    const frame = v.frame;
    if (frame === void 0 || frame < 0) {
      this.el.textContent = "";
      return;
    }
    const key = `${frame}\0${v.step}`;
    if (this.key !== key) {
      this.key = key;
      this.viewer.source.request("table", { frame, step: v.step }).then((res) => {
        if (this.key === key) {
          this.table = res;
          this.viewer.keepFocus(() => this.draw());
        }
      }).catch((err) => {
        if (this.key === key) this.drawError(errorText(err));
      });
    }
    this.draw();
  }
  /** @param {string} text */
  drawError(text) {
    this.el.textContent = "";
    this.el.appendChild(h("div", { class: "ctj-muted" }, text));
  }
  draw() {
    const box = this.el;
    const t = this.table;
    const v = this.viewer.view;
    box.textContent = "";
    if (!t || !v || t.frame !== v.frame) {
      box.appendChild(h("div", { class: "ctj-muted" }, "loading\u2026"));
      return;
    }
    const pos = v.step;
    const head = h("tr", {}, h("th", { scope: "col" }, "line"), ...t.names.map((n) => h("th", { scope: "col" }, n)), h("th", { scope: "col" }, ""));
    const body = h("tbody", {});
    let current = null;
    for (const r of t.rows) {
      const on = r.step < pos && pos <= r.after;
      const tr = h(
        "tr",
        { class: `ctj-row${on ? " ctj-row-on" : ""}`, "data-step": String(r.step), title: `line ${r.line} ran at step ${r.step + 1} \u2014 click to see the state after it` },
        h("td", { class: "ctj-ln" }, String(r.line)),
        ...r.cells.map((c) => h("td", { class: c && c.c ? "ctj-cell ctj-cell-changed" : "ctj-cell" }, c ? c.v : "")),
        h("td", { class: "ctj-rnote" }, r.note || "")
      );
      tr.addEventListener("click", () => this.viewer.goto(r.after, t.frame));
      body.appendChild(tr);
      if (on) current = tr;
    }
    box.appendChild(h("div", { class: "ctj-table-title" }, `Trace table of ${fname(t.function)}${t.more_names ? ` (${t.more_names} more variables not shown)` : ""}`));
    const scroller = h("div", { class: "ctj-table-scroll", tabindex: "0", "aria-label": "Trace table (scrolls sideways when wide)" }, h("table", { class: "ctj-table" }, h("thead", {}, head), body));
    box.appendChild(scroller);
    const cue = h("div", { class: "ctj-scroll-cue", hidden: true }, "\u2192 more columns: scroll sideways");
    box.appendChild(cue);
    const updateCue = () => {
      cue.hidden = scroller.scrollWidth <= scroller.clientWidth + 1 || scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth - 1;
    };
    scroller.addEventListener("scroll", updateCue);
    updateCue();
    if (current) scrollWithin(scroller, current);
  }
};

// src/views/diagram.js
var ROW = 20;
var HEAD = 22;
var BOX_W = 156;
var FRAME_W = 170;
var COL_GAP = 50;
var GAP = 14;
var PAD = 12;
var MORE_ROW = 1;
var ZOOMS = [0.4, 0.55, 0.7, 0.85, 1, 1.2, 1.5];
var SVG_NS = "http://www.w3.org/2000/svg";
var PAGE = 50;
function nodeRows(node, folded) {
  if (folded) return 0;
  if (node.collapsed) return 1;
  const extra = node.more ? MORE_ROW : 0;
  if (node.slots.length === 0) return node.kind === "repr" || node.kind === "bytearray" || node.kind === "object" ? 1 : extra || (node.kind === "function" || node.kind === "class" ? 0 : 1);
  return node.slots.length + extra;
}
function boxSize(node, folded = false) {
  return { w: BOX_W, h: HEAD + nodeRows(node, folded) * ROW };
}
function frameHeight(frame) {
  return HEAD + Math.max(1, frame.slots.length) * ROW;
}
function overlaps(a, b) {
  return a.x < b.x + b.w + GAP && b.x < a.x + a.w + GAP && a.y < b.y + b.h + GAP && b.y < a.y + a.h + GAP;
}
function columnX(col) {
  return PAD + FRAME_W + COL_GAP + col * (BOX_W + COL_GAP);
}
function visibleNodes(data, folded) {
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const out = [];
  const seen = /* @__PURE__ */ new Set();
  const visit = (id) => {
    if (seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    out.push(id);
    if (folded.has(id)) return;
    for (
      const s of
      /** @type {DNode} */
      byId.get(id).slots
    ) if (s.ref) visit(s.ref);
  };
  for (const f of data.frames) for (const s of f.slots) if (s.ref) visit(s.ref);
  return out;
}
function layout(data, memo, folded = /* @__PURE__ */ new Set()) {
  const frames = /* @__PURE__ */ new Map();
  let y = PAD;
  let gapY = null;
  data.frames.forEach((f, i) => {
    const h2 = frameHeight(f);
    frames.set(f.id, { x: PAD, y, w: FRAME_W, h: h2 });
    y += h2 + GAP;
    if (data.gap && data.gap.after === i) {
      gapY = y;
      y += ROW + GAP;
    }
  });
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const visible = visibleNodes(data, folded);
  const visibleSet = new Set(visible);
  const nodes = /* @__PURE__ */ new Map();
  const placed = [];
  const rooms = /* @__PURE__ */ new Map();
  const remembered = visible.filter((id) => memo.has(id)).sort((a, b) => {
    const pa = (
      /** @type {{x: number, y: number}} */
      memo.get(a)
    );
    const pb = (
      /** @type {{x: number, y: number}} */
      memo.get(b)
    );
    return pa.y - pb.y || pa.x - pb.x;
  });
  for (const id of remembered) {
    const at = (
      /** @type {{x: number, y: number, h?: number}} */
      memo.get(id)
    );
    const size = boxSize(
      /** @type {DNode} */
      byId.get(id),
      folded.has(id)
    );
    const room = { x: at.x, y: at.y, w: size.w, h: Math.max(size.h, at.h ?? 0) };
    settle(room, placed);
    nodes.set(id, { x: room.x, y: room.y, w: size.w, h: size.h });
    rooms.set(id, room.h);
    placed.push(room);
  }
  const place2 = (id, col, hintY) => {
    if (nodes.has(id) || !visibleSet.has(id)) return;
    const node = (
      /** @type {DNode} */
      byId.get(id)
    );
    const size = boxSize(node, folded.has(id));
    const rect = { x: columnX(col), y: Math.max(PAD, hintY), w: size.w, h: size.h };
    settle(rect, placed);
    nodes.set(id, rect);
    rooms.set(id, rect.h);
    placed.push({ ...rect });
    if (folded.has(id)) return;
    node.slots.forEach((s, i) => {
      if (s.ref) place2(s.ref, col + 1, rect.y + HEAD + i * ROW);
    });
  };
  for (const f of data.frames) {
    const fr = (
      /** @type {Rect} */
      frames.get(f.id)
    );
    f.slots.forEach((s, i) => {
      if (s.ref) place2(s.ref, 0, fr.y + HEAD + i * ROW - 4);
    });
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const id of visible) {
      if (nodes.has(id)) continue;
      for (const [pid, prect] of nodes) {
        const parent = byId.get(pid);
        const i = parent ? parent.slots.findIndex((s) => s.ref === id) : -1;
        if (i >= 0 && !folded.has(pid)) {
          const col = Math.max(0, Math.round((prect.x - columnX(0)) / (BOX_W + COL_GAP)) + 1);
          place2(id, col, prect.y + HEAD + i * ROW);
          grew = true;
          break;
        }
      }
    }
  }
  for (const [id, r] of nodes) memo.set(id, { x: r.x, y: r.y, h: rooms.get(id) ?? r.h });
  const gone = /* @__PURE__ */ new Map();
  for (const g of data.gone || []) {
    const at = memo.get(g.id);
    if (at && !nodes.has(g.id)) gone.set(g.id, { x: at.x, y: at.y, w: BOX_W, h: HEAD });
  }
  let width = PAD + FRAME_W + PAD;
  let height = y;
  for (const r of [...nodes.values(), ...gone.values()]) {
    width = Math.max(width, r.x + r.w + PAD);
    height = Math.max(height, r.y + r.h + PAD);
  }
  return { frames, nodes, gone, gapY, width, height };
}
function settle(rect, placed) {
  let moved = true;
  while (moved) {
    moved = false;
    for (const other of placed) {
      if (overlaps(rect, other)) {
        rect.y = other.y + other.h + GAP;
        moved = true;
      }
    }
  }
}
function arrowPath(from, slot, to) {
  const sx = from.x + from.w - 9;
  const sy = from.y + HEAD + slot * ROW + ROW / 2;
  const tx = to.x;
  const ty = to.y + HEAD / 2;
  const r = (v) => Math.round(v * 10) / 10;
  if (tx > sx + 20) {
    const dx = Math.max(24, (tx - sx) / 2);
    return `M${r(sx)},${r(sy)} C${r(sx + dx)},${r(sy)} ${r(tx - dx)},${r(ty)} ${r(tx)},${r(ty)}`;
  }
  if (from === to || from.x === to.x && from.y === to.y) {
    const ex2 = to.x + to.w - 34;
    const top = to.y - 16;
    return `M${r(sx)},${r(sy)} C${r(sx + 34)},${r(sy)} ${r(sx + 34)},${r(top)} ${r(sx)},${r(top)} S${r(ex2)},${r(top)} ${r(ex2)},${r(to.y)}`;
  }
  const ex = tx + 16;
  return `M${r(sx)},${r(sy)} C${r(sx + 50)},${r(sy)} ${r(ex)},${r(to.y - 50)} ${r(ex)},${r(to.y)}`;
}
function headerText(node) {
  if (node.kind === "function" || node.kind === "class") return node.text;
  const len = node.length !== void 0 && node.kind !== "bytearray" ? ` \xB7 ${node.length}` : "";
  return `${node.type}${len}`;
}
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== void 0) e.textContent = text;
  return e;
}
var DIAGRAM_CSS = `
.ct-diagram{--ct-dg-bg:var(--jp-layout-color0,#fff);--ct-dg-box:var(--jp-layout-color1,#f6f8fa);
 --ct-dg-head:var(--jp-layout-color2,#eaeef2);--ct-dg-fg:var(--jp-ui-font-color1,#1f2328);
 --ct-dg-muted:var(--jp-ui-font-color2,#656d76);--ct-dg-border:var(--jp-border-color1,#b6bec8);
 --ct-dg-arrow:var(--jp-ui-font-color2,#57606a);--ct-dg-accent:var(--jp-brand-color1,#1976d2);
 --ct-dg-changed:color-mix(in srgb,var(--jp-success-color1,#2ea043) 30%,transparent);
 --ct-dg-changed-line:var(--jp-success-color1,#1a7f37);
 --ct-dg-reach:color-mix(in srgb,var(--jp-warn-color1,#f0a500) 26%,transparent);
 --ct-dg-new:var(--jp-success-color1,#1a7f37);
 --ct-dg-font:var(--jp-code-font-family,ui-monospace,SFMono-Regular,Menlo,Consolas,monospace);
 color:var(--ct-dg-fg);background:var(--ct-dg-bg);display:flex;flex-direction:column;min-height:120px}
.ct-diagram *,.ct-diagram *::before,.ct-diagram *::after{box-sizing:border-box}
.ct-diagram .ct-dg-box{box-sizing:content-box}
.ct-diagram .ct-dg-bar{display:flex;gap:4px;align-items:center;padding:2px 0 4px;flex-wrap:wrap}
.ct-diagram .ct-dg-bar button{font:inherit;font-size:12px;padding:0 6px;min-width:24px}
.ct-diagram .ct-dg-note{color:var(--ct-dg-muted);font-size:12px;margin-left:6px}
.ct-diagram .ct-dg-viewport{overflow:auto;max-height:560px;position:relative;
 border:1px solid var(--ct-dg-border);border-radius:4px}
.ct-diagram .ct-dg-canvas{position:relative;transform-origin:0 0}
.ct-diagram .ct-dg-arrows{position:absolute;left:0;top:0;pointer-events:none;overflow:visible;z-index:2}
.ct-diagram .ct-dg-arrow{fill:none;stroke:var(--ct-dg-arrow);stroke-width:1.4}
.ct-diagram .ct-dg-arrow.ct-dg-changed{stroke:var(--ct-dg-changed-line);stroke-width:2.2}
.ct-diagram .ct-dg-arrow.ct-dg-selected{stroke:var(--ct-dg-accent);stroke-width:2.4}
.ct-diagram .ct-dg-head-mark{fill:var(--ct-dg-arrow)}
.ct-diagram .ct-dg-box{position:absolute;background:var(--ct-dg-box);border:1px solid var(--ct-dg-border);
 border-radius:4px;font-family:var(--ct-dg-font);font-size:12px;line-height:${ROW - 2}px;overflow:hidden;
 transition:opacity .35s ease,border-color .2s}
.ct-diagram .ct-dg-box:focus-visible{outline:2px solid var(--ct-dg-accent);outline-offset:1px}
.ct-diagram .ct-dg-box.ct-dg-selected{border-color:var(--ct-dg-accent);box-shadow:0 0 0 2px var(--ct-dg-accent)}
.ct-diagram .ct-dg-head{height:${HEAD}px;display:flex;align-items:center;gap:4px;padding:0 4px;
 background:var(--ct-dg-head);font-family:var(--jp-ui-font-family,system-ui,sans-serif);white-space:nowrap;
 overflow:hidden;text-overflow:ellipsis;cursor:pointer}
.ct-diagram .ct-dg-frame .ct-dg-head{font-weight:600}
.ct-diagram .ct-dg-frame.ct-dg-current{border-color:var(--ct-dg-accent);border-width:2px}
.ct-diagram .ct-dg-title{overflow:hidden;text-overflow:ellipsis;flex:1}
.ct-diagram .ct-dg-sub{color:var(--ct-dg-muted);font-weight:400}
.ct-diagram .ct-dg-row{height:${ROW}px;display:flex;align-items:center;border-top:1px solid
 color-mix(in srgb,var(--ct-dg-border) 45%,transparent);padding:0 4px;white-space:nowrap}
.ct-diagram .ct-dg-key{flex:0 0 auto;max-width:50%;overflow:hidden;text-overflow:ellipsis;color:var(--ct-dg-muted);
 padding-right:6px;background:none;border:0;font:inherit;text-align:left;cursor:default}
.ct-diagram button.ct-dg-key{color:var(--ct-dg-fg);cursor:pointer;text-decoration:underline dotted}
.ct-diagram .ct-dg-val{flex:1;overflow:hidden;text-overflow:ellipsis;text-align:right}
.ct-diagram .ct-dg-dot{display:inline-block;width:7px;height:7px;border-radius:50%;background:var(--ct-dg-arrow)}
.ct-diagram .ct-dg-row.ct-dg-changed{background:var(--ct-dg-changed)}
.ct-diagram .ct-dg-row.ct-dg-reach{box-shadow:inset 3px 0 0 var(--jp-warn-color1,#f0a500);background:var(--ct-dg-reach)}
.ct-diagram .ct-dg-row.ct-dg-changed.ct-dg-reach{background:var(--ct-dg-changed)}
.ct-diagram .ct-dg-obj.ct-dg-mutated{border-color:var(--ct-dg-changed-line)}
.ct-diagram .ct-dg-obj.ct-dg-new{border-color:var(--ct-dg-new);border-style:dashed}
.ct-diagram .ct-dg-tag{font-size:10px;padding:0 3px;border-radius:3px;background:var(--ct-dg-changed);
 color:var(--ct-dg-changed-line);font-weight:600}
.ct-diagram .ct-dg-tag-shared{background:var(--ct-dg-reach);color:var(--ct-dg-fg);font-weight:400}
.ct-diagram .ct-dg-gone{opacity:.28;border-style:dotted;pointer-events:none}
.ct-diagram .ct-dg-more,.ct-diagram .ct-dg-open{color:var(--ct-dg-accent);cursor:pointer;background:none;border:0;
 font:inherit;padding:0;text-align:left}
.ct-diagram .ct-dg-text{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding:0 4px;height:${ROW}px}
.ct-diagram .ct-dg-fold{background:none;border:0;padding:0 2px;font:inherit;cursor:pointer;color:var(--ct-dg-muted)}
@container (min-width: 641px){.ctj-root.ct-dg-on .ctj-main{grid-template-columns:minmax(0,2fr) minmax(0,3fr)}}
.ct-diagram .ct-dg-gap{position:absolute;color:var(--ct-dg-muted);font-size:12px;font-style:italic}
`;
function createDiagram(host, options = {}) {
  const root = el("div", "ct-diagram");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Frames and objects");
  const style = el("style", "");
  style.textContent = DIAGRAM_CSS;
  root.appendChild(style);
  const bar = el("div", "ct-dg-bar");
  const zoomOut = el("button", "ct-dg-zoom-out", "\u2212");
  const zoomIn = el("button", "ct-dg-zoom-in", "+");
  const zoomFit = el("button", "ct-dg-zoom-reset", "100%");
  const relayout = el("button", "ct-dg-relayout", "Re-arrange");
  zoomOut.title = "Zoom out";
  zoomIn.title = "Zoom in";
  zoomFit.title = "Actual size";
  relayout.title = "Forget remembered box positions and lay the diagram out afresh";
  for (const b of [zoomOut, zoomIn, zoomFit, relayout]) b.setAttribute("type", "button");
  const note = el("span", "ct-dg-note");
  bar.append(zoomOut, zoomIn, zoomFit, relayout, note);
  const viewport = el("div", "ct-dg-viewport");
  const canvas = el("div", "ct-dg-canvas");
  viewport.appendChild(canvas);
  root.append(bar, viewport);
  host.appendChild(root);
  const memo = /* @__PURE__ */ new Map();
  const folded = /* @__PURE__ */ new Set();
  const opened = /* @__PURE__ */ new Set();
  const limits = {};
  let zoom = 1;
  let data = null;
  let selected = null;
  const params = () => ({ open: [...opened], limits: { ...limits } });
  const changedParams = () => options.onParams?.(params());
  const setZoom = (z) => {
    zoom = z;
    canvas.style.transform = z === 1 ? "" : `scale(${z})`;
    zoomFit.textContent = `${Math.round(z * 100)}%`;
    if (data) draw();
  };
  const stepZoom = (dir) => {
    const i = ZOOMS.findIndex((z) => Math.abs(z - zoom) < 1e-6);
    const next = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (i < 0 ? 4 : i) + dir))];
    setZoom(next);
  };
  zoomOut.addEventListener("click", () => stepZoom(-1));
  zoomIn.addEventListener("click", () => stepZoom(1));
  zoomFit.addEventListener("click", () => setZoom(1));
  relayout.addEventListener("click", () => {
    memo.clear();
    if (data) draw();
  });
  root.addEventListener("keydown", (ev) => {
    const t = (
      /** @type {HTMLElement} */
      ev.target
    );
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
    if (ev.key === "+" || ev.key === "=") {
      stepZoom(1);
      ev.stopPropagation();
    } else if (ev.key === "-" || ev.key === "_") {
      stepZoom(-1);
      ev.stopPropagation();
    }
  });
  const namesOf = (id) => {
    if (!data) return [];
    const out = [];
    for (const f of data.frames) for (const s of f.slots) if (s.ref === id) out.push({ frame: f.frame, name: s.key });
    return out;
  };
  const sharedFrames = (id) => {
    if (!data) return [];
    const out = [];
    for (const f of data.frames) if (f.slots.some((s) => s.ref === id)) out.push(f.function);
    return out;
  };
  const select = (id) => {
    selected = id;
    for (const b of canvas.querySelectorAll(".ct-dg-box")) {
      const me = b.getAttribute("data-ct-oid") ?? b.getAttribute("data-ct-id");
      b.classList.toggle("ct-dg-selected", id !== null && me === id);
    }
    for (const a of canvas.querySelectorAll(".ct-dg-arrow")) {
      a.classList.toggle("ct-dg-selected", id !== null && a.getAttribute("data-ct-to") === id);
    }
  };
  const fillValue = (slot, row) => {
    const val = el("span", "ct-dg-val");
    if (slot.ref) {
      val.appendChild(el("span", "ct-dg-dot"));
      val.title = slot.text;
    } else {
      val.textContent = slot.text;
      val.title = slot.text;
    }
    row.appendChild(val);
    if (slot.changed) row.classList.add("ct-dg-changed");
    if (slot.reach) row.classList.add("ct-dg-reach");
  };
  const frameBox = (f, r) => {
    const box = el("div", `ct-dg-box ct-dg-frame${f.current ? " ct-dg-current" : ""}`);
    box.setAttribute("data-ct-frame", String(f.frame));
    box.setAttribute("data-ct-id", f.id);
    box.tabIndex = 0;
    box.setAttribute("aria-label", `frame ${f.function}`);
    const head = el("div", "ct-dg-head");
    head.appendChild(el("span", "ct-dg-title", f.function));
    if (f.line > 0) head.appendChild(el("span", "ct-dg-sub", `line ${f.line}`));
    head.addEventListener("click", () => options.onFrame?.(f.frame));
    box.addEventListener("keydown", (ev) => {
      if ((ev.key === "Enter" || ev.key === " ") && ev.target === box) {
        ev.preventDefault();
        options.onFrame?.(f.frame);
      }
    });
    box.appendChild(head);
    if (!f.slots.length) box.appendChild(el("div", "ct-dg-text ct-dg-sub", "no names yet"));
    for (const s of f.slots) {
      const row = el("div", "ct-dg-row");
      row.setAttribute("data-ct-name", s.key);
      const key = el("button", "ct-dg-key", s.key);
      key.setAttribute("type", "button");
      key.title = `History of ${s.key}`;
      key.addEventListener("click", (ev) => {
        ev.stopPropagation();
        options.onName?.(f.frame, s.key);
      });
      row.appendChild(key);
      fillValue(s, row);
      box.appendChild(row);
    }
    place(box, r);
    return box;
  };
  const objectBox = (n, r) => {
    const isFolded = folded.has(n.id);
    const cls = ["ct-dg-box", "ct-dg-obj", `ct-dg-k-${n.kind}`];
    if (n.mutated) cls.push("ct-dg-mutated");
    if (n.new) cls.push("ct-dg-new");
    const box = el("div", cls.join(" "));
    box.setAttribute("data-ct-oid", n.id);
    box.tabIndex = 0;
    box.setAttribute("aria-label", `${headerText(n)} object`);
    const head = el("div", "ct-dg-head");
    const canFold = !n.collapsed && n.slots.length > 0;
    if (canFold) {
      const fold = el("button", "ct-dg-fold", isFolded ? "\u25B8" : "\u25BE");
      fold.setAttribute("type", "button");
      fold.title = isFolded ? "Expand" : "Collapse";
      fold.setAttribute("aria-expanded", String(!isFolded));
      fold.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (folded.has(n.id)) folded.delete(n.id);
        else folded.add(n.id);
        draw();
      });
      head.appendChild(fold);
    }
    head.appendChild(el("span", "ct-dg-title", headerText(n)));
    if (n.new) head.appendChild(el("span", "ct-dg-tag", "new"));
    else if (n.mutated) head.appendChild(el("span", "ct-dg-tag", "changed"));
    const frames = sharedFrames(n.id);
    if (frames.length > 1) {
      box.classList.add("ct-dg-shared");
      const tag = el("span", "ct-dg-tag ct-dg-tag-shared", `${frames.length} frames`);
      tag.title = `Reached from ${frames.join(", ")}`;
      head.appendChild(tag);
    }
    box.appendChild(head);
    const choose = () => {
      select(n.id);
      options.onObject?.(n, namesOf(n.id));
    };
    box.addEventListener("click", choose);
    box.addEventListener("keydown", (ev) => {
      if ((ev.key === "Enter" || ev.key === " ") && ev.target === box) {
        ev.preventDefault();
        choose();
      }
    });
    if (!isFolded) {
      if (n.collapsed) {
        const open = el("button", "ct-dg-open", "\u25B8 open");
        open.setAttribute("type", "button");
        open.title = "Show this object's contents";
        open.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (n.oid !== void 0) {
            opened.add(n.oid);
            changedParams();
          }
        });
        const row = el("div", "ct-dg-row");
        row.appendChild(open);
        box.appendChild(row);
      } else if (!n.slots.length && n.kind !== "function" && n.kind !== "class") {
        const text = n.kind === "object" || n.kind === "repr" || n.kind === "bytearray" ? n.text : "(empty)";
        const row = el("div", "ct-dg-text", text);
        row.title = text;
        box.appendChild(row);
      }
      for (const s of n.slots) {
        const row = el("div", "ct-dg-row");
        if (s.key !== "") row.appendChild(el("span", "ct-dg-key", s.key));
        fillValue(s, row);
        box.appendChild(row);
      }
      if (n.more) {
        const more = el("button", "ct-dg-more", `\u2026 ${n.more} more`);
        more.setAttribute("type", "button");
        more.title = `Show ${Math.min(PAGE, n.more)} more`;
        more.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (n.oid === void 0) return;
          limits[String(n.oid)] = n.slots.length + PAGE;
          changedParams();
        });
        const row = el("div", "ct-dg-row");
        row.appendChild(more);
        box.appendChild(row);
      }
    }
    place(box, r);
    return box;
  };
  function draw() {
    if (!data) return;
    const d = data;
    const lay = layout(d, memo, folded);
    canvas.textContent = "";
    canvas.style.width = `${lay.width}px`;
    canvas.style.height = `${lay.height}px`;
    viewport.style.minHeight = `${Math.min(560, Math.ceil(lay.height * zoom) + 4)}px`;
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "ct-dg-arrows");
    svg.setAttribute("width", String(lay.width));
    svg.setAttribute("height", String(lay.height));
    svg.setAttribute("aria-hidden", "true");
    const defs = document.createElementNS(SVG_NS, "defs");
    const marker = document.createElementNS(SVG_NS, "marker");
    const mid = `ct-dg-head-${Math.random().toString(36).slice(2, 9)}`;
    for (const [k, v] of [
      ["id", mid],
      ["viewBox", "0 0 10 10"],
      ["refX", "9"],
      ["refY", "5"],
      ["markerWidth", "8"],
      ["markerHeight", "8"],
      ["markerUnits", "userSpaceOnUse"],
      ["orient", "auto-start-reverse"]
    ]) marker.setAttribute(k, v);
    const tip = document.createElementNS(SVG_NS, "path");
    tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
    tip.setAttribute("class", "ct-dg-head-mark");
    marker.appendChild(tip);
    defs.appendChild(marker);
    svg.appendChild(defs);
    canvas.appendChild(svg);
    for (const f of d.frames) canvas.appendChild(frameBox(
      f,
      /** @type {Rect} */
      lay.frames.get(f.id)
    ));
    if (lay.gapY !== null && d.gap) {
      const gap = el("div", "ct-dg-gap", `\u22EE ${d.gap.count} more frames`);
      gap.style.left = `${PAD + 8}px`;
      gap.style.top = `${lay.gapY}px`;
      canvas.appendChild(gap);
    }
    const byId = new Map(d.nodes.map((n) => [n.id, n]));
    for (const [id, r] of lay.nodes) canvas.appendChild(objectBox(
      /** @type {DNode} */
      byId.get(id),
      r
    ));
    for (const g of d.gone || []) {
      const r = lay.gone.get(g.id);
      if (!r) continue;
      const box = el("div", "ct-dg-box ct-dg-obj ct-dg-gone");
      box.setAttribute("data-ct-oid", g.id);
      box.setAttribute("data-ct-gone", "1");
      box.setAttribute("aria-hidden", "true");
      box.appendChild(el("div", "ct-dg-head", `${g.type} (unreachable)`));
      place(box, r);
      canvas.appendChild(box);
    }
    for (const e of d.edges) {
      const from = lay.frames.get(e.from) ?? (folded.has(e.from) ? void 0 : lay.nodes.get(e.from));
      const to = lay.nodes.get(e.to);
      if (!from || !to) continue;
      const src = e.from.startsWith("f") && lay.frames.has(e.from) ? d.frames.find((f) => f.id === e.from)?.slots[e.slot] : byId.get(e.from)?.slots[e.slot];
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", arrowPath(from, e.slot, to));
      path.setAttribute("class", `ct-dg-arrow${src?.changed ? " ct-dg-changed" : ""}`);
      path.setAttribute("marker-end", `url(#${mid})`);
      path.setAttribute("data-ct-from", e.from);
      path.setAttribute("data-ct-to", e.to);
      path.setAttribute("data-ct-slot", String(e.slot));
      svg.appendChild(path);
    }
    const bits = [];
    if (d.truncated) bits.push("large: some objects are shown collapsed");
    if (lay.nodes.size === 0 && d.frames.every((f) => !f.slots.some((s) => s.ref))) bits.push("no objects yet");
    note.textContent = bits.join(" \xB7 ");
    root.setAttribute("data-step", String(d.step));
    if (selected !== null) select(selected);
  }
  return {
    root,
    /** Draw a diagram payload (positions of boxes already shown are kept). @param {DiagramData} next */
    update(next) {
      data = next;
      draw();
    },
    /** What the kernel should include: objects opened below the depth limit, pages. */
    params,
    /** Select an object box (and its incoming arrows) by node id, or none. */
    select,
    /** Forget remembered positions, folds, opened objects and pages (a new recording). */
    reset() {
      memo.clear();
      folded.clear();
      opened.clear();
      for (const k of Object.keys(limits)) delete limits[k];
      selected = null;
    },
    /** Current zoom factor. */
    get zoom() {
      return zoom;
    },
    /** Remembered positions (read-only use: tests and saving). */
    positions: memo,
    destroy() {
      root.remove();
    }
  };
}
function place(box, r) {
  box.style.left = `${r.x}px`;
  box.style.top = `${r.y}px`;
  box.style.width = `${r.w}px`;
  box.style.height = `${r.h}px`;
}

// src/views/diagram-pane.js
var MODE_KEY_PREFIX = "ct_jupyter.vars-mode:";
var WIDE_CLASS = "ct-dg-on";
function modeKey(notebook) {
  return MODE_KEY_PREFIX + (notebook || "(unsaved)");
}
function loadMode(key, storage) {
  try {
    return storage?.getItem(key) === "diagram" ? "diagram" : "list";
  } catch {
    return "list";
  }
}
function saveMode(key, mode, storage) {
  try {
    storage?.setItem(key, mode);
  } catch {
  }
}
function notebookPath(summary) {
  if (summary && typeof summary.notebook === "string" && summary.notebook) return summary.notebook;
  try {
    const loc = globalThis.location ?? /** @type {any} */
    globalThis.window?.location;
    return decodeURIComponent(loc?.pathname ?? "");
  } catch {
    return "";
  }
}
function safeLocalStorage() {
  try {
    return globalThis.localStorage ?? /** @type {any} */
    globalThis.window?.localStorage ?? null;
  } catch {
    return null;
  }
}
function diagramChosen(viewer) {
  return loadMode(modeKey(notebookPath(viewer.summary)), safeLocalStorage()) === "diagram";
}
var DiagramPane = class {
  /** @param {Viewer} viewer @param {{storage?: Storage | null}} [options] */
  constructor(viewer, options = {}) {
    this.viewer = viewer;
    this.storage = options.storage === void 0 ? safeLocalStorage() : options.storage;
    this.el = document.createElement("div");
    this.el.className = "ct-dg-pane";
    this.status = document.createElement("div");
    this.status.className = "ct-dg-status ctj-muted";
    this.el.appendChild(this.status);
    this.seq = 0;
    this.drawn = -1;
    this.step = -1;
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
        onObject: (_node, names) => {
          if (names.length) viewer.selectFrame(names[names.length - 1].frame);
        },
        onParams: () => this.fetch(this.step)
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
    if (v.step === this.drawn && v.step === this.step) return;
    this.step = v.step;
    this.fetch(v.step);
  }
  /** Ask the data source for the diagram at `step`; a later request wins. @param {number} step */
  fetch(step) {
    if (step < 0) return Promise.resolve();
    const view = this.diagram();
    const mine = ++this.seq;
    this.el.setAttribute("aria-busy", "true");
    return this.viewer.source.request("diagram", { step, ...view.params() }).then((data) => {
      if (mine !== this.seq) return;
      this.status.textContent = "";
      this.viewer.keepFocus(() => view.update(data));
      this.drawn = step;
      this.el.setAttribute("data-step", String(step));
    }, (err) => {
      if (mine !== this.seq) return;
      this.status.textContent = `Diagram unavailable: ${err && err.message ? err.message : String(err)}`;
    }).finally(() => {
      if (mine === this.seq) this.el.removeAttribute("aria-busy");
    });
  }
};

// src/views/index.js
var ALT_VIEWS = [
  { id: "table", label: "Table", title: "Trace table: one row per line this function ran, with the values it left", create: (viewer) => new TablePane(viewer) },
  { id: "diagram", label: "Diagram", title: "Frames and objects: every frame's names, the objects they reach, arrows for references", create: (viewer) => new DiagramPane(viewer), startOn: diagramChosen }
];

// src/viewer.js
var SLOW_MS = 1500;
var Viewer = class {
  /** @param {DataSource} source @param {HTMLElement} el */
  constructor(source, el2) {
    this.source = source;
    this.el = el2;
    this.view = null;
    this.inflight = false;
    this.dirty = false;
    this.lastSent = null;
    this.disposed = false;
    this.notice = "";
    this.slowTimer = null;
    this.summary = source.summary() || /** @type {any} */
    {};
    if (this.summary.schema !== void 0 && this.summary.schema !== SCHEMA) {
      throw new Error(`payload schema ${this.summary.schema} does not match the viewer (${SCHEMA}); restart the kernel`);
    }
    el2.textContent = "";
    this.root = h("div", {
      class: "ctj-root",
      tabindex: "0",
      role: "group",
      "data-source": this.source.kind,
      "aria-label": "Trace viewer: arrow keys step, Shift+arrows step over, Home/End jump"
    });
    this.onKeyCapture = (e) => this.onKey(e);
    const win = this.root.ownerDocument.defaultView;
    if (win) win.addEventListener("keydown", this.onKeyCapture, true);
    this.root.addEventListener("click", (e) => this.refocus(e));
    this.controls = new Controls(this);
    this.banner = new Banner(this);
    this.noticeEl = h("div", { class: "ctj-notice", role: "alert" });
    this.sourcePane = new SourcePane(this);
    this.stack = new StackPane(this);
    this.history = new HistoryPane(this);
    this.variables = new VariablesPane(this, ALT_VIEWS, this.history.el);
    this.output = new OutputPane(this);
    this.panes = [this.banner, this.sourcePane, this.stack, this.variables, this.output];
    const side = h("div", { class: "ctj-side" }, this.stack.el, this.variables.el, this.output.el);
    this.root.append(this.controls.el, this.banner.el, this.noticeEl, h("div", { class: "ctj-main" }, this.sourcePane.el, side));
    el2.appendChild(this.root);
    source.subscribe({
      onView: (view) => this.onView(view),
      onPosition: (pos) => this.positionChanged(pos),
      onSummary: (summary) => {
        this.summary = summary || /** @type {any} */
        {};
        this.controls.renderHeader();
        this.renderCounter();
      },
      onNotice: (text) => this.setNotice(text),
      onSourceChange: (kind) => this.sourceChanged(kind)
    });
    this.sourceChanged(source.kind);
    this.want = this.source.position();
    this.controls.renderHeader();
    this.renderCounter();
    this.requestView();
  }
  get steps() {
    return Number(this.summary && this.summary.steps || 0);
  }
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
    if (!this.source.movesOnNav && res && res.target !== null && res.target !== void 0) this.goto(res.target);
  }
  /** @param {KeyboardEvent} e */
  onKey(e) {
    const target = (
      /** @type {Node|null} */
      e.target
    );
    if (this.disposed || !target || !this.root.contains(target)) return;
    const action = keyAction(e);
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    this.act(action);
  }
  /** @param {Event} e */
  refocus(e) {
    const doc = this.root.ownerDocument;
    if (this.root.contains(doc.activeElement)) return;
    const t = (
      /** @type {HTMLElement|null} */
      e.target
    );
    const focusable = t && t.closest ? (
      /** @type {HTMLElement|null} */
      t.closest("button:not([disabled]), input, [tabindex]")
    ) : null;
    (focusable && this.root.contains(focusable) ? focusable : this.root).focus({ preventScroll: true });
  }
  /** @param {number} path @param {number} line @param {boolean} backward */
  jumpToLine(path, line, backward) {
    this.source.request("nav", { action: "line", path, line, backward, step: this.want.step }).then((res) => {
      if (res && (res.target === null || res.target === void 0)) {
        this.setNotice(`Line ${line} does not run ${backward ? "before" : "after"} this step.`);
      } else this.afterNav(res);
    }).catch((err) => this.setNotice(errorText(err)));
  }
  /** Say where the data comes from. @param {string} kind */
  sourceChanged(kind) {
    this.root.setAttribute("data-source", kind);
    this.controls.source.textContent = kind === "saved" ? "\xB7 saved in the notebook" : "";
  }
  /** @param {string} text */
  setNotice(text) {
    this.notice = text;
    if (this.noticeEl) this.noticeEl.textContent = text;
  }
  requestView() {
    if (this.disposed) return;
    if (this.inflight) {
      this.dirty = true;
      return;
    }
    this.inflight = true;
    this.dirty = false;
    const want = { ...this.want };
    this.source.save(want);
    this.lastSent = want;
    this.root.setAttribute("aria-busy", "true");
    clearTimeout(this.slowTimer);
    this.slowTimer = setTimeout(() => this.markStale(want), SLOW_MS);
    this.source.request("view", want).then((body) => this.onView(body)).catch((err) => this.setNotice(errorText(err))).finally(() => {
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
    this.setNotice(`Waiting for the kernel to show step ${want.step + 1}\u2026 (the panes still show ${shown})`);
  }
  /** @param {View|null} body */
  onView(body) {
    if (this.disposed || !body) return;
    const w = this.want;
    if (body.step !== w.step) return;
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
    const now = (
      /** @type {any} */
      doc.activeElement
    );
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
};
function mount(makeSource, el2) {
  let viewer = null;
  try {
    viewer = new Viewer(makeSource(), el2);
  } catch (err) {
    el2.textContent = "";
    el2.appendChild(h("div", { class: "ctj-root ctj-fatal", role: "alert" }, `ct_jupyter viewer failed to start: ${errorText(err)}`));
    console.error("ct_jupyter viewer failed", err);
  }
  return () => {
    if (viewer) viewer.destroy();
  };
}

// src/sources/kernel.js
var REQUEST_TIMEOUT_MS = 2e4;
var NO_ANSWER = "The kernel did not answer. The full recording lives in the kernel that made it: if that kernel was restarted or shut down, run the cell again.";
var Channel = class {
  /** @param {Transport} transport @param {(type: string, body: any) => void} onPush @param {number} [timeoutMs] */
  constructor(transport, onPush, timeoutMs = REQUEST_TIMEOUT_MS) {
    this.transport = transport;
    this.onPush = onPush;
    this.timeoutMs = timeoutMs;
    this.nextId = 1;
    this.prefix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    this.pending = /* @__PURE__ */ new Map();
    this.unlisten = transport.listen((msg, buffers) => this.receive(msg, buffers));
  }
  /** @param {string} type @param {Record<string, any>} body @returns {Promise<any>} */
  request(type, body = {}) {
    const req = `${this.prefix}-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        const err = new Error(NO_ANSWER);
        err.code = "no_answer";
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
    const waiting = msg.req !== null && msg.req !== void 0 ? this.pending.get(msg.req) : void 0;
    if (waiting) {
      clearTimeout(waiting.timer);
      this.pending.delete(msg.req);
      if (msg.type === "error") {
        const err = new Error(body ? `${body.error}: ${body.message}` : "error");
        err.code = body && body.code;
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
};
var WidgetSource = class {
  /** @param {any} model the anywidget model */
  constructor(model) {
    this.kind = "kernel";
    this.movesOnNav = true;
    this.model = model;
    this.events = {};
    const transport = {
      send: (content) => model.send(content),
      listen: (fn) => {
        model.on("msg:custom", fn);
        return () => model.off("msg:custom", fn);
      }
    };
    this.channel = new Channel(transport, (type, body) => this.push(type, body));
    this.onPos = () => {
      if (this.events.onPosition) this.events.onPosition(this.position());
    };
    this.onSum = () => {
      if (this.events.onSummary) this.events.onSummary(this.summary());
    };
    model.on("change:step", this.onPos);
    model.on("change:frame", this.onPos);
    model.on("change:summary", this.onSum);
  }
  /** @returns {Summary} */
  summary() {
    return this.model.get("summary") || {};
  }
  /** @returns {Position} */
  position() {
    const frame = this.model.get("frame");
    return { step: clamp(this.model.get("step"), Number(this.summary().steps || 0)), frame: frame === void 0 || frame === null ? -1 : Number(frame) };
  }
  /** @param {Position} pos */
  save(pos) {
    this.model.set("step", pos.step);
    this.model.set("frame", pos.frame);
    this.model.save_changes();
  }
  /** @param {string} type @param {Record<string, any>} body */
  request(type, body) {
    return this.channel.request(type, body);
  }
  /** @param {Partial<DataSourceEvents>} events */
  subscribe(events) {
    this.events = events;
  }
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
};

// src/anywidget.js
var anywidget_default = {
  /** Nothing to set up per model: each view opens its own channel. */
  initialize() {
  },
  /** @param {{model: any, el: HTMLElement}} ctx @returns {() => void} */
  render({ model, el: el2 }) {
    return mount(() => new WidgetSource(model), el2);
  }
};
export {
  anywidget_default as default
};
