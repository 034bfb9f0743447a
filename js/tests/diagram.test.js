// The frames-and-objects diagram (js/src/views/diagram.js), rendered from the shared fixture
// tests/fixtures/diagram_payloads.json (written by tests/test_diagram_payload.py).
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Window } from "happy-dom";

const window = new Window({ url: "http://localhost/" });
globalThis.window = window;
globalThis.document = window.document;
globalThis.Node = window.Node;
const D = await import("../src/views/diagram.js");

const FX = JSON.parse(readFileSync(fileURLToPath(new URL("../../tests/fixtures/diagram_payloads.json", import.meta.url)), "utf8"));
const at = (pos) => FX.diagrams[String(pos)];

let host;
beforeEach(() => { document.body.textContent = ""; host = document.createElement("div"); document.body.appendChild(host); });

const q = (s) => host.querySelector(s);
const qa = (s) => [...host.querySelectorAll(s)];
const slotOf = (d, name) => d.frames[0].slots.find((s) => s.key === name);
const posOf = (id) => { const b = q(`[data-ct-oid="${id}"]:not([data-ct-gone])`); return b && `${b.style.left},${b.style.top}`; };
const allPositions = () => Object.fromEntries(qa(".ct-dg-obj:not(.ct-dg-gone)").map((b) => [b.getAttribute("data-ct-oid"), `${b.style.left},${b.style.top}`]));

test("the fixture is the payload version this module was written for", () => {
  assert.equal(FX.schema, 1);
  assert.ok(FX.steps > 10);
});

test("aliasing: two names, two arrows, one box", () => {
  const view = D.createDiagram(host);
  const d = at(4);
  view.update(d);
  const oid = slotOf(d, "a").ref;
  assert.equal(slotOf(d, "b").ref, oid);
  assert.equal(qa(`.ct-dg-obj[data-ct-oid="${oid}"]`).length, 1);
  const arrows = qa(`.ct-dg-arrow[data-ct-to="${oid}"]`);
  assert.equal(arrows.length, 2);
  assert.deepEqual(arrows.map((a) => a.getAttribute("data-ct-from")), ["f0", "f0"]);
  assert.deepEqual(arrows.map((a) => a.getAttribute("data-ct-slot")).sort(), ["2", "3"]);
  const rows = qa(`.ct-dg-obj[data-ct-oid="${oid}"] .ct-dg-row`).map((r) => r.textContent);
  assert.deepEqual(rows, ["01", "12"]);
});

test("a list of lists draws arrows from the outer list's items", () => {
  const view = D.createDiagram(host);
  const d = at(5);
  view.update(d);
  const outer = slotOf(d, "m").ref;
  const fromOuter = qa(`.ct-dg-arrow[data-ct-from="${outer}"]`).map((a) => a.getAttribute("data-ct-to"));
  assert.equal(fromOuter.length, 2);
  assert.equal(fromOuter[1], slotOf(d, "a").ref);
  for (const id of fromOuter) assert.ok(q(`.ct-dg-obj[data-ct-oid="${id}"]`));
});

test("a self-referencing list has an arrow to itself; the dict of instances keeps hostile text as text", () => {
  const view = D.createDiagram(host);
  const d = at(8);
  view.update(d);
  const la = slotOf(d, "a").ref;
  assert.ok(q(`.ct-dg-arrow[data-ct-from="${la}"][data-ct-to="${la}"]`));
  const p = d.nodes.find((n) => n.type === "P");
  const box = q(`[data-ct-oid="${p.id}"]`);
  assert.match(box.textContent, /<img src=x onerror=alert\(1\)>/);
  assert.equal(host.querySelector("img"), null);
  const dict = slotOf(d, "d").ref;
  assert.ok(q(`.ct-dg-arrow[data-ct-from="${dict}"][data-ct-to="${p.id}"]`));
});

test("a mutation through an alias: box marked, item highlighted, both names marked", () => {
  const view = D.createDiagram(host);
  const d = at(6);
  view.update(d);
  const la = slotOf(d, "a").ref;
  const box = q(`[data-ct-oid="${la}"]`);
  assert.ok(box.classList.contains("ct-dg-mutated"));
  const rows = [...box.querySelectorAll(".ct-dg-row")];
  assert.deepEqual(rows.map((r) => r.classList.contains("ct-dg-changed")), [false, false, true]);
  const reach = qa(".ct-dg-frame .ct-dg-row.ct-dg-reach").map((r) => r.getAttribute("data-ct-name"));
  assert.deepEqual(reach.sort(), ["a", "b", "m"]);
});

test("recursion: one frame box per level, each with its own n; the current one marked", () => {
  const view = D.createDiagram(host);
  view.update(at(12));
  const frames = qa(".ct-dg-frame");
  assert.equal(frames.length, 4);
  assert.deepEqual(frames.map((f) => f.querySelector(".ct-dg-title").textContent), ["<module>", "f", "f", "f"]);
  assert.deepEqual(frames.slice(1).map((f) => f.querySelector('[data-ct-name="n"] .ct-dg-val').textContent), ["3", "2", "1"]);
  assert.ok(frames[3].classList.contains("ct-dg-current") && !frames[1].classList.contains("ct-dg-current"));
});

test("stable layout: boxes only move down, once, on first sight of growth; then back and forth never moves them", () => {
  const view = D.createDiagram(host);
  const steps = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  for (const pos of steps) {
    const before = allPositions();
    view.update(at(pos));
    const now = allPositions();
    for (const [id, p] of Object.entries(before)) {
      if (!(id in now)) continue;
      const [x0, y0] = p.split(",").map(parseFloat), [x1, y1] = now[id].split(",").map(parseFloat);
      assert.ok(x1 === x0 && y1 >= y0, `box ${id} moved sideways or up at ${pos}`);
    }
  }
  const seen = {};
  for (const pos of [...steps].reverse()) { view.update(at(pos)); seen[pos] = allPositions(); }
  for (const pos of steps) { view.update(at(pos)); assert.deepEqual(allPositions(), seen[pos], `step ${pos}`); }
  for (const pos of [9, 4, 12, 6]) { view.update(at(pos)); assert.deepEqual(allPositions(), seen[pos], `jump to ${pos}`); }
});

test("stepping back and forth from a fresh view does not move boxes that do not grow", () => {
  const view = D.createDiagram(host);
  view.update(at(13));
  const end = allPositions();
  for (const pos of [12, 8, 5, 4, 9, 13]) {
    view.update(at(pos));
    for (const [id, p] of Object.entries(allPositions())) if (id in end) assert.equal(p, end[id], `box ${id} at ${pos}`);
  }
});

test("layout is deterministic and boxes never overlap", () => {
  for (const pos of Object.keys(FX.diagrams)) {
    const a = D.layout(at(pos), new Map());
    const b = D.layout(at(pos), new Map());
    assert.deepEqual([...a.nodes], [...b.nodes]);
    const rects = [...a.frames.values(), ...a.nodes.values()];
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      const r = rects[i], s = rects[j];
      const apart = r.x + r.w <= s.x || s.x + s.w <= r.x || r.y + r.h <= s.y || s.y + s.h <= r.y;
      assert.ok(apart, `boxes overlap at ${pos}`);
    }
  }
});

test("a box that grows pushes down only the boxes it now overlaps", () => {
  const memo = new Map();
  const d = structuredClone(at(9));
  D.layout(d, memo);
  const before = new Map(memo);
  const la = slotOf(d, "a").ref;
  const node = d.nodes.find((n) => n.id === la);
  for (let i = 0; i < 12; i++) node.slots.push({ key: String(10 + i), kind: "int", text: String(i) });
  const lay = D.layout(d, memo);
  assert.equal(memo.get(la).x, before.get(la).x);
  assert.equal(memo.get(la).y, before.get(la).y);
  assert.ok(memo.get(la).h > before.get(la).h);
  const r = lay.nodes.get(la);
  for (const [id, s] of lay.nodes) {
    if (id === la) continue;
    const apart = r.x + r.w <= s.x || s.x + s.w <= r.x || r.y + r.h <= s.y || s.y + s.h <= r.y;
    assert.ok(apart, `${id} overlaps the grown box`);
  }
});

test("a big container shows its head and '… N more', which pages through the kernel", () => {
  const asked = [];
  const view = D.createDiagram(host, { onParams: (p) => asked.push(p) });
  const d = at(10);
  view.update(d);
  const big = d.nodes.find((n) => n.length === 50);
  const box = q(`[data-ct-oid="${big.id}"]`);
  assert.equal(box.querySelectorAll(".ct-dg-row").length, 11);
  const more = box.querySelector(".ct-dg-more");
  assert.equal(more.textContent, "… 40 more");
  more.click();
  assert.deepEqual(asked, [{ open: [], limits: { [String(big.oid)]: 60 } }]);
  assert.deepEqual(view.params(), asked[0]);
  view.update(FX.paged.diagram);
  assert.equal(q(`[data-ct-oid="${big.id}"]`).querySelectorAll(".ct-dg-row").length, 31);
});

test("unreachable objects stay one step, faded, where they were", () => {
  const view = D.createDiagram(host);
  view.update(at(FX.steps - 1));
  const d = at(FX.steps);
  const goneIds = d.gone.map((g) => g.id);
  assert.ok(goneIds.length >= 1);
  const was = Object.fromEntries(goneIds.map((id) => [id, posOf(id)]));
  view.update(d);
  for (const id of goneIds) {
    const box = q(`[data-ct-oid="${id}"][data-ct-gone]`);
    assert.ok(box && box.classList.contains("ct-dg-gone"));
    assert.equal(`${box.style.left},${box.style.top}`, was[id]);
    assert.equal(qa(`.ct-dg-arrow[data-ct-to="${id}"]`).length, 0);
  }
});

test("folding a box hides what only it reaches; zoom and re-arrange work", () => {
  const view = D.createDiagram(host);
  const d = at(5);
  view.update(d);
  const outer = slotOf(d, "m").ref;
  const inner = d.nodes.find((n) => n.id === outer).slots[0].ref;
  assert.ok(q(`[data-ct-oid="${inner}"]`));
  q(`[data-ct-oid="${outer}"] .ct-dg-fold`).click();
  assert.equal(q(`[data-ct-oid="${inner}"]`), null);
  assert.equal(qa(`.ct-dg-arrow[data-ct-from="${outer}"]`).length, 0);
  assert.ok(q(`[data-ct-oid="${slotOf(d, "a").ref}"]`), "a's list is still reached from a");
  q(".ct-dg-zoom-in").click();
  assert.equal(view.zoom, 1.2);
  assert.match(q(".ct-dg-canvas").style.transform, /scale\(1.2\)/);
  q(".ct-dg-zoom-reset").click();
  assert.equal(view.zoom, 1);
  q(".ct-dg-relayout").click();
  assert.ok(q(`[data-ct-oid="${outer}"]`));
});

test("clicks and keys: frame selects, name opens history, object selects with its arrows", () => {
  const calls = [];
  const view = D.createDiagram(host, {
    onFrame: (f) => calls.push(["frame", f]),
    onName: (f, n) => calls.push(["name", f, n]),
    onObject: (n, names) => calls.push(["object", n.id, names.map((x) => x.name)]),
  });
  const d = at(12);
  view.update(d);
  const inner = qa(".ct-dg-frame")[3];
  inner.querySelector(".ct-dg-head").click();
  inner.querySelector('[data-ct-name="n"] .ct-dg-key').click();
  inner.dispatchEvent(new window.KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  const la = slotOf(d, "a").ref;
  const box = q(`[data-ct-oid="${la}"]`);
  assert.equal(box.tabIndex, 0);
  assert.ok(!box.classList.contains("ct-dg-shared"), "two names of one frame are not cross-frame sharing");
  box.click();
  const fr = d.frames[3].frame;
  assert.deepEqual(calls, [["frame", fr], ["name", fr, "n"], ["frame", fr], ["object", la, ["a", "b"]]]);
  assert.ok(box.classList.contains("ct-dg-selected"));
  const sel = qa(".ct-dg-arrow.ct-dg-selected").map((a) => a.getAttribute("data-ct-to"));
  assert.ok(sel.length >= 2 && sel.every((t) => t === la));
});

test("collapsed stubs open through the kernel; deep stacks show a gap marker", () => {
  const asked = [];
  const view = D.createDiagram(host, { onParams: (p) => asked.push(p) });
  const stub = { id: "7", oid: 7, kind: "list", type: "list", text: "<list #7>", slots: [], collapsed: 1 };
  const data = {
    schema: 1, step: 3, steps: 9, truncated: true,
    frames: [{ id: "f0", frame: 0, function: "<module>", line: 1, depth: 0, current: false, slots: [{ key: "x", kind: "list", text: "list", ref: "7" }] },
      { id: "f9", frame: 9, function: "g", line: 2, depth: 40, current: true, slots: [] }],
    gap: { after: 0, count: 38 }, nodes: [stub], edges: [{ from: "f0", slot: 0, to: "7" }], gone: [],
  };
  view.update(data);
  assert.match(q(".ct-dg-gap").textContent, /38 more frames/);
  assert.match(q(".ct-dg-note").textContent, /collapsed/);
  q('[data-ct-oid="7"] .ct-dg-open').click();
  assert.deepEqual(asked, [{ open: [7], limits: {} }]);
});

test("arrow paths: forward arrows curve right, self arrows loop above", () => {
  const a = { x: 100, y: 100, w: 176, h: 80 };
  const b = { x: 400, y: 50, w: 176, h: 60 };
  assert.match(D.arrowPath(a, 0, b), /^M267,132 C/);
  const self = D.arrowPath(a, 1, a);
  assert.match(self, /S/);
  assert.ok(self.endsWith(`${a.x + a.w - 34},${a.y}`), self);
  assert.ok(!/NaN/.test(self));
  const back = D.arrowPath(b, 0, a);
  assert.ok(back.endsWith(`${a.x + 16},${a.y}`), back);
});

test("an object reached from two frames (the caller's list passed to a function) says so", () => {
  const view = D.createDiagram(host);
  const list = { id: "3", oid: 3, kind: "list", type: "list", text: "list", length: 1, slots: [{ key: "0", kind: "int", text: "1" }] };
  view.update({
    schema: 1, step: 5, steps: 9, truncated: false, gap: null, gone: [], nodes: [list],
    frames: [{ id: "f0", frame: 0, function: "<module>", line: 4, depth: 0, current: false, slots: [{ key: "data", kind: "list", text: "list", ref: "3" }] },
      { id: "f1", frame: 1, function: "add", line: 2, depth: 1, current: true, slots: [{ key: "xs", kind: "list", text: "list", ref: "3" }] }],
    edges: [{ from: "f0", slot: 0, to: "3" }, { from: "f1", slot: 0, to: "3" }],
  });
  const box = q('[data-ct-oid="3"]');
  assert.ok(box.classList.contains("ct-dg-shared"));
  assert.equal(box.querySelector(".ct-dg-tag-shared").textContent, "2 frames");
  assert.equal(box.querySelector(".ct-dg-tag-shared").title, "Reached from <module>, add");
});

test("diagrams saved in the notebook unpack to exactly the kernel's payloads", async () => {
  const S = await import("../src/views/diagram-saved.js");
  for (const [step, d] of Object.entries(FX.diagrams)) assert.deepEqual(S.unpackDiagram(FX.packed, Number(step)), d);
  assert.equal(S.unpackDiagram(FX.packed, 999), null);
  assert.equal(S.unpackDiagram({ ...FX.packed, pack: 99 }, 1), null);
  const source = S.savedDiagramSource(FX.packed);
  assert.deepEqual(await source(4), FX.diagrams["4"]);
  await assert.rejects(source(999), /not saved/);
});
