// A stand-in for anywidget's model plus a fake kernel that answers the viewer's requests from
// the shared fixture (tests/fixtures/viewer_payloads.json, written by the Python side).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURE = JSON.parse(readFileSync(fileURLToPath(new URL("../../tests/fixtures/viewer_payloads.json", import.meta.url)), "utf8"));

const enc = (obj) => { const b = new TextEncoder().encode(JSON.stringify(obj)); return new DataView(b.buffer); };

export class FakeModel {
  constructor(fixture = FIXTURE, state = {}) {
    this.fixture = fixture;
    this.state = { summary: fixture.summary, step: fixture.summary.start, frame: -1, ...state };
    this.listeners = new Map();
    this.sent = [];
    this.saves = 0;
    this.saved = [];
    this.queue = [];
  }
  get(k) { return this.state[k]; }
  set(k, v) { const old = this.state[k]; this.state[k] = v; if (old !== v) this.emit(`change:${k}`); }
  save_changes() { this.saves++; this.saved.push({ step: this.state.step, frame: this.state.frame }); }
  /** Play the kernel's echo of our saved update number `i` (ipywidgets echo_update). */
  echo(i) { const e = this.saved[i]; this.state.step = e.step; this.state.frame = e.frame; this.emit("change:step"); this.emit("change:frame"); }
  on(ev, fn) { if (!this.listeners.has(ev)) this.listeners.set(ev, new Set()); this.listeners.get(ev).add(fn); }
  off(ev, fn) { if (!fn) this.listeners.delete(ev); else this.listeners.get(ev)?.delete(fn); }
  emit(ev, ...args) { for (const fn of [...(this.listeners.get(ev) || [])]) fn(...args); }
  send(content) { this.sent.push(content); this.queue.push(() => this.answer(content)); setTimeout(() => this.flush(), 0); }
  flush() { const q = this.queue; this.queue = []; for (const f of q) f(); }
  /** Play the kernel: a trait change made kernel-side, then the pushed view. */
  kernelSet(step, frame = -1) {
    this.state.step = step; this.state.frame = frame;
    this.emit("change:step"); this.emit("change:frame");
    this.kernelSend({ type: "view", req: null }, this.view(step, frame));
  }
  kernelSend(msg, body) { this.emit("msg:custom", msg, [enc(body)]); }
  view(step, frame) { return this.fixture.views[`${step}:${frame}`]; }
  answer(c) {
    const f = this.fixture;
    const reply = (type, body) => this.kernelSend({ type, req: c.req }, body);
    switch (c.type) {
      case "view": return reply("view", this.view(c.step, c.frame));
      case "source": return reply("source", f.sources[String(c.path)]);
      case "history": return reply("history", f.history[`${c.name}:${c.frame}:${c.step}`]);
      case "expand": return reply("expand", f.expand[`${c.oid}:${c.step}`]);
      case "table": return reply("table", f.table[`${c.frame}:${c.step}`]);
      case "nav": {
        const target = c.action === "line" ? f.lines[`${c.path}:${c.line}:${c.step}:${c.backward ? 1 : 0}`] : f.views[`${c.step}:-1`].nav[c.action];
        reply("nav", { action: c.action, target, from: c.step });
        if (target !== null && target !== undefined) this.kernelSet(target, -1);
        return undefined;
      }
      default: return reply("error", { error: "ValueError", message: `unknown request type ${c.type}` });
    }
  }
}

/** Wait until `cond()` is truthy (polling the event loop), or fail after `ms`. */
export async function until(cond, ms = 2000, what = "condition") {
  const start = Date.now();
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
