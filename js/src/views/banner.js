// @ts-check
/** The banner over the panes: exceptions, returns, the end of the run, unsaved steps. */
import { h } from "../dom.js";
import { exceptionLines, gapText } from "../state.js";

/** @typedef {import("../viewer.js").Viewer} Viewer */
/** @typedef {import("../types.js").View} View */

export class Banner {
  /** @param {Viewer} viewer */
  constructor(viewer) {
    this.viewer = viewer;
    this.el = h("div", { class: "ctj-banner", role: "status" });
  }

  /** @param {View} v */
  render(v) {
    const b = this.el;
    b.textContent = "";
    b.className = "ctj-banner";
    const s = this.viewer.summary || {};
    if (v.gap) b.appendChild(h("div", { class: "ctj-gap" }, `${gapText(v.gap)[0].toUpperCase()}${gapText(v.gap).slice(1)}. `, "Only the kernel that made this recording has them."));
    for (const line of exceptionLines(v.exceptions || [], v.end)) {
      b.appendChild(h("div", { class: `ctj-exc ctj-exc-${line.kind}` }, `${line.lead} `, h("strong", {}, line.type), line.message ? `: ${line.message}` : "", line.tail || ""));
    }
    for (const r of v.returned || []) {
      const label = r.kind === "exception" ? `${r.function}() exited with an exception` : `${r.function}() ${r.kind === "yield" ? "yielded" : "returned"} `;
      b.appendChild(h("div", { class: "ctj-ret" }, "↩ ", label, r.value ? h("code", { class: "ctj-val" }, r.value.x) : null));
    }
    if (v.end) {
      const o = s.outcome;
      // a stopped recording first says so: values after the last recorded step are not known
      if (s.truncated) b.appendChild(h("div", { class: "ctj-trunc" }, s.stop_note || `Recording stopped after ${s.steps} steps (${s.stop_reason || "a limit"}); later values are not known.`));
      const as = s.truncated ? " (as recorded after the recording stopped)" : "";
      if (o && o.status === "raised") {
        b.appendChild(h("div", { class: "ctj-exc ctj-exc-final" }, "The run failed with ", h("strong", {}, o.exc_type || "an exception"), o.exc_message ? `: ${o.exc_message}` : "", as));
      } else {
        b.appendChild(h("div", { class: "ctj-done" }, "The run finished", o && o.value !== undefined ? " with value " : "", o && o.value !== undefined ? h("code", { class: "ctj-val" }, o.value) : null, `${as}.`));
      }
    }
    b.hidden = b.childNodes.length === 0;
  }
}
