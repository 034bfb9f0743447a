// @ts-check
/**
 * The notebook renderer's data source: the kernel that made the recording while it lives (full
 * recording, paged), then the saved copy. It switches once, for good, when the kernel says the
 * recording is gone, does not answer, or there is no kernel, and says so once.
 */
/** @typedef {import("../types.js").DataSource} DataSource */
/** @typedef {import("../types.js").DataSourceEvents} DataSourceEvents */
/** @typedef {import("../types.js").Position} Position */

/** @implements {DataSource} */
export class FallbackSource {
  /**
   * @param {DataSource} saved the SavedSource
   * @param {Promise<DataSource|null>} live resolves to a kernel source, or null when there is none
   */
  constructor(saved, live) {
    this.saved = saved;
    /** @type {DataSource|null} */
    this.live = null;
    this.kind = "saved";
    this.movesOnNav = false;
    this.said = false;
    /** @type {Partial<DataSourceEvents>} */
    this.events = {};
    this.ready = live.then((src) => {
      if (src) {
        this.live = src;
        this.kind = "kernel";
        src.subscribe({
          onView: (v) => { if (this.live === src) this.events.onView?.(v); },
          onPosition: (p) => { if (this.live === src) { this.saved.save(p); this.events.onPosition?.(p); } },
        });
        this.events.onSourceChange?.("kernel");
      }
      return src;
    }).catch(() => null);
  }

  summary() { return this.saved.summary(); }
  position() { return this.saved.position(); }
  /** @param {Position} pos */
  save(pos) { this.saved.save(pos); }
  /** @param {Partial<DataSourceEvents> & {onSourceChange?: (kind: string) => void}} events */
  subscribe(events) { this.events = events; }

  /** Stop using the kernel; say why once. @param {string} why */
  drop(why) {
    if (this.live) { this.live.close(); this.live = null; }
    this.kind = "saved";
    this.events.onSourceChange?.("saved");
    if (!this.said && this.events.onNotice) this.events.onNotice(why);
    this.said = true;
  }

  /** @param {string} type @param {Record<string, any>} body @returns {Promise<any>} */
  async request(type, body) {
    await this.ready;
    const live = this.live;
    if (!live) return this.saved.request(type, body);
    try {
      return await live.request(type, body);
    } catch (err) {
      const code = err && /** @type {any} */ (err).code;
      if (code === "released" || code === "no_answer" || code === "gone") {
        this.drop(code === "released"
          ? "The kernel released this recording (its cell ran again, or the memory budget was reached): showing the part saved in the notebook."
          : "The kernel that made this recording is gone: showing the part saved in the notebook.");
        return this.saved.request(type, body);
      }
      throw err;
    }
  }

  close() { if (this.live) this.live.close(); }
}
