import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Window } from "happy-dom";
import { FakeModel, FIXTURE, until } from "./fake-model.js";

const window = new Window({ url: "http://localhost/" });
globalThis.window = window;
globalThis.document = window.document;
globalThis.Node = window.Node;
globalThis.KeyboardEvent = window.KeyboardEvent;
globalThis.MouseEvent = window.MouseEvent;
const W = await import("../src/index.js");

let el;
beforeEach(() => { document.body.textContent = ""; el = document.createElement("div"); document.body.appendChild(el); });

async function mount(state = {}) {
  const model = new FakeModel(FIXTURE, state);
  const cleanup = W.widget.render({ model, el });
  await until(() => el.querySelector(".ctj-root[data-ready='1']"), 2000, "first view");
  await until(() => el.querySelector(".ctj-line"), 2000, "source");
  return { model, cleanup, root: el.querySelector(".ctj-root") };
}
const q = (s) => el.querySelector(s);
const qa = (s) => [...el.querySelectorAll(s)];
const stepOf = () => Number(q(".ctj-root").getAttribute("data-step"));
async function atStep(n) { await until(() => stepOf() === n, 2000, `step ${n}`); }
const varText = (name) => {
  const row = qa(".ctj-vars > .ctj-var").find((r) => r.querySelector(".ctj-name")?.textContent === name);
  return row ? row.querySelector(":scope > .ctj-var-line > .ctj-val").textContent : undefined;
};
const key = (root, k, shift = false) => root.dispatchEvent(new window.KeyboardEvent("keydown", { key: k, shiftKey: shift, bubbles: true }));

test("schema of the shared fixture matches the viewer", () => {
  assert.equal(FIXTURE.schema, W.SCHEMA);
  assert.equal(FIXTURE.summary.schema, W.SCHEMA);
});

test("pure helpers: keys, targets, counter", () => {
  assert.equal(W.keyAction({ key: "ArrowRight" }), "next");
  assert.equal(W.keyAction({ key: "ArrowRight", shiftKey: true }), "over");
  assert.equal(W.keyAction({ key: "ArrowLeft", shiftKey: true }), "back_over");
  assert.equal(W.keyAction({ key: "ArrowUp" }), "out");
  assert.equal(W.keyAction({ key: "Home" }), "first");
  assert.equal(W.keyAction({ key: "End" }), "last");
  assert.equal(W.keyAction({ key: "ArrowRight", ctrlKey: true }), null);
  assert.equal(W.keyAction({ key: "a" }), null);
  assert.equal(W.targetOf("next", 3, 3, null), null);
  assert.equal(W.targetOf("prev", 0, 3, null), null);
  assert.equal(W.targetOf("over", 5, 17, { over: 15 }), 15);
  assert.equal(W.targetOf("out", 5, 17, { out: null }), null);
  assert.equal(W.counterText(0, 17), "Step 1 of 17");
  assert.equal(W.counterText(17, 17), "End · 17 steps");
  assert.equal(W.clamp(99, 17), 17);
  assert.equal(W.clamp(-4, 17), 0);
});

test("exception sentences: raise now, unwinds merged, nothing repeated at the end", () => {
  const ev = (kind, when, fn) => ({ kind, when, function: fn, type: "ZeroDivisionError", message: "division by zero" });
  const lines = W.exceptionLines([ev("raise", "now", "mean"), ev("unwind", "now", "mean"), ev("unwind", "now", "<module>")]);
  assert.deepEqual(lines.map((l) => `${l.lead} ${l.type}${l.message ? `: ${l.message}` : ""}${l.tail || ""}`), [
    "This line raises ZeroDivisionError: division by zero",
    " ZeroDivisionError propagates out of mean(), <module>",
  ]);
  assert.deepEqual(W.exceptionLines([ev("raise", "just", "f")], true), []);
  assert.equal(W.exceptionLines([ev("caught", "just", "f")])[0].lead, "Caught in f():");
});

test("an empty recording says so instead of failing", async () => {
  const summary = { ...FIXTURE.summary, steps: 0, paths: [], start: 0, raised_step: null, outcome: null, io_chunks: 0 };
  const empty = { step: 0, end: true, steps: 0, frame: -1, stack: [], vars: [], io: { chunks: [], skipped: 0, total: 0 },
    nav: { over: null, out: null, back_over: null, back_out: null }, exceptions: [], returned: [], where: null, prev: null, schema: 1 };
  const model = new FakeModel({ ...FIXTURE, summary, views: { "0:-1": empty } });
  const cleanup = W.widget.render({ model, el });
  await until(() => el.querySelector(".ctj-root[data-ready='1']"), 2000, "view");
  assert.match(q(".ctj-code").textContent, /Nothing was recorded/);
  assert.equal(q(".ctj-counter").textContent, "No steps recorded");
  for (const b of qa(".ctj-btn")) assert.ok(b.disabled, b.getAttribute("data-action"));
  cleanup();
});

test("a failed run opens at the raising step with the exception shown", async () => {
  const { cleanup } = await mount();
  assert.equal(stepOf(), 16);
  assert.equal(q(".ctj-counter").textContent, "Step 17 of 17");
  assert.match(q(".ctj-banner").textContent, /This line raises ZeroDivisionError: division by zero/);
  const cur = q(".ctj-line.ctj-cur");
  assert.equal(cur.getAttribute("data-line"), "8");
  assert.ok(cur.classList.contains("ctj-raise"));
  assert.equal(q(".ctj-tab-on").textContent, "In [2]");
  cleanup();
});

test("buttons step forward/back and the end shows the failure", async () => {
  const { model, cleanup } = await mount();
  q(".ctj-btn-next").click();
  await atStep(17);
  assert.equal(model.get("step"), 17);
  assert.ok(model.saves > 0);
  assert.match(q(".ctj-banner").textContent, /The run failed with ZeroDivisionError/);
  assert.ok(q(".ctj-btn-next").disabled && q(".ctj-btn-last").disabled);
  q(".ctj-btn-first").click();
  await atStep(0);
  assert.ok(q(".ctj-btn-prev").disabled);
  assert.equal(q(".ctj-line.ctj-cur").getAttribute("data-line"), "1");
  assert.equal(qa(".ctj-line.ctj-ran").length, 0);
  q(".ctj-btn-next").click();
  await atStep(1);
  assert.equal(varText("data"), "[3, 1]");
  assert.ok(q(".ctj-var.ctj-changed .ctj-name").textContent === "data");
  assert.equal(q(".ctj-line.ctj-prev").getAttribute("data-line"), "1");
  cleanup();
});

test("keyboard: arrows, shift+arrows (step over), up (step out), Home/End", async () => {
  const { root, cleanup } = await mount({ step: 5 });
  key(root, "ArrowRight", true);                    // step over the call to total()
  await atStep(15);
  assert.match(q(".ctj-banner").textContent, /total\(\) returned 6/);
  key(root, "ArrowLeft", true);                     // back over: back to the calling line
  await atStep(5);
  key(root, "ArrowRight");
  await atStep(6);
  assert.equal(q(".ctj-tab-on").textContent, "In [1]");
  assert.equal(q(".ctj-here").textContent, "line 2 of In [1] · total()");
  assert.deepEqual(qa(".ctj-frame .ctj-fn").map((e) => e.textContent), ["<module>", "total()"]);
  key(root, "ArrowRight");
  key(root, "ArrowRight");
  await atStep(8);
  key(root, "ArrowUp");                             // step out of total()
  await atStep(15);
  key(root, "Home");
  await atStep(0);
  key(root, "End");
  await atStep(17);
  key(root, "ArrowLeft");
  await atStep(16);
  cleanup();
});

test("variables: values, changed highlight, shared objects, nested expand", async () => {
  const { cleanup } = await mount({ step: 5 });
  assert.equal(varText("data"), "[3, 1, 2]");
  assert.equal(varText("alias"), "[3, 1, 2]");
  const changed = qa(".ctj-vars > .ctj-var.ctj-changed .ctj-name").map((e) => e.textContent).sort();
  assert.deepEqual(changed, ["alias", "data"]);     // mutated through an alias
  const badges = qa(".ctj-vars > .ctj-var > .ctj-var-line > .ctj-oid").map((e) => e.textContent);
  assert.deepEqual(badges, ["#0", "#0"]);
  assert.match(q(".ctj-alias").textContent, /same object as alias/);
  q(".ctj-vars > .ctj-var .ctj-toggle").click();
  await until(() => qa(".ctj-kids .ctj-var").length === 3, 2000, "items");
  const items = qa(".ctj-kids .ctj-var");
  assert.deepEqual(items.map((r) => r.querySelector(".ctj-val").textContent), ["3", "1", "2"]);
  assert.ok(items[2].classList.contains("ctj-changed"));   // the appended item
  assert.ok(!items[0].classList.contains("ctj-changed"));
  cleanup();
});

test("deep values: levels the view did not send are fetched when opened, and stay open", async () => {
  const { model, root, cleanup } = await mount({ step: 4 });
  const deep = () => qa(".ctj-vars > .ctj-var").find((r) => r.querySelector(".ctj-name")?.textContent === "deep");
  const openLast = async (n) => {
    const toggles = [...deep().querySelectorAll(".ctj-toggle[aria-expanded='false']")];
    toggles[toggles.length - 1].click();
    await until(() => deep().querySelectorAll(".ctj-toggle[aria-expanded='true']").length === n, 2000, `open ${n}`);
  };
  await openLast(1);
  await openLast(2);
  await openLast(3);
  assert.equal(model.sent.filter((m) => m.type === "expand").length, 0);
  await openLast(4);                               // the fourth level was not in the view: asked for
  await until(() => [...deep().querySelectorAll(".ctj-val")].some((e) => e.textContent === "'x'"), 2000, "leaf");
  assert.equal(model.sent.filter((m) => m.type === "expand").length, 1);
  key(root, "ArrowRight");
  await atStep(5);
  await until(() => deep() && [...deep().querySelectorAll(".ctj-val")].some((e) => e.textContent === "'x'"), 2000, "still open");
  cleanup();
});

test("hostile strings from the traced program are text, never markup", async () => {
  const { cleanup } = await mount({ step: 16 });
  assert.equal(varText("evil"), "'<img src=x onerror=alert(1)>'");
  assert.equal(el.querySelectorAll("img").length, 0);
  assert.equal(el.querySelectorAll("script").length, 0);
  const out = q(".ctj-output").textContent;
  assert.ok(out.includes("<img src=x onerror=alert(1)>"));
  assert.ok(out.includes("</div><script>window.__ctj_pwned=1</script>"));
  assert.ok(q(".ctj-io-stderr").textContent.includes("<script>"));
  assert.ok(qa(".ctj-text").some((e) => e.textContent.includes("<img src=x onerror=alert(1)>")));
  assert.equal(window.__ctj_pwned, undefined);
  cleanup();
});

test("output pane: streams distinct, newest highlighted, click jumps to the writing step", async () => {
  const { cleanup } = await mount({ step: 16 });
  const chunks = qa(".ctj-io");
  assert.deepEqual(chunks.map((c) => c.classList.contains("ctj-io-stderr")), [false, false, true]);
  assert.deepEqual(chunks.map((c) => c.classList.contains("ctj-io-new")), [false, true, true]);
  chunks[0].click();                                 // written by step 3 -> shown right after it
  await atStep(4);
  assert.equal(qa(".ctj-io").length, 1);
  assert.ok(q(".ctj-io").classList.contains("ctj-io-new"));
  assert.equal(q(".ctj-line.ctj-prev").getAttribute("data-line"), "4");
  cleanup();
});

test("source line click jumps to its next run, shift+click to the previous", async () => {
  const { cleanup } = await mount({ step: 6 });
  const line = () => qa(".ctj-line").find((r) => r.getAttribute("data-line") === "4");
  line().click();
  await atStep(8);
  await until(() => q(".ctj-tab-on")?.textContent === "In [1]");
  line().click();
  await atStep(10);
  line().dispatchEvent(new window.MouseEvent("click", { shiftKey: true, bubbles: true }));
  await atStep(8);
  line().dispatchEvent(new window.MouseEvent("click", { shiftKey: true, bubbles: true }));
  await until(() => q(".ctj-notice").textContent.includes("does not run before"), 2000, "notice");
  assert.equal(stepOf(), 8);
  cleanup();
});

test("stack: selecting the caller frame shows its line and variables", async () => {
  const { model, cleanup } = await mount({ step: 10 });
  assert.equal(q(".ctj-frame-on .ctj-fn").textContent, "total()");
  assert.equal(varText("s"), "3");
  q(".ctj-frame[data-frame='0']").click();
  await until(() => q(".ctj-frame-on .ctj-fn")?.textContent === "<module>", 2000, "frame select");
  assert.equal(model.get("frame"), 0);
  assert.equal(varText("data"), "[3, 1, 2]");
  assert.equal(varText("s"), undefined);
  await until(() => q(".ctj-line.ctj-cur")?.getAttribute("data-line") === "6", 2000, "caller line");
  assert.ok(q(".ctj-line.ctj-cur").classList.contains("ctj-caller"));
  assert.equal(q(".ctj-tab-on").textContent, "In [2]");
  cleanup();
});

test("value history: lists the changes and jumps to one", async () => {
  const { cleanup } = await mount({ step: 12 });
  const name = qa(".ctj-name").find((b) => b.textContent === "s");
  name.click();
  await until(() => qa(".ctj-hist-item").length === 4, 2000, "history");
  const items = qa(".ctj-hist-item");
  assert.deepEqual(items.map((b) => b.querySelector(".ctj-val").textContent), ["0", "3", "4", "6"]);
  assert.ok(items[2].classList.contains("ctj-hist-on"));
  items[1].click();
  await atStep(9);
  assert.equal(varText("s"), "3");
  cleanup();
});

test("echoes of our own updates do not undo key presses made since", async () => {
  const { model, root, cleanup } = await mount({ step: 0 });
  const before = model.saved.length;
  for (let i = 0; i < 4; i++) key(root, "ArrowRight");
  model.echo(before);                              // the kernel echoes step 1 after we moved on
  await atStep(4);
  assert.equal(model.get("step"), 4);
  assert.equal(model.saved.at(-1).step, 4);
  cleanup();
});

test("trace table: a row per line the function ran, changed values, click to go there", async () => {
  const { cleanup } = await mount({ step: 10 });
  q(".ctj-table-btn").click();
  await until(() => qa(".ctj-table tbody tr").length === 9, 2000, "table rows");
  assert.ok(q(".ctj-vars").hidden && !q(".ctj-table-box").hidden);
  assert.deepEqual(qa(".ctj-table th").map((th) => th.textContent), ["line", "xs", "s", "x", ""]);
  const rows = qa(".ctj-table tbody tr");
  const cells = (r) => [...r.querySelectorAll("td")].map((td) => td.textContent);
  assert.deepEqual(cells(rows[0]), ["2", "[3, 1, 2]", "0", "", ""]);
  assert.deepEqual(cells(rows[2]), ["4", "", "3", "", ""]);
  assert.deepEqual(cells(rows[8]), ["5", "", "", "", "returns 6"]);
  assert.ok(rows[2].querySelector(".ctj-cell-changed"));
  assert.ok(rows[3].classList.contains("ctj-row-on"));      // line 3 ran last (step 9 -> 10)
  rows[6].click();                                          // s += x made s 6
  await atStep(13);
  await until(() => q(".ctj-row-on")?.getAttribute("data-step") === "12", 2000, "current row");
  q(".ctj-table-btn").click();
  assert.ok(!q(".ctj-vars").hidden && q(".ctj-table-box").hidden);
  assert.equal(varText("s"), "6");
  cleanup();
});

test("kernel-side step changes re-render the viewer", async () => {
  const { model, cleanup } = await mount({ step: 0 });
  model.kernelSet(14);
  await atStep(14);
  assert.equal(q(".ctj-counter").textContent, "Step 15 of 17");
  await until(() => q(".ctj-line.ctj-cur")?.getAttribute("data-line") === "5", 2000, "source of In [1]");
  assert.equal(q(".ctj-tab-on").textContent, "In [1]");
  cleanup();
});

test("buttons have accessible labels and the root takes focus", async () => {
  const { root, cleanup } = await mount();
  for (const b of qa(".ctj-btn")) assert.ok(b.getAttribute("aria-label").length > 4);
  assert.equal(root.getAttribute("tabindex"), "0");
  assert.ok(!root.hasAttribute("data-lm-suppress-shortcuts"), "the notebook's own shortcuts must keep working");
  assert.equal(q(".ctj-slider").getAttribute("aria-label"), "Step");
  cleanup();
});

test("a schema mismatch is reported in the cell instead of an empty output", () => {
  const model = new FakeModel({ ...FIXTURE, summary: { ...FIXTURE.summary, schema: 999 } });
  const logged = [];
  const original = console.error;
  console.error = (...args) => logged.push(args);   // expected failure: keep the test log quiet
  let cleanup;
  try { cleanup = W.widget.render({ model, el }); } finally { console.error = original; }
  assert.match(el.textContent, /viewer failed to start: payload schema 999/);
  assert.equal(logged.length, 1);
  cleanup();
});

test("keys: the viewer takes only the keys it uses; the rest reach the notebook", async () => {
  const { root, cleanup } = await mount({ step: 2 });
  const seen = [];
  const spy = (e) => seen.push([e.key, e.defaultPrevented]);
  document.addEventListener("keydown", spy);
  const send = (target, init) => { const e = new window.KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }); target.dispatchEvent(e); return e; };
  for (const init of [{ key: "s", ctrlKey: true }, { key: "Enter", shiftKey: true }, { key: "Escape" }, { key: "a" }, { key: "End", shiftKey: true }]) {
    const e = send(root, init);
    assert.equal(e.defaultPrevented, false, `${JSON.stringify(init)} must not be taken`);
  }
  assert.equal(seen.length, 5, "unused keys bubble on to the notebook");
  const slider = q(".ctj-slider");
  slider.focus();
  const e = send(slider, { key: "ArrowRight" });   // slider focused: → still steps (9.9)
  assert.ok(e.defaultPrevented);
  await atStep(3);
  assert.equal(slider.value, "3");
  const outside = document.createElement("div");
  document.body.appendChild(outside);
  assert.equal(send(outside, { key: "ArrowRight" }).defaultPrevented, false, "keys outside the viewer are not ours");
  document.removeEventListener("keydown", spy);
  cleanup();
});

test("keyboard focus stays in the viewer when the clicked control is disabled or redrawn", async () => {
  const { root, cleanup } = await mount({ step: 3 });
  const first = q(".ctj-btn-first");
  first.focus();
  first.click();
  await atStep(0);
  assert.ok(first.disabled);
  assert.equal(document.activeElement, root);
  key(root, "ArrowRight");
  await atStep(1);
  const frame = q(".ctj-frame");
  frame.focus();
  frame.click();                                   // the stack pane is redrawn
  await until(() => !frame.isConnected, 2000, "stack redraw");
  assert.ok(root.contains(document.activeElement));
  cleanup();
});

test("two views of one model keep their replies apart", async () => {
  const model = new FakeModel(FIXTURE, { step: 10 });
  const el2 = document.createElement("div");
  document.body.appendChild(el2);
  const c1 = W.widget.render({ model, el });
  const c2 = W.widget.render({ model, el: el2 });
  await until(() => el.querySelector(".ctj-line") && el2.querySelector(".ctj-line"), 2000, "both views");
  const ids = model.sent.map((m) => m.req);
  assert.equal(new Set(ids).size, ids.length);
  el2.querySelector(".ctj-name")?.click();         // history in view 2 only
  await until(() => el2.querySelectorAll(".ctj-hist-item").length > 0, 2000, "history in view 2");
  assert.equal(el.querySelectorAll(".ctj-hist-item").length, 0);
  assert.equal(el.querySelector(".ctj-tab-on").textContent, el2.querySelector(".ctj-tab-on").textContent);
  c1(); c2();
});

test("cleanup removes the message listener", async () => {
  const { model, cleanup } = await mount();
  cleanup();
  assert.equal(model.listeners.get("msg:custom")?.size ?? 0, 0);
});

test("a kernel that stops answering (restart on the same page) is said plainly, not silently", async () => {
  const { model, root, cleanup } = await mount({ step: 2 });
  model.answer = () => {};                            // the kernel was restarted: nobody answers
  key(root, "ArrowRight");
  assert.equal(q(".ctj-counter").textContent, "Step 4 of 17");
  await until(() => root.classList.contains("ctj-stale"), 4000, "stale mark");
  assert.match(q(".ctj-notice").textContent, /Waiting for the kernel to show step 4… \(the panes still show step 3\)/);
  assert.equal(stepOf(), 2, "the panes keep (and say) the step they show");
  cleanup();
});
