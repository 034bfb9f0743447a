// The Variables | Diagram toggle (js/src/views/diagram-pane.js).
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

let bar, list, pane;
beforeEach(() => {
  document.body.textContent = "";
  bar = document.createElement("div"); list = document.createElement("div"); pane = document.createElement("div");
  document.body.append(bar, list, pane);
});

function make(storage, fetch, notebook = "work/a.ipynb") {
  const asked = [];
  const t = P.createVarsToggle({
    bar, list, pane, notebook, storage,
    fetch: fetch || ((step, params) => { asked.push([step, params]); return Promise.resolve(FX.diagrams[String(step)]); }),
  });
  return { t, asked };
}

test("starts as the list, switches to the diagram, remembers the choice per notebook", async () => {
  const storage = new MemStorage();
  const { t, asked } = make(storage);
  assert.equal(t.mode, "list");
  assert.equal(pane.hidden, true);
  await t.setStep(4);
  assert.equal(asked.length, 0, "no diagram fetched while the list is shown");
  bar.querySelector(".ct-dg-toggle-diagram").click();
  await tick();
  assert.equal(t.mode, "diagram");
  assert.equal(list.hidden, true);
  assert.equal(pane.hidden, false);
  assert.deepEqual(asked, [[4, { open: [], limits: {} }]]);
  assert.ok(pane.querySelector(".ct-dg-obj[data-ct-oid]"));
  assert.equal(storage.getItem(P.modeKey("work/a.ipynb")), "diagram");
  t.destroy();
  bar.textContent = ""; pane.textContent = "";
  const again = make(storage).t;
  assert.equal(again.mode, "diagram");
  assert.equal(make(storage, undefined, "other.ipynb").t.mode, "list");
});

test("a slow answer for an old step never replaces a newer one", async () => {
  const storage = new MemStorage();
  storage.setItem(P.modeKey("work/a.ipynb"), "diagram");
  const resolvers = {};
  const { t } = make(storage, (step) => new Promise((r) => { resolvers[step] = () => r(FX.diagrams[String(step)]); }));
  const first = t.setStep(4);
  const second = t.setStep(12);
  resolvers[12]();
  await second;
  resolvers[4]();
  await first;
  assert.equal(pane.getAttribute("data-step"), "12");
  assert.equal(pane.querySelectorAll(".ct-dg-frame").length, 4);
});

test("paging asks again with the new limits; errors are shown as text", async () => {
  const storage = new MemStorage();
  storage.setItem(P.modeKey("work/a.ipynb"), "diagram");
  const { t, asked } = make(storage);
  await t.setStep(10);
  pane.querySelector(".ct-dg-more").click();
  await tick();
  assert.equal(asked.length, 2);
  assert.deepEqual(Object.values(asked[1][1].limits), [60]);
  const failing = make(new MemStorage(), () => Promise.reject(new Error("<b>kernel gone</b>")));
  failing.t.setMode("diagram");
  await failing.t.setStep(3);
  const status = [...pane.querySelectorAll(".ct-dg-status")].map((s) => s.textContent).join("");
  assert.match(status, /<b>kernel gone<\/b>/);
  assert.equal(pane.querySelector("b"), null);
});

test("storage that throws, and the notebook path fallback", () => {
  const bad = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); } };
  assert.equal(P.loadMode("k", bad), "list");
  P.saveMode("k", "diagram", bad);
  assert.equal(P.notebookPath({ notebook: "x/y.ipynb" }), "x/y.ipynb");
  assert.equal(P.notebookPath({}), "/notebooks/demo.ipynb");
});
