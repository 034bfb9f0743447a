// The `saved` data source (the recording embedded in the notebook) and the kernel→saved fallback.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Window } from "happy-dom";
import { until } from "./fake-model.js";

const window = new Window({ url: "http://localhost/" });
globalThis.window = window;
globalThis.document = window.document;
globalThis.Node = window.Node;
const W = await import("../src/index.js");
const SAVED = JSON.parse(readFileSync(fileURLToPath(new URL("../../tests/fixtures/saved_recording.json", import.meta.url)), "utf8"));

let el;
beforeEach(() => { document.body.textContent = ""; el = document.createElement("div"); document.body.appendChild(el); });
const q = (s) => el.querySelector(s);
const qa = (s) => [...el.querySelectorAll(s)];
const stepOf = () => Number(q(".ctj-root")?.getAttribute("data-step"));
const atStep = (n) => until(() => stepOf() === n, 2000, `step ${n}`);
const key = (k, shift = false) => q(".ctj-root").dispatchEvent(new window.KeyboardEvent("keydown", { key: k, shiftKey: shift, bubbles: true, cancelable: true }));

async function mountSaved(rec) {
  const cleanup = W.mount(() => new W.SavedSource(rec), el);
  await until(() => q(".ctj-root[data-ready='1']") && q(".ctj-line"), 2000, "saved view");
  return cleanup;
}

test("a whole saved recording navigates with no kernel at all", async () => {
  const cleanup = await mountSaved(SAVED.full);
  assert.equal(q(".ctj-root").getAttribute("data-source"), "saved");
  assert.match(q(".ctj-source-kind").textContent, /saved in the notebook/);
  await atStep(16);                                     // opens at the raising step, like the widget
  assert.match(q(".ctj-banner").textContent, /ZeroDivisionError/);
  key("Home");
  await atStep(0);
  key("ArrowRight");
  await atStep(1);
  key("End");
  await atStep(17);
  assert.match(q(".ctj-banner").textContent, /The run failed with ZeroDivisionError/);
  // step over / out come from the saved views' nav targets
  key("Home"); await atStep(0);
  key("ArrowDown");                                     // step over: the saved view's target
  await atStep(SAVED.full.views["0"].nav.over);
  key("ArrowUp");                                       // step out of <module>: the end
  await atStep(SAVED.full.views[String(SAVED.full.views["0"].nav.over)].nav.out);
  cleanup();
});

test("saved: line clicks, value history from the saved steps, table says it needs the kernel", async () => {
  const cleanup = await mountSaved(SAVED.full);
  key("Home"); await atStep(0);
  const row = qa(".ctj-line").find((r) => r.querySelector(".ctj-count").textContent !== "" && r.getAttribute("data-line") !== "1");
  row.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));
  await until(() => stepOf() > 0, 2000, "line jump");
  const name = q(".ctj-name");
  name.click();
  await until(() => qa(".ctj-hist-item").length > 0, 2000, "history");
  q(".ctj-table-btn").click();
  await until(() => /not saved in the notebook/.test(q(".ctj-table-box").textContent), 2000, "table note");
  cleanup();
});

test("unsaved steps are named plainly, and the saved ones still work", async () => {
  const rec = SAVED.partial;
  assert.ok(rec.gaps.length > 0);
  const cleanup = await mountSaved(rec);
  key("Home");
  await atStep(0);
  const [a, b] = rec.gaps[0];
  assert.match(q(".ctj-banner").textContent, new RegExp(`Steps ${a + 1}–${b + 1} are not saved in the notebook`));
  assert.match(q(".ctj-vars").textContent, /not saved/);
  key("End");
  await atStep(rec.summary.steps);
  assert.doesNotMatch(q(".ctj-banner").textContent, /not saved/);
  cleanup();
});

test("hostile strings in a saved recording stay text", async () => {
  const cleanup = await mountSaved(SAVED.full);
  await atStep(16);
  assert.equal(el.querySelectorAll("img, script").length, 0);
  assert.ok(q(".ctj-output").textContent.includes("<img src=x onerror=alert(1)>"));
  assert.ok(qa(".ctj-text").some((e) => e.textContent.includes("<img src=x onerror=alert(1)>")));
  assert.equal(window.__ctj_pwned, undefined);
  cleanup();
});

test("a saved recording of another version is refused in the cell", () => {
  const logged = [];
  const original = console.error;
  console.error = (...a) => logged.push(a);
  try { W.mount(() => new W.SavedSource({ ...SAVED.full, version: 99 }), el); } finally { console.error = original; }
  assert.match(el.textContent, /saved recording version 99/);
});

/** A fake JupyterLab kernel whose comm answers from the full saved recording, or says "gone". */
function fakeKernel(mode) {
  const comms = [];
  return {
    comms,
    createComm() {
      const comm = {
        onMsg: null, onClose: null, isDisposed: false, sent: [],
        open() { setTimeout(() => (mode === "gone" ? comm.onMsg({ content: { data: { type: "gone", reason: "unknown" } } }) : comm.onMsg({ content: { data: { type: "ready" } } })), 0); },
        send(data) {
          comm.sent.push(data);
          const src = new W.SavedSource(SAVED.full);
          setTimeout(() => {
            if (comm.released) { comm.onMsg({ content: { data: { type: "error", req: data.req } }, buffers: [new TextEncoder().encode(JSON.stringify({ error: "Released", code: "released", message: "released" }))] }); return; }
            src.request(data.type, data).then((body) => comm.onMsg({ content: { data: { type: data.type, req: data.req } }, buffers: [new TextEncoder().encode(JSON.stringify(body))] }));
          }, 0);
        },
        close() { comm.isDisposed = true; },
      };
      comms.push(comm);
      return comm;
    },
  };
}

test("the renderer pages from the live kernel, then says once that it fell back to the saved copy", async () => {
  const kernel = fakeKernel("ready");
  const cleanup = W.mount(() => new W.FallbackSource(new W.SavedSource(SAVED.partial), W.openCommSource(kernel, "fixture-id", SAVED.partial.summary)), el);
  await until(() => q(".ctj-root[data-source='kernel'][data-ready='1']"), 2000, "live view");
  key("Home");
  await atStep(0);
  assert.doesNotMatch(q(".ctj-banner").textContent, /not saved/, "the kernel has the steps the notebook lacks");
  assert.ok(kernel.comms[0].sent.length > 0);
  kernel.comms[0].released = true;                       // the cell ran again in the kernel
  key("ArrowRight");
  await atStep(1);
  await until(() => q(".ctj-root[data-source='saved']"), 2000, "fallback");
  assert.match(q(".ctj-notice").textContent, /released this recording/);
  assert.match(q(".ctj-banner").textContent, /not saved in the notebook/);
  key("ArrowRight");
  await atStep(2);
  assert.equal(q(".ctj-notice").textContent, "", "said once");
  cleanup();
});

test("a kernel that does not keep the recording (restarted) means the saved copy from the start", async () => {
  const kernel = fakeKernel("gone");
  const cleanup = W.mount(() => new W.FallbackSource(new W.SavedSource(SAVED.full), W.openCommSource(kernel, "x", SAVED.full.summary)), el);
  await until(() => q(".ctj-root[data-ready='1']"), 2000, "view");
  assert.equal(q(".ctj-root").getAttribute("data-source"), "saved");
  assert.ok(kernel.comms[0].isDisposed);
  cleanup();
});
