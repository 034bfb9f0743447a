// @ts-check
/**
 * The viewer's wire format, written down once (checked by `tsc --noEmit`, see js/tsconfig.json).
 * The kernel side builds these in ct_jupyter/widget/payload.py, table.py and saved.py.
 * Every `x`, `text`, `label`, `message` string comes from the traced program: put it into the
 * DOM as text only (dom.js `h()`).
 */

/** @typedef {{id: number, path: string, label: string, has_source: boolean}} PathInfo */
/** @typedef {{status: string, exc_type?: string|null, exc_message?: string|null, value?: string}} Outcome */
/**
 * @typedef {Object} Summary  static facts about one recording (synced trait `summary`)
 * @property {number} schema
 * @property {string} title
 * @property {string} [notebook]   the notebook's path (kernel env JPY_SESSION_NAME), to remember view choices
 * @property {number} steps          number of recorded steps (the end position equals it)
 * @property {PathInfo[]} paths
 * @property {Outcome|null} outcome
 * @property {number|null} raised_step
 * @property {number} start          the position the viewer opens at
 * @property {boolean} truncated
 * @property {string|null} stop_reason
 * @property {string|null} [stop_note]  the sentence every view shows when recording stopped early
 * @property {number} dropped_steps
 * @property {any} failure
 * @property {number} frames
 * @property {number} io_chunks
 * @property {Record<string, number>} io_dropped
 * @property {number} exceptions
 */
/**
 * @typedef {Object} ValueNode  one shown value (payload.value_json)
 * @property {string} k          kind ("int", "list", "ref", ...)
 * @property {string} [t]        type name
 * @property {string} x          display text
 * @property {number} [o]        object id
 * @property {number} [s]        1: shared by several names
 * @property {number} [d]        1: changed at this step
 * @property {number} [n]        length of a container
 * @property {number} [more]     children not sent
 * @property {ValueNode[]} [items]
 * @property {[ValueNode, ValueNode][]} [entries]
 * @property {[string, ValueNode][]} [attrs]
 */
/** @typedef {{name: string, value: ValueNode, changed?: boolean, aliases?: string[]}} VarRow */
/** @typedef {{frame: number, function: string, path: number, line: number, depth: number, call?: string, locals?: [string, string][]}} StackFrame  call: "fact(n=2)"; locals: [name, short value] of that frame */
/** @typedef {{gap: number}} StackGap */
/** @typedef {{i: number, step: number, stream: string, text: string, new: boolean, flags: number}} IoChunk */
/** @typedef {{chunks: IoChunk[], skipped: number, total: number}} IoWindow */
/** @typedef {{step: number, when: "now"|"just", kind: string, type: string, message: string, frame: number, function: string}} ExcEvent */
/** @typedef {{frame: number, function: string, kind: string, value?: ValueNode}} Returned */
/** @typedef {{over: number|null, out: number|null, back_over: number|null, back_out: number|null}} NavTargets */
/** @typedef {{path: number, line: number}} Place */
/**
 * @typedef {Object} View  everything shown at one position (payload.view_payload)
 * @property {number} schema
 * @property {number} step
 * @property {boolean} end
 * @property {number} steps
 * @property {number} frame
 * @property {boolean} [auto_frame]
 * @property {string} [frame_function]
 * @property {(StackFrame|StackGap)[]} stack
 * @property {VarRow[]} vars
 * @property {IoWindow} io
 * @property {NavTargets} nav
 * @property {ExcEvent[]} exceptions
 * @property {Returned[]} returned
 * @property {Place|null} where
 * @property {Place|null} prev
 * @property {{path: number, line: number, function: string, frame: number}} [current]
 * @property {{from: number, to: number}} [gap]  set by the saved source: this step is not saved
 */
/**
 * @typedef {Object} Source  one file's text and per-line run facts
 * @property {number} path
 * @property {string} name
 * @property {string} label
 * @property {string[]} lines
 * @property {boolean} known
 * @property {Record<string, number>} first   line -> first step it ran
 * @property {Record<string, number>} counts  line -> times it ran
 */
/** @typedef {{step: number, by?: number|null, text: string, kind: string, type: string}} HistoryEntry  by: the step whose line made the change (null: bound on entry) */
/** @typedef {{name: string, frame: number, function?: string, entries: HistoryEntry[], total: number, before: number, after: number, partial?: boolean}} History */
/** @typedef {{v: string, c?: number}|null} TableCell */
/** @typedef {{step: number, after: number, line: number, cells: TableCell[], note?: string}} TableRow */
/** @typedef {{frame: number, function: string, path: number, names: string[], more_names: number, rows: TableRow[], first: number, end: number}} Table */
/** @typedef {{oid: number, step: number, value: ValueNode}} Expanded */
/** @typedef {{action: string, target: number|null, from: number}} NavReply */

/**
 * @typedef {Object} SavedRecording  the notebook-embedded recording (MIME type SAVED_MIME)
 * @property {number} version        SAVED_VERSION
 * @property {number} schema         SCHEMA of the payloads inside
 * @property {string} trace_id       the kernel-side id (live paging while that kernel lives)
 * @property {Summary} summary
 * @property {Record<string, Source>} sources     path id -> source
 * @property {Record<string, View>} views         step -> view at the step's own frame
 * @property {[number, number][]} gaps            inclusive step ranges not saved
 * @property {number} budget          the byte budget it was cut to
 * @property {any} [diagrams]         frames-and-objects diagrams of saved steps (widget/saved_diagrams.py pack)
 */

/** @typedef {{step: number, frame: number}} Position */
/**
 * @typedef {Object} DataSourceEvents
 * @property {(view: View) => void} onView          a view the viewer did not ask for (kernel moved)
 * @property {(pos: Position) => void} onPosition   the position changed outside this view
 * @property {(summary: Summary) => void} onSummary
 * @property {(text: string) => void} onNotice       a sentence to show once (kernel gone, ...)
 * @property {(kind: string) => void} onSourceChange  the data now comes from `kernel` or `saved`
 */
/**
 * @typedef {Object} DataSource  where a viewer gets its data: `kernel` (live) or `saved` (notebook)
 * @property {string} kind           "kernel" or "saved" (may change: see FallbackSource)
 * @property {boolean} movesOnNav     true: after a `nav` reply the source itself moves the position
 * @property {() => Summary} summary
 * @property {() => Position} position
 * @property {(pos: Position) => void} save             remember the position (kernel: sync it)
 * @property {(type: string, body: Record<string, any>) => Promise<any>} request
 * @property {(events: Partial<DataSourceEvents>) => void} subscribe
 * @property {() => void} close
 */

export {};
