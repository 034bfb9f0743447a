// ct_jupyter viewer (anywidget entry), built from js/src by js/build.mjs. Do not edit.
// source-hash: 17114ebac31f83f1

// src/dom.js
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === void 0 || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === void 0 || child === false) continue;
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
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
      if (o && o.status === "raised") {
        b.appendChild(h("div", { class: "ctj-exc ctj-exc-final" }, "The run failed with ", h("strong", {}, o.exc_type || "an exception"), o.exc_message ? `: ${o.exc_message}` : ""));
      } else {
        b.appendChild(h("div", { class: "ctj-done" }, "The run finished", o && o.value !== void 0 ? " with value " : "", o && o.value !== void 0 ? h("code", { class: "ctj-val" }, o.value) : null, "."));
      }
      if (s.truncated) b.appendChild(h("div", { class: "ctj-trunc" }, `Recording stopped early (${s.stop_reason || "limit"}); ${s.dropped_steps || 0} further steps ran but were not recorded.`));
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
    for (const e of v.stack) {
      if ("gap" in e) {
        list.appendChild(h("li", { class: "ctj-muted" }, `\u2026 ${e.gap} more frames \u2026`));
        continue;
      }
      const on = e.frame === v.frame;
      const b = h(
        "button",
        { type: "button", class: `ctj-frame${on ? " ctj-frame-on" : ""}`, "aria-pressed": String(on), "data-frame": String(e.frame), "aria-label": `Select frame ${e.function}, line ${e.line}` },
        h("span", { class: "ctj-fn" }, e.function === "<module>" ? "<module>" : `${e.function}()`),
        h("span", { class: "ctj-where" }, `${labels.get(e.path) ?? ""}:${e.line}`)
      );
      b.addEventListener("click", () => this.viewer.selectFrame(e.frame));
      list.appendChild(h("li", {}, b));
    }
  }
};

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
  }
  /** Show alternative view `id` instead of the tree (or the tree again). @param {string} id */
  toggle(id) {
    this.alt = this.alt === id ? null : id;
    for (const [aid, { spec, pane, button }] of this.alts) {
      const on = aid === this.alt;
      button.setAttribute("aria-pressed", String(on));
      button.setAttribute("aria-label", on ? "Show the variables tree" : `Show the ${spec.label.toLowerCase()} of this function`);
      pane.el.hidden = !on;
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
      const b = h(
        "button",
        { type: "button", class: `ctj-hist-item${i === current ? " ctj-hist-on" : ""}`, "aria-label": `Go to step ${e.step + 1}`, "data-step": String(e.step) },
        h("span", { class: "ctj-hist-step" }, `step ${e.step + 1}`),
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

// src/views/index.js
var ALT_VIEWS = [
  { id: "table", label: "Table", title: "Trace table: one row per line this function ran, with the values it left", create: (viewer) => new TablePane(viewer) }
];

// src/viewer.js
var SLOW_MS = 1500;
var Viewer = class {
  /** @param {DataSource & {movesOnNav?: boolean}} source @param {HTMLElement} el */
  constructor(source, el) {
    this.source = source;
    this.el = el;
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
    el.textContent = "";
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
    el.appendChild(this.root);
    source.subscribe({
      onView: (view) => this.onView(view),
      onPosition: (pos) => this.positionChanged(pos),
      onSummary: (summary) => {
        this.summary = summary || /** @type {any} */
        {};
        this.controls.renderHeader();
        this.renderCounter();
      },
      onNotice: (text) => this.setNotice(text)
    });
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
function mount(makeSource, el) {
  let viewer = null;
  try {
    viewer = new Viewer(makeSource(), el);
  } catch (err) {
    el.textContent = "";
    el.appendChild(h("div", { class: "ctj-root ctj-fatal", role: "alert" }, `ct_jupyter viewer failed to start: ${errorText(err)}`));
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
  render({ model, el }) {
    return mount(() => new WidgetSource(model), el);
  }
};
export {
  anywidget_default as default
};
