// @ts-check
/** Pure functions of the payloads: what a key does, where an action leads, counter text, ... */

/** @typedef {import("./types.js").View} View */
/** @typedef {import("./types.js").Summary} Summary */
/** @typedef {import("./types.js").NavTargets} NavTargets */
/** @typedef {import("./types.js").ExcEvent} ExcEvent */
/** @typedef {import("./types.js").ValueNode} ValueNode */

/** Version of the kernel payloads this viewer reads (payload.SCHEMA). */
export const SCHEMA = 1;

/** Step actions in toolbar order, with their labels. @type {[string, string][]} */
export const BUTTONS = [
  ["first", "First step (Home)"],
  ["back_out", "Step out backward: to the line that called this function (Shift+↑)"],
  ["back_over", "Step over backward: previous line in this function (Shift+← or Shift+↓)"],
  ["prev", "Back one step (←)"],
  ["next", "Forward one step (→)"],
  ["over", "Step over: next line in this function (Shift+→ or ↓)"],
  ["out", "Step out: return to the caller (↑)"],
  ["last", "Last step: the end of the run (End)"],
];

/** Actions whose target the kernel may have to search for. */
export const SEARCHED = ["over", "out", "back_over", "back_out"];

/**
 * What a key press does when the viewer has focus (null: not ours, let it reach the notebook).
 * @param {{key: string, shiftKey?: boolean, altKey?: boolean, ctrlKey?: boolean, metaKey?: boolean}} e
 * @returns {string|null}
 */
export function keyAction(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case "ArrowRight": return e.shiftKey ? "over" : "next";
    case "ArrowLeft": return e.shiftKey ? "back_over" : "prev";
    case "ArrowDown": return e.shiftKey ? "back_over" : "over";
    case "ArrowUp": return e.shiftKey ? "back_out" : "out";
    case "Home": return e.shiftKey ? null : "first";
    case "End": return e.shiftKey ? null : "last";
    default: return null;
  }
}

/**
 * Clamp a position to 0..steps (steps = the end position).
 * @param {any} pos @param {number} steps @returns {number}
 */
export function clamp(pos, steps) {
  return Math.max(0, Math.min(steps, Math.trunc(Number(pos) || 0)));
}

/**
 * Return the position an action leads to (null: nowhere), for actions that need no kernel
 * search: next/prev/first/last and the step over/out targets the view carries.
 * @param {string} action @param {number} pos @param {number} steps @param {NavTargets|null} nav
 * @returns {number|null}
 */
export function targetOf(action, pos, steps, nav) {
  switch (action) {
    case "next": return pos < steps ? pos + 1 : null;
    case "prev": return pos > 0 ? pos - 1 : null;
    case "first": return pos !== 0 ? 0 : null;
    case "last": return pos !== steps ? steps : null;
    default: {
      const t = nav ? /** @type {any} */ (nav)[action] : null;
      return t === undefined || t === null || t === pos ? null : t;
    }
  }
}

/** Text of the step counter. @param {number} pos @param {number} steps @returns {string} */
export function counterText(pos, steps) {
  if (steps === 0) return "No steps recorded";
  if (pos >= steps) return `End · ${steps} step${steps === 1 ? "" : "s"}`;
  return `Step ${pos + 1} of ${steps}`;
}

/** "steps 412–39,870 are not saved in the notebook" for a gap of 0-based positions. @param {{from: number, to: number}} gap */
export function gapText(gap) {
  const a = (gap.from + 1).toLocaleString("en-US");
  const b = (gap.to + 1).toLocaleString("en-US");
  return gap.from === gap.to ? `step ${a} is not saved in the notebook` : `steps ${a}–${b} are not saved in the notebook`;
}

/** A stable hue for an object id (shared-object badges get matching colours). @param {number} oid */
export function oidHue(oid) {
  return (Math.imul(Number(oid) + 1, 2654435761) >>> 0) % 360;
}

/** "f()" for a function name, "<module>" as is. @param {string|undefined} f */
export const fname = (f) => (f === "<module>" ? "<module>" : `${f}()`);

/**
 * "line 4 of In [2] · total()" for the line about to run at this view.
 * @param {View|null} v @param {Summary|null} summary @returns {string}
 */
export function hereText(v, summary) {
  if (!v || v.end || !v.current) return "";
  const cur = v.current;
  const p = ((summary && summary.paths) || []).find((x) => x.id === cur.path);
  return `line ${cur.line}${p ? ` of ${p.label}` : ""} · ${fname(cur.function)}`;
}

/**
 * @typedef {{kind: string, type: string, message: string, lead: string, tail?: string}} ExcLine
 */
/**
 * Sentences for the exception events at this position ("now": raised by the line about to run;
 * "just": by the line that just ran). Unwinds through several frames become one sentence.
 * @param {ExcEvent[]} events @param {boolean} [atEnd] @returns {ExcLine[]}
 */
export function exceptionLines(events, atEnd = false) {
  /** @type {ExcLine[]} */
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

/**
 * Replace every node with object id `oid` in the variable rows by `value`.
 * @param {import("./types.js").VarRow[]} rows @param {number} oid @param {ValueNode} value
 */
export function replaceNode(rows, oid, value) {
  /** @param {ValueNode} node @returns {ValueNode} */
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
