// The diagram as an alternative view of the variables pane (js/src/views/diagram-pane.js).
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Window } from "happy-dom";

const window = new Window({ url: "http://localhost/notebooks/demo.ipynb" });
globalThis.window = window;
globalThis.document = window.document;
globalThis.Node = window.Node;
const P = await import("../src/views/diagram-pane.js");
const FX = JSON.parse(readFileSync(fileURLToPath(new URL("../../tests/fixtures/diagram_payloads.json", import.meta.url)), "utf8"));

class MemStorage { constructor() { this.m = new Map(); } getItem(k) { return this.m.has(k) ? this.m.get(k) : null; } setItem(k, v) { this.m.set(k, String(v)); } }
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A stand-in for the Viewer: a data source answering `diagram` from the fixture, and the calls the pane makes. */
function fakeViewer(answer) {
  const calls = [];
  const root = document.createElement("div");
  document.body.appendChild(root);
  return {
    calls, root, summary: { notebook: "work/a.ipynb" },
    source: { request: (type, body) => { calls.push([type, body]); return answer ? answer(body) : Promise.resolve(FX.diagrams[String(body.step)]); } },
    selectFrame: (f) => calls.push(["frame", f]),
    history: { select: (name, frame) => calls.push(["history", name, frame]) },
    keepFocus: (fn) => fn(),
  };
}

beforeEach(() => { document.body.textContent = ""; });

test("draws the step's diagram from the data source, once per step", async () => {
  const viewer = fakeViewer();
  const pane = new P.DiagramPane(viewer, { storage: new MemStorage() });
  document.body.appendChild(pane.el);
  pane.render({ step: 4 });
  await tick();
  pane.render({ step: 4, frame: 0 });               // a frame change at the same step: no new request
  await tick();
  assert.deepEqual(viewer.calls, [["diagram", { step: 4, open: [], limits: {} }]]);
  assert.equal(pane.el.getAttribute("data-step"), "4");
  assert.ok(pane.el.querySelector(".ct-dg-obj[data-ct-oid]"));
  assert.ok(viewer.root.classList.contains(P.WIDE_CLASS));
});

test("clicks reach the other panes: frame, name history, object -> its innermost frame", async () => {
  const viewer = fakeViewer();
  const pane = new P.DiagramPane(viewer, { storage: null });
  document.body.appendChild(pane.el);
  pane.render({ step: 12 });
  await tick();
  viewer.calls.length = 0;
  const frames = [...pane.el.querySelectorAll(".ct-dg-frame")];
  frames[2].querySelector(".ct-dg-head").click();
  frames[3].querySelector('[data-ct-name="n"] .ct-dg-key').click();
  const a = FX.diagrams["12"].frames[0].slots.find((s) => s.key === "a").ref;
  pane.el.querySelector(`[data-ct-oid="${a}"]`).click();
  const f = FX.diagrams["12"].frames;
  assert.deepEqual(viewer.calls, [["frame", f[2].frame], ["history", "n", f[3].frame], ["frame", 0]]);
});

test("a slow answer for an old step never replaces a newer one; errors show as text", async () => {
  const resolvers = {};
  const viewer = fakeViewer((body) => new Promise((r) => { resolvers[body.step] = () => r(FX.diagrams[String(body.step)]); }));
  const pane = new P.DiagramPane(viewer, { storage: null });
  document.body.appendChild(pane.el);
  pane.render({ step: 4 });
  pane.render({ step: 12 });
  resolvers[12]();
  await tick();
  resolvers[4]();
  await tick();
  assert.equal(pane.el.getAttribute("data-step"), "12");
  assert.equal(pane.el.querySelectorAll(".ct-dg-frame").length, 4);
  const failing = new P.DiagramPane(fakeViewer(() => Promise.reject(new Error("<b>kernel gone</b>"))), { storage: null });
  document.body.appendChild(failing.el);
  failing.render({ step: 3 });
  await tick();
  assert.match(failing.status.textContent, /<b>kernel gone<\/b>/);
  assert.equal(failing.el.querySelector("b"), null);
});

test("paging asks the data source again with the new limits", async () => {
  const viewer = fakeViewer();
  const pane = new P.DiagramPane(viewer, { storage: null });
  document.body.appendChild(pane.el);
  pane.render({ step: 10 });
  await tick();
  pane.el.querySelector(".ct-dg-more").click();
  await tick();
  assert.equal(viewer.calls.length, 2);
  assert.deepEqual(Object.values(viewer.calls[1][1].limits), [60]);
  assert.equal(viewer.calls[1][1].step, 10);
});

test("the choice is remembered per notebook; broken storage is harmless", () => {
  const storage = new MemStorage();
  const viewer = fakeViewer();
  const pane = new P.DiagramPane(viewer, { storage });
  pane.setShown(true);
  assert.equal(storage.getItem(P.modeKey("work/a.ipynb")), "diagram");
  assert.equal(P.loadMode(P.modeKey("work/a.ipynb"), storage), "diagram");
  assert.equal(P.loadMode(P.modeKey("other.ipynb"), storage), "list");
  pane.setShown(false);
  assert.equal(storage.getItem(P.modeKey("work/a.ipynb")), "list");
  assert.ok(!viewer.root.classList.contains(P.WIDE_CLASS));
  const bad = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); } };
  assert.equal(P.loadMode("k", bad), "list");
  P.saveMode("k", "diagram", bad);
  assert.equal(P.notebookPath({ notebook: "x/y.ipynb" }), "x/y.ipynb");
  assert.equal(P.notebookPath({}), "/notebooks/demo.ipynb");
});

test("in the viewer: the Diagram toggle replaces the tree, asks the kernel, and is remembered", async () => {
  const { FakeModel, until } = await import("./fake-model.js");
  const W = (await import("../src/anywidget.js")).default;
  class DiagramModel extends FakeModel {
    answer(c) {
      if (c.type !== "diagram") return super.answer(c);
      this.asked = (this.asked || 0) + 1;
      return this.kernelSend({ type: "diagram", req: c.req }, { ...FX.diagrams["8"], step: c.step });
    }
  }
  window.localStorage.clear();
  const mountOne = async () => {
    const el = document.createElement("div");
    document.body.appendChild(el);
    const model = new DiagramModel();
    const cleanup = W.render({ model, el });
    await until(() => el.querySelector(".ctj-root[data-ready='1']"), 2000, "first view");
    return { el, model, cleanup };
  };
  const first = await mountOne();
  const btn = first.el.querySelector(".ctj-diagram-btn");
  assert.ok(btn, "a Diagram toggle in the variables header");
  assert.equal(first.model.asked, undefined, "nothing asked while the tree is shown");
  btn.click();
  await until(() => first.el.querySelector(".ct-dg-obj[data-ct-oid]"), 2000, "diagram");
  assert.equal(btn.getAttribute("aria-pressed"), "true");
  assert.equal(first.el.querySelector(".ctj-vars").hidden, true);
  assert.ok(first.el.querySelector(".ctj-root").classList.contains("ct-dg-on"));
  first.cleanup();
  const second = await mountOne();
  await until(() => second.el.querySelector(".ct-dg-obj[data-ct-oid]"), 2000, "remembered diagram");
  assert.equal(second.el.querySelector(".ctj-diagram-btn").getAttribute("aria-pressed"), "true");
  second.el.querySelector(".ctj-diagram-btn").click();
  assert.equal(second.el.querySelector(".ctj-vars").hidden, false);
  second.cleanup();
  const third = await mountOne();
  assert.equal(third.el.querySelector(".ctj-diagram-btn").getAttribute("aria-pressed"), "false");
  third.cleanup();
});

test("a recording saved in the notebook answers diagrams from its pack, and says when one is missing", async () => {
  const { SavedSource } = await import("../src/sources/saved.js");
  const rec = { version: 1, schema: 1, trace_id: "x", summary: { schema: 1, title: "", steps: FX.steps, start: 0, paths: [] },
    sources: {}, views: {}, gaps: [], budget: 1, diagrams: FX.packed };
  const src = new SavedSource(rec);
  assert.deepEqual(await src.request("diagram", { step: 8 }), FX.diagrams["8"]);
  const none = new SavedSource({ ...rec, diagrams: undefined });
  await assert.rejects(none.request("diagram", { step: 8 }), /not saved/);
});
