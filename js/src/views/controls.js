// @ts-check
/** The toolbar: title/status, step buttons, slider, counter, "here" line. */
import { h, icon } from "../dom.js";
import { BUTTONS, SEARCHED, counterText, targetOf } from "../state.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */

export class Controls {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    /** @type {Record<string, HTMLButtonElement>} */
    this.buttons = {};
    const controls = h("div", { class: "ctj-controls", role: "toolbar", "aria-label": "Step controls" });
    for (const [action, label] of BUTTONS) {
      const b = /** @type {HTMLButtonElement} */ (h("button", { type: "button", class: `ctj-btn ctj-btn-${action}`, "aria-label": label, title: label, "data-action": action }, icon(action)));
      b.addEventListener("click", () => viewer.act(action));
      this.buttons[action] = b;
      controls.appendChild(b);
    }
    this.slider = /** @type {HTMLInputElement} */ (h("input", { type: "range", class: "ctj-slider", min: "0", max: "0", step: "1", value: "0", "aria-label": "Step" }));
    this.slider.addEventListener("input", () => viewer.goto(Number(this.slider.value)));
    this.counter = h("span", { class: "ctj-counter", "aria-live": "polite" });
    this.here = h("span", { class: "ctj-here" });
    this.title = h("span", { class: "ctj-title" });
    this.status = h("span", { class: "ctj-status" });
    this.source = h("span", { class: "ctj-source-kind" });
    this.el = h("div", { class: "ctj-bar" },
      h("div", { class: "ctj-head" }, this.title, this.status, this.source),
      controls,
      h("div", { class: "ctj-track" }, this.slider, this.counter, this.here));
  }

  /** Title, outcome and slider range from the summary. */
  renderHeader() {
    const s = this.viewer.summary || {};
    this.title.textContent = s.title ? `codetrace · ${s.title}` : "codetrace";
    const parts = [];
    const o = s.outcome;
    this.status.className = "ctj-status";
    if (o && o.status === "raised") {
      parts.push(`raised ${o.exc_type || "an exception"}`);
      this.status.classList.add("ctj-status-raised");
    } else if (o && o.status === "returned") parts.push("finished");
    if (s.truncated) parts.push(`recording stopped (${s.stop_reason || "limit"})${s.dropped_steps ? `, ${s.dropped_steps} more steps ran unrecorded` : ""}`);
    this.status.textContent = parts.join(" · ");
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
}
