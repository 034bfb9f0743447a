// @ts-check
/**
 * The variables pane: the selected frame's variables as a tree, plus a row of toggles in its
 * header for ALTERNATIVE views of the same frame (the trace table; the frames-and-objects
 * diagram plugs in here too). An alternative view is registered in views/index.js as
 * `{id, label, title, create(viewer) -> {el, render(view)}}`; when its toggle is on it replaces
 * the tree.
 */
import { h, errorText } from "../dom.js";
import { fname, oidHue, replaceNode } from "../state.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */
/** @typedef {import("../types.js").ValueNode} ValueNode */
/** @typedef {import("../types.js").VarRow} VarRow */
/** @typedef {{el: HTMLElement, render: (v: View) => void, setShown?: (on: boolean) => void}} AltPane */
/** @typedef {{id: string, label: string, title: string, create: (viewer: Viewer) => AltPane, startOn?: (viewer: Viewer) => boolean}} AltView */

export class VariablesPane {
  /** @param {Viewer} viewer @param {AltView[]} alternatives @param {HTMLElement} extra (the history box) */
  constructor(viewer, alternatives, extra) {
    this.viewer = viewer;
    /** @type {Set<string>} variable tree paths the user opened (kept across steps) */
    this.expanded = new Set();
    /** @type {Map<string, any>} "oid@step" -> value json */
    this.expandCache = new Map();
    /** @type {string|null} the alternative view shown instead of the tree */
    this.alt = null;
    this.title = h("span", {}, "Variables");
    this.tree = h("div", { class: "ctj-vars", role: "tree", "aria-label": "Variables" });
    const head = h("h3", { class: "ctj-h" }, this.title);
    /** @type {Map<string, {spec: AltView, pane: AltPane, button: HTMLElement}>} */
    this.alts = new Map();
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
    const first = alternatives.find((spec) => spec.startOn && spec.startOn(viewer));   // a remembered choice
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
    this.title.textContent = v.frame_function ? `Variables · ${fname(v.frame_function)}` : "Variables";
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
    const key = path.join("\u0000");
    const hasKids = !!(node.items || node.entries || node.attrs || node.more);
    const open = hasKids && this.expanded.has(key);
    const changed = (top && top.changed) || node.d === 1;
    const row = h("div", { class: `ctj-var${changed ? " ctj-changed" : ""}`, role: "treeitem", "aria-level": String(level + 1), "data-path": key, "aria-expanded": hasKids ? String(open) : undefined });
    const line = h("div", { class: "ctj-var-line", style: `padding-left:${level * 1.1}em` });
    if (hasKids) {
      const t = h("button", { type: "button", class: "ctj-toggle", "aria-label": `${open ? "Collapse" : "Expand"} ${path.join(" ")}`, "aria-expanded": String(open) }, open ? "▾" : "▸");
      t.addEventListener("click", (e) => { e.stopPropagation(); this.toggleNode(key); });
      line.appendChild(t);
    } else line.appendChild(h("span", { class: "ctj-toggle-space" }));
    if (top) {
      const nameBtn = h("button", { type: "button", class: "ctj-name", title: "Show the history of this variable", "aria-label": `History of ${label}` }, label);
      nameBtn.addEventListener("click", () => this.viewer.history.select(top.name, v.frame));
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
    if (open) row.appendChild(this.children(node, path, level, v));
    return row;
  }

  /** @param {ValueNode} node @param {string[]} path @param {number} level @param {View} v */
  children(node, path, level, v) {
    const kids = h("div", { class: "ctj-kids", role: "group" });
    /** @type {ValueNode|undefined} */
    let data = node;
    if (!(node.items || node.entries || node.attrs) && node.o !== undefined) {
      data = this.expandCache.get(`${node.o}@${v.step}`);
      if (!data) {
        this.fetchExpand(node.o, v.step);
        kids.appendChild(h("div", { class: "ctj-muted", style: `padding-left:${(level + 1) * 1.1}em` }, "loading…"));
      }
    }
    if (data) {
      (data.items || []).forEach((c, i) => kids.appendChild(this.node(`[${i}]`, c, [...path, String(i)], level + 1, null, v)));
      (data.entries || []).forEach(([k, c]) => kids.appendChild(this.node(k.x, c, [...path, `{${k.x}}`], level + 1, null, v)));
      (data.attrs || []).forEach(([n, c]) => kids.appendChild(this.node(`.${n}`, c, [...path, `.${n}`], level + 1, null, v)));
      const shownList = data.items || data.entries || data.attrs;
      if (data.more && shownList) {
        const more = h("button", { type: "button", class: "ctj-more", style: `margin-left:${(level + 1) * 1.1}em` }, `show all${data.n !== undefined ? ` ${data.n}` : ""} (${shownList.length} shown)`);
        const oid = node.o;
        if (oid !== undefined) more.addEventListener("click", () => { this.fetchExpand(oid, v.step, path.join("\u0000")); });
        if (node.o !== undefined && data === node) kids.appendChild(more);
      }
    }
    return kids;
  }

  /** @param {string} key */
  toggleNode(key) {
    if (this.expanded.has(key)) this.expanded.delete(key); else this.expanded.add(key);
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
      // "show all": swap the node's children in the current view for the full object
      if (key !== undefined && viewer.view) replaceNode(viewer.view.vars, oid, res.value);
      if (this.expandCache.size > 400) this.expandCache.clear();
      const v = viewer.view;
      if (v) viewer.keepFocus(() => this.renderTree(v));
    }).catch((err) => { this.expandCache.delete(ck + ":pending"); viewer.setNotice(errorText(err)); });
  }
}
