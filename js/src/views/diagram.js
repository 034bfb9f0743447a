// @ts-check
/**
 * Frames-and-objects diagram: frames on the left, objects on the right, arrows for references.
 *
 * Input is one `diagram` payload (ct_jupyter/widget/payload.py `diagram_payload`). The view is
 * plain DOM boxes (absolutely placed) plus one SVG layer of arrows. Layout is computed here from
 * fixed row and box sizes (no DOM measuring), so it is deterministic for a given step and
 * remembered layout, and testable without a browser engine.
 *
 * Stability: every box's position is remembered by its id (an object's oid, a frame's id) for
 * the life of the view. A box keeps its place when you step forward and back; a new box goes to
 * the first free place right of what refers to it; a box that grew pushes down only the boxes it
 * now overlaps. Objects no longer reachable stay one step, faded, where they were.
 *
 * Test hooks (documented in js/README.md): object boxes carry `data-ct-oid` (the node id),
 * frame boxes `data-ct-frame`, arrows `data-ct-from` / `data-ct-to` / `data-ct-slot`.
 *
 * SAFETY: every string from the traced program goes into the DOM with textContent or
 * setAttribute; nothing here uses innerHTML.
 */

/**
 * @typedef {{key: string, kind: string, text: string, ref?: string, changed?: number, reach?: number}} DSlot
 * @typedef {{id: string, oid?: number, kind: string, type: string, text: string, first?: number,
 *   slots: DSlot[], length?: number, more?: number, collapsed?: number, new?: number, mutated?: number}} DNode
 * @typedef {{id: string, frame: number, function: string, line: number, depth: number,
 *   current: boolean, slots: DSlot[]}} DFrame
 * @typedef {{from: string, slot: number, to: string}} DEdge
 * @typedef {{schema: number, step: number, steps: number, frames: DFrame[],
 *   gap: {after: number, count: number} | null, nodes: DNode[], edges: DEdge[],
 *   gone: {id: string, kind: string, type: string, text: string}[], truncated: boolean}} DiagramData
 * @typedef {{x: number, y: number, w: number, h: number}} Rect
 * @typedef {{frames: Map<string, Rect>, nodes: Map<string, Rect>, gone: Map<string, Rect>,
 *   gapY: number | null, width: number, height: number}} Layout
 */

export const ROW = 20;
export const HEAD = 22;
export const BOX_W = 156;
export const FRAME_W = 170;
export const COL_GAP = 50;
export const GAP = 14;
export const PAD = 12;
const MORE_ROW = 1;
const ZOOMS = [0.4, 0.55, 0.7, 0.85, 1, 1.2, 1.5];
const SVG_NS = "http://www.w3.org/2000/svg";
/** How many more items a "… N more" click asks for. */
export const PAGE = 50;

/** Number of rows a node shows (collapsed by the user: none). */
function nodeRows(/** @type {DNode} */ node, /** @type {boolean} */ folded) {
  if (folded) return 0;
  if (node.collapsed) return 1;                       // "open" row
  const extra = node.more ? MORE_ROW : 0;
  if (node.slots.length === 0) return (node.kind === "repr" || node.kind === "bytearray" || node.kind === "object") ? 1 : (extra || (node.kind === "function" || node.kind === "class" ? 0 : 1));
  return node.slots.length + extra;
}

/**
 * Size of a node's box.
 * @param {DNode} node @param {boolean} [folded]
 * @returns {{w: number, h: number}}
 */
export function boxSize(node, folded = false) {
  return { w: BOX_W, h: HEAD + nodeRows(node, folded) * ROW };
}

/** @param {DFrame} frame */
function frameHeight(frame) { return HEAD + Math.max(1, frame.slots.length) * ROW; }

/** @param {Rect} a @param {Rect} b */
function overlaps(a, b) {
  return a.x < b.x + b.w + GAP && b.x < a.x + a.w + GAP && a.y < b.y + b.h + GAP && b.y < a.y + a.h + GAP;
}

/** Column x of objects at column `col`. */
export function columnX(col) { return PAD + FRAME_W + COL_GAP + col * (BOX_W + COL_GAP); }

/**
 * Ids of the nodes reachable from the frames, not passing through folded nodes; in
 * discovery order (frames outermost first, slots in order, depth first).
 * @param {DiagramData} data @param {Set<string>} folded
 * @returns {string[]}
 */
export function visibleNodes(data, folded) {
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const out = [];
  const seen = new Set();
  const visit = (/** @type {string} */ id) => {
    if (seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    out.push(id);
    if (folded.has(id)) return;
    for (const s of /** @type {DNode} */ (byId.get(id)).slots) if (s.ref) visit(s.ref);
  };
  for (const f of data.frames) for (const s of f.slots) if (s.ref) visit(s.ref);
  return out;
}

/**
 * Place frames and objects. Pure: the result depends only on `data`, the remembered positions
 * `memo` (id -> {x, y, h}: place and the most room the box needed; updated in place) and the
 * folded node ids.
 * @param {DiagramData} data
 * @param {Map<string, {x: number, y: number, h?: number}>} memo
 * @param {Set<string>} [folded]
 * @returns {Layout}
 */
export function layout(data, memo, folded = new Set()) {
  /** @type {Map<string, Rect>} */
  const frames = new Map();
  let y = PAD;
  let gapY = null;
  data.frames.forEach((f, i) => {
    const h = frameHeight(f);
    frames.set(f.id, { x: PAD, y, w: FRAME_W, h });
    y += h + GAP;
    if (data.gap && data.gap.after === i) { gapY = y; y += ROW + GAP; }
  });
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const visible = visibleNodes(data, folded);
  const visibleSet = new Set(visible);
  /** @type {Map<string, Rect>} */
  const nodes = new Map();
  /** @type {Rect[]} */
  const placed = [];
  /** @type {Map<string, number>} */
  const rooms = new Map();
  // 1. boxes already shown keep their place (remembered); top to bottom, so a box that grew
  //    pushes down the boxes below it, never the ones above
  const remembered = visible.filter((id) => memo.has(id)).sort((a, b) => {
    const pa = /** @type {{x: number, y: number}} */ (memo.get(a));
    const pb = /** @type {{x: number, y: number}} */ (memo.get(b));
    return pa.y - pb.y || pa.x - pb.x;
  });
  for (const id of remembered) {
    const at = /** @type {{x: number, y: number, h?: number}} */ (memo.get(id));
    const size = boxSize(/** @type {DNode} */ (byId.get(id)), folded.has(id));
    // collide with the room the box ever needed, so a box that shrank and grows back again
    // (stepping back and forth) never pushes anything
    const room = { x: at.x, y: at.y, w: size.w, h: Math.max(size.h, at.h ?? 0) };
    settle(room, placed);
    nodes.set(id, { x: room.x, y: room.y, w: size.w, h: size.h });
    rooms.set(id, room.h);
    placed.push(room);
  }
  // 2. new boxes: depth first from the frames, right of their referrer, first free place down
  const place = (/** @type {string} */ id, /** @type {number} */ col, /** @type {number} */ hintY) => {
    if (nodes.has(id) || !visibleSet.has(id)) return;
    const node = /** @type {DNode} */ (byId.get(id));
    const size = boxSize(node, folded.has(id));
    const rect = { x: columnX(col), y: Math.max(PAD, hintY), w: size.w, h: size.h };
    settle(rect, placed);
    nodes.set(id, rect);
    rooms.set(id, rect.h);
    placed.push({ ...rect });
    if (folded.has(id)) return;
    node.slots.forEach((s, i) => {
      if (s.ref) place(s.ref, col + 1, rect.y + HEAD + i * ROW);
    });
  };
  for (const f of data.frames) {
    const fr = /** @type {Rect} */ (frames.get(f.id));
    f.slots.forEach((s, i) => { if (s.ref) place(s.ref, 0, fr.y + HEAD + i * ROW - 4); });
  }
  // remembered boxes' new children were skipped above when their parent was remembered
  let grew = true;
  while (grew) {
    grew = false;
    for (const id of visible) {
      if (nodes.has(id)) continue;
      // find a placed referrer to sit next to
      for (const [pid, prect] of nodes) {
        const parent = byId.get(pid);
        const i = parent ? parent.slots.findIndex((s) => s.ref === id) : -1;
        if (i >= 0 && !folded.has(pid)) {
          const col = Math.max(0, Math.round((prect.x - columnX(0)) / (BOX_W + COL_GAP)) + 1);
          place(id, col, prect.y + HEAD + i * ROW);
          grew = true;
          break;
        }
      }
    }
  }
  for (const [id, r] of nodes) memo.set(id, { x: r.x, y: r.y, h: rooms.get(id) ?? r.h });
  // 3. unreachable since the previous step: faded, where they were (only if they were shown)
  /** @type {Map<string, Rect>} */
  const gone = new Map();
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

/** Move `rect` down until it overlaps none of `placed`. @param {Rect} rect @param {Rect[]} placed */
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

/**
 * The SVG path of an arrow from row `slot` of box `from` to the box `to`.
 * @param {Rect} from @param {number} slot @param {Rect} to
 * @returns {string}
 */
export function arrowPath(from, slot, to) {
  const sx = from.x + from.w - 9;
  const sy = from.y + HEAD + slot * ROW + ROW / 2;
  const tx = to.x;
  const ty = to.y + HEAD / 2;
  const r = (/** @type {number} */ v) => Math.round(v * 10) / 10;
  if (tx > sx + 20) {
    const dx = Math.max(24, (tx - sx) / 2);
    return `M${r(sx)},${r(sy)} C${r(sx + dx)},${r(sy)} ${r(tx - dx)},${r(ty)} ${r(tx)},${r(ty)}`;
  }
  if (from === to || (from.x === to.x && from.y === to.y)) {
    // to itself: a small loop out of the row, over the box's top right, down into the box
    const ex = to.x + to.w - 34;
    const top = to.y - 16;
    return `M${r(sx)},${r(sy)} C${r(sx + 34)},${r(sy)} ${r(sx + 34)},${r(top)} ${r(sx)},${r(top)} `
      + `S${r(ex)},${r(top)} ${r(ex)},${r(to.y)}`;
  }
  // backwards (or down the same column): out to the right, then into the target's top left
  const ex = tx + 16;
  return `M${r(sx)},${r(sy)} C${r(sx + 50)},${r(sy)} ${r(ex)},${r(to.y - 50)} ${r(ex)},${r(to.y)}`;
}

/** The text shown in a box header. @param {DNode} node */
export function headerText(node) {
  if (node.kind === "function" || node.kind === "class") return node.text;
  const len = node.length !== undefined && node.kind !== "bytearray" ? ` · ${node.length}` : "";
  return `${node.type}${len}`;
}

/**
 * Create an element with text-only children.
 * @param {string} tag @param {string} cls @param {string} [text]
 * @returns {HTMLElement}
 */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export const DIAGRAM_CSS = `
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

/**
 * @typedef {{
 *   onFrame?: (frame: number) => void,
 *   onObject?: (node: DNode, names: {frame: number, name: string}[]) => void,
 *   onName?: (frame: number, name: string) => void,
 *   onParams?: (params: {open: number[], limits: Record<string, number>}) => void,
 * }} DiagramOptions
 */

/**
 * Create a diagram view inside `host`. `update(data)` draws a diagram payload; `params()` says
 * what to ask the kernel for (objects opened below the depth limit, pages of big containers);
 * `onParams` fires when the user changes those, so the host re-requests the diagram.
 * @param {HTMLElement} host
 * @param {DiagramOptions} [options]
 */
export function createDiagram(host, options = {}) {
  const root = el("div", "ct-diagram");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Frames and objects");
  const style = el("style", "");
  style.textContent = DIAGRAM_CSS;
  root.appendChild(style);
  const bar = el("div", "ct-dg-bar");
  const zoomOut = el("button", "ct-dg-zoom-out", "−");
  const zoomIn = el("button", "ct-dg-zoom-in", "+");
  const zoomFit = el("button", "ct-dg-zoom-reset", "100%");
  const relayout = el("button", "ct-dg-relayout", "Re-arrange");
  zoomOut.title = "Zoom out"; zoomIn.title = "Zoom in"; zoomFit.title = "Actual size";
  relayout.title = "Forget remembered box positions and lay the diagram out afresh";
  for (const b of [zoomOut, zoomIn, zoomFit, relayout]) b.setAttribute("type", "button");
  const note = el("span", "ct-dg-note");
  bar.append(zoomOut, zoomIn, zoomFit, relayout, note);
  const viewport = el("div", "ct-dg-viewport");
  const canvas = el("div", "ct-dg-canvas");
  viewport.appendChild(canvas);
  root.append(bar, viewport);
  host.appendChild(root);

  /** @type {Map<string, {x: number, y: number, h?: number}>} */
  const memo = new Map();
  /** @type {Set<string>} */
  const folded = new Set();
  /** @type {Set<number>} */
  const opened = new Set();
  /** @type {Record<string, number>} */
  const limits = {};
  let zoom = 1;
  /** @type {DiagramData | null} */
  let data = null;
  /** @type {string | null} */
  let selected = null;

  const params = () => ({ open: [...opened], limits: { ...limits } });
  const changedParams = () => options.onParams?.(params());
  const setZoom = (/** @type {number} */ z) => {
    zoom = z;
    canvas.style.transform = z === 1 ? "" : `scale(${z})`;
    zoomFit.textContent = `${Math.round(z * 100)}%`;
    if (data) draw();
  };
  const stepZoom = (/** @type {number} */ dir) => {
    const i = ZOOMS.findIndex((z) => Math.abs(z - zoom) < 1e-6);
    const next = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (i < 0 ? 4 : i) + dir))];
    setZoom(next);
  };
  zoomOut.addEventListener("click", () => stepZoom(-1));
  zoomIn.addEventListener("click", () => stepZoom(1));
  zoomFit.addEventListener("click", () => setZoom(1));
  relayout.addEventListener("click", () => { memo.clear(); if (data) draw(); });
  root.addEventListener("keydown", (ev) => {
    const t = /** @type {HTMLElement} */ (ev.target);
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
    if (ev.key === "+" || ev.key === "=") { stepZoom(1); ev.stopPropagation(); }
    else if (ev.key === "-" || ev.key === "_") { stepZoom(-1); ev.stopPropagation(); }
  });

  /** Names (frame, name) whose arrows lead to node `id` directly. @param {string} id */
  const namesOf = (id) => {
    if (!data) return [];
    const out = [];
    for (const f of data.frames) for (const s of f.slots) if (s.ref === id) out.push({ frame: f.frame, name: s.key });
    return out;
  };

  /** Functions of the frames whose names point at node `id` directly. @param {string} id */
  const sharedFrames = (id) => {
    if (!data) return [];
    const out = [];
    for (const f of data.frames) if (f.slots.some((s) => s.ref === id)) out.push(f.function);
    return out;
  };

  const select = (/** @type {string | null} */ id) => {
    selected = id;
    for (const b of canvas.querySelectorAll(".ct-dg-box")) {
      const me = b.getAttribute("data-ct-oid") ?? b.getAttribute("data-ct-id");
      b.classList.toggle("ct-dg-selected", id !== null && me === id);
    }
    for (const a of canvas.querySelectorAll(".ct-dg-arrow")) {
      a.classList.toggle("ct-dg-selected", id !== null && a.getAttribute("data-ct-to") === id);
    }
  };

  /** @param {DSlot} slot @param {HTMLElement} row */
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

  /** @param {DFrame} f @param {Rect} r */
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
      if ((ev.key === "Enter" || ev.key === " ") && ev.target === box) { ev.preventDefault(); options.onFrame?.(f.frame); }
    });
    box.appendChild(head);
    if (!f.slots.length) box.appendChild(el("div", "ct-dg-text ct-dg-sub", "no names yet"));
    for (const s of f.slots) {
      const row = el("div", "ct-dg-row");
      row.setAttribute("data-ct-name", s.key);
      const key = el("button", "ct-dg-key", s.key);
      key.setAttribute("type", "button");
      key.title = `History of ${s.key}`;
      key.addEventListener("click", (ev) => { ev.stopPropagation(); options.onName?.(f.frame, s.key); });
      row.appendChild(key);
      fillValue(s, row);
      box.appendChild(row);
    }
    place(box, r);
    return box;
  };

  /** @param {DNode} n @param {Rect} r */
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
      const fold = el("button", "ct-dg-fold", isFolded ? "▸" : "▾");
      fold.setAttribute("type", "button");
      fold.title = isFolded ? "Expand" : "Collapse";
      fold.setAttribute("aria-expanded", String(!isFolded));
      fold.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (folded.has(n.id)) folded.delete(n.id); else folded.add(n.id);
        draw();
      });
      head.appendChild(fold);
    }
    head.appendChild(el("span", "ct-dg-title", headerText(n)));
    if (n.new) head.appendChild(el("span", "ct-dg-tag", "new"));
    else if (n.mutated) head.appendChild(el("span", "ct-dg-tag", "changed"));
    const frames = sharedFrames(n.id);
    if (frames.length > 1) {
      // aliasing across calls (the caller's list passed to a function): say so on the box
      box.classList.add("ct-dg-shared");
      const tag = el("span", "ct-dg-tag ct-dg-tag-shared", `${frames.length} frames`);
      tag.title = `Reached from ${frames.join(", ")}`;
      head.appendChild(tag);
    }
    box.appendChild(head);
    const choose = () => { select(n.id); options.onObject?.(n, namesOf(n.id)); };
    box.addEventListener("click", choose);
    box.addEventListener("keydown", (ev) => {
      if ((ev.key === "Enter" || ev.key === " ") && ev.target === box) { ev.preventDefault(); choose(); }
    });
    if (!isFolded) {
      if (n.collapsed) {
        const open = el("button", "ct-dg-open", "▸ open");
        open.setAttribute("type", "button");
        open.title = "Show this object's contents";
        open.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (n.oid !== undefined) { opened.add(n.oid); changedParams(); }
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
        const more = el("button", "ct-dg-more", `… ${n.more} more`);
        more.setAttribute("type", "button");
        more.title = `Show ${Math.min(PAGE, n.more)} more`;
        more.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (n.oid === undefined) return;
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
    for (const [k, v] of [["id", mid], ["viewBox", "0 0 10 10"], ["refX", "9"], ["refY", "5"],
      ["markerWidth", "8"], ["markerHeight", "8"], ["markerUnits", "userSpaceOnUse"],
      ["orient", "auto-start-reverse"]]) marker.setAttribute(k, v);
    const tip = document.createElementNS(SVG_NS, "path");
    tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
    tip.setAttribute("class", "ct-dg-head-mark");
    marker.appendChild(tip);
    defs.appendChild(marker);
    svg.appendChild(defs);
    canvas.appendChild(svg);
    for (const f of d.frames) canvas.appendChild(frameBox(f, /** @type {Rect} */ (lay.frames.get(f.id))));
    if (lay.gapY !== null && d.gap) {
      const gap = el("div", "ct-dg-gap", `⋮ ${d.gap.count} more frames`);
      gap.style.left = `${PAD + 8}px`;
      gap.style.top = `${lay.gapY}px`;
      canvas.appendChild(gap);
    }
    const byId = new Map(d.nodes.map((n) => [n.id, n]));
    for (const [id, r] of lay.nodes) canvas.appendChild(objectBox(/** @type {DNode} */ (byId.get(id)), r));
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
    // arrows: from frames and from unfolded visible nodes to visible nodes
    for (const e of d.edges) {
      const from = lay.frames.get(e.from) ?? (folded.has(e.from) ? undefined : lay.nodes.get(e.from));
      const to = lay.nodes.get(e.to);
      if (!from || !to) continue;
      const src = e.from.startsWith("f") && lay.frames.has(e.from)
        ? d.frames.find((f) => f.id === e.from)?.slots[e.slot]
        : byId.get(e.from)?.slots[e.slot];
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
    note.textContent = bits.join(" · ");
    root.setAttribute("data-step", String(d.step));
    if (selected !== null) select(selected);
  }

  return {
    root,
    /** Draw a diagram payload (positions of boxes already shown are kept). @param {DiagramData} next */
    update(next) { data = next; draw(); },
    /** What the kernel should include: objects opened below the depth limit, pages. */
    params,
    /** Select an object box (and its incoming arrows) by node id, or none. */
    select,
    /** Forget remembered positions, folds, opened objects and pages (a new recording). */
    reset() { memo.clear(); folded.clear(); opened.clear(); for (const k of Object.keys(limits)) delete limits[k]; selected = null; },
    /** Current zoom factor. */
    get zoom() { return zoom; },
    /** Remembered positions (read-only use: tests and saving). */
    positions: memo,
    destroy() { root.remove(); },
  };
}

/** @param {HTMLElement} box @param {Rect} r */
function place(box, r) {
  box.style.left = `${r.x}px`;
  box.style.top = `${r.y}px`;
  box.style.width = `${r.w}px`;
  box.style.height = `${r.h}px`;
}
