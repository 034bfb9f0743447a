"""Trace -> small JSON-able payloads for the viewer: one window at a time, never the whole trace.

The kernel keeps the `Trace`; the browser asks for what it shows. Every function here is pure
(no ipywidgets) and bounded: a view of one step holds at most a few hundred values, output
chunks and stack entries however long the recording is, so a 1,000,000-step trace opens and
navigates as fast as a ten-step one.

Positions: ``0 .. len(trace) - 1`` are recorded steps (the state *before* that step's line
runs); position ``len(trace)`` is the end of the run (the final state). At position ``i`` the
line of step ``i - 1`` is the one that "just ran": output it printed and frames that returned
from it are highlighted there, the way Python Tutor shows "line that just executed".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from typing import Any

from ..model import Ref, Trace, Value
from ..model.columns import TraceColumns
from ..model.heap import changed_items
from ..render.text import stop_note

#: Version of the payload schema; the JS side checks it (js/widget.js SCHEMA).
SCHEMA = 1

#: Children sent per container before "more" (the rest on demand with `expand_payload`).
MAX_CHILDREN = 100
#: Value nodes per view (all variables together); deeper nodes are sent collapsed.
MAX_NODES = 2000
#: Nesting levels decoded for the variables of a view.
VIEW_DEPTH = 3
#: Output chunks and characters sent with one view (the latest ones up to the position).
MAX_IO_CHUNKS = 400
MAX_IO_CHARS = 64_000
#: Stack entries sent (outermost few + innermost many, with a gap marker between).
MAX_STACK = 60
#: Variables listed per stack entry (the selected frame's are all in the variables pane).
STACK_LOCALS = 8
#: Value-history entries sent around the current position.
HISTORY_WINDOW = 100
#: Other frames on the stack searched for aliases of the selected frame's variables.
ALIAS_FRAMES = 16

_Json = dict[str, Any]


def _cols(trace: Trace) -> TraceColumns:
    """Return the read-only columns of ``trace`` (for C-speed scans)."""
    return trace.columns


# -- summary -------------------------------------------------------------------------------------
def start_position(trace: Trace) -> int:
    """Return where the viewer opens: the raising step of a failed run, else step 0."""
    raised = trace.raised_step()
    if raised is not None:
        return raised
    return 0


def summary_payload(trace: Trace, title: str = "") -> _Json:
    """Return the small, static facts about ``trace`` that the viewer shows from the start."""
    b = _cols(trace)
    outcome = trace.outcome
    out: _Json = {
        "schema": SCHEMA,
        "title": title,
        "steps": len(trace),
        "paths": [{"id": pid, "path": p, "label": trace.path_label(p),
                   "has_source": p in b.sources} for pid, p in enumerate(b.paths)],
        "outcome": None,
        "raised_step": trace.raised_step(),
        "start": start_position(trace),
        "truncated": trace.truncated,
        "stop_reason": trace.stop_reason,
        "stop_note": stop_note(trace),
        "dropped_steps": trace.dropped_steps,
        "failure": trace.failure,
        "frames": trace.frame_count,
        "io_chunks": len(b.io_step),
        "io_dropped": dict(b.io_dropped),
        "exceptions": len(b.exc_step),
    }
    if outcome is not None:
        out["outcome"] = {"status": outcome.status, "exc_type": outcome.exc_type,
                          "exc_message": outcome.exc_message}
        if outcome.status == "returned" and outcome.value is not None:
            out["outcome"]["value"] = _value_text(trace, outcome.value, len(trace))
    return out


def _value_text(trace: Trace, enc: object, index: int) -> str:
    try:
        return trace.decode(enc, index, depth=2).text
    except Exception as exc:  # noqa: BLE001 - a malformed enc must not break the viewer
        return f"<{type(exc).__name__}>"


def source_payload(trace: Trace, path_id: int) -> _Json:
    """Return the source lines of path ``path_id`` with each line's first step and run count."""
    b = _cols(trace)
    if not 0 <= path_id < len(b.paths):
        raise IndexError(f"no path {path_id}")
    path = b.paths[path_id]
    text = b.sources.get(path)
    lines = text.splitlines() if text is not None else []
    first_at, count_at = trace.index.line_facts(path_id)
    first = {str(line): step for line, step in first_at.items()}
    counts = {str(line): count for line, count in count_at.items()}
    return {"path": path_id, "name": path, "label": trace.path_label(path),
            "lines": lines, "known": text is not None, "first": first, "counts": counts}


# -- navigation ----------------------------------------------------------------------------------
def nav_targets(trace: Trace, pos: int) -> _Json:
    """Return the positions that step over / out (and back) lead to from ``pos``; None = none."""
    b = _cols(trace)
    n = len(trace)
    if n == 0:
        return {"over": None, "out": None, "back_over": None, "back_out": None}
    if pos >= n:
        return {"over": None, "out": None, "back_over": n - 1, "back_out": None}
    frame = b.step_frame[pos]
    end = b.frame_end_step[frame]
    # forward: next step in this frame, else the first step after the frame ended
    nxt = trace.next_step_in_frame(pos)
    after_end = n if end < 0 or end + 1 >= n else end + 1
    over = nxt if nxt is not None else after_end
    out = after_end
    # backward: previous step in this frame, else the caller's line
    call = b.frame_call_step[frame]
    prev = trace.index.prev_in_frame(frame, pos)
    back_over = prev if prev is not None else (call if call >= 0 else None)
    back_out = call if call >= 0 else None
    return {"over": over, "out": out, "back_over": back_over, "back_out": back_out}


def line_target(trace: Trace, pos: int, path_id: int, line: int, backward: bool = False) -> int | None:
    """Return the next (or previous) step at ``line`` of path ``path_id`` after (before) ``pos``."""
    return trace.index.line_step(path_id, line, pos, backward)


# -- values --------------------------------------------------------------------------------------
class _Budget:
    __slots__ = ("nodes", "oids")

    def __init__(self, nodes: int) -> None:
        self.nodes = nodes
        self.oids: Counter[int] = Counter()


def value_json(value: Value, budget: _Budget | None = None, changed: dict[int, set[object]] | None = None,
               max_children: int = MAX_CHILDREN) -> _Json:
    """Return ``value`` as the viewer's compact JSON (children capped; the rest via expand)."""
    if budget is None:
        budget = _Budget(MAX_NODES)
    budget.nodes -= 1
    out: _Json = {"k": value.kind, "t": value.type_name, "x": value.text}
    if value.oid is not None:
        out["o"] = value.oid
        if value.kind != "ref":
            budget.oids[value.oid] += 1
    if value.length is not None:
        out["n"] = value.length
    if value.truncated:
        out["cut"] = True
    kids = len(value.items) + len(value.entries) + len(value.attrs)
    expandable = kids > 0 or (value.truncated and value.oid is not None
                              and value.kind not in ("str", "bytes", "ref"))
    if not expandable:
        return out
    if budget.nodes <= 0 or (kids == 0):
        out["more"] = True          # children exist but were not decoded/sent: expand on demand
        return out
    marks = changed.get(value.oid, set()) if (changed is not None and value.oid is not None) else ()
    sent = 0
    if value.items:
        items = []
        for i, item in enumerate(value.items[:max_children]):
            node = value_json(item, budget, changed, max_children)
            if i in marks:
                node["d"] = 1
            items.append(node)
            sent += 1
        out["items"] = items
    if value.entries:
        entries = []
        for i, (k, v) in enumerate(value.entries[:max_children]):
            node = value_json(v, budget, changed, max_children)
            if i in marks:
                node["d"] = 1
            entries.append([value_json(k, budget, None, max_children), node])
            sent += 1
        out["entries"] = entries
    if value.attrs:
        attrs = []
        for name, v in value.attrs[:max_children]:
            node = value_json(v, budget, changed, max_children)
            if name in marks:
                node["d"] = 1
            attrs.append([name, node])
            sent += 1
        out["attrs"] = attrs
    if sent < kids or (value.length is not None and value.kind not in ("str", "bytes", "range")
                       and sent < value.length):
        out["more"] = True
    return out


def _changed_children(trace: Trace, oid: int, pos: int) -> set[object]:
    """Return the child positions (index, entry index or attribute name) of ``oid`` changed at ``pos``."""
    heap = _cols(trace).heap
    steps = heap.vsteps[oid]
    if steps is None:
        return set()
    k = bisect_right(steps, pos) - 1
    if k < 0 or steps[k] != pos:
        return set()
    prev_idx = bisect_left(steps, pos) - 1          # the last version from an earlier step
    old = heap.full_version(oid, prev_idx) if prev_idx >= 0 else None
    return changed_items(heap.kinds[oid], old, heap.full_version(oid, k))


def _collect_changed(trace: Trace, value: Value, pos: int, acc: dict[int, set[object]],
                     seen: set[int]) -> None:
    if value.oid is None or value.oid in seen or value.kind == "ref":
        return
    seen.add(value.oid)
    marks = _changed_children(trace, value.oid, pos)
    if marks:
        acc[value.oid] = marks
    for child in value.items:
        _collect_changed(trace, child, pos, acc, seen)
    for _, child in value.entries:
        _collect_changed(trace, child, pos, acc, seen)
    for _, child in value.attrs:
        _collect_changed(trace, child, pos, acc, seen)


def expand_payload(trace: Trace, oid: int, pos: int, depth: int = 2) -> _Json:
    """Return heap object ``oid`` as it was at ``pos``, ``depth`` levels deep, for an expand click."""
    b = _cols(trace)
    if not 0 <= oid < len(b.heap):
        raise IndexError(f"no object {oid}")
    pos = max(0, min(pos, len(trace)))
    value = trace.object_at(oid, pos, depth=depth)
    changed: dict[int, set[object]] = {}
    _collect_changed(trace, value, pos, changed, set())
    return {"oid": oid, "step": pos, "value": value_json(value, _Budget(MAX_NODES), changed,
                                                         max_children=1000)}


# -- the view of one position ----------------------------------------------------------------------
def _frame_name(trace: Trace, frame: int) -> str:
    b = _cols(trace)
    return b.functions[b.frame_func[frame]].qualname


def stack_payload(trace: Trace, pos: int) -> list[_Json]:
    """Return the call stack at ``pos`` (outermost first), bounded with a gap marker."""
    b = _cols(trace)
    entries: list[_Json] = []
    frame = b.step_frame[pos]
    line = b.step_line[pos]
    total = b.frame_depth[frame] + 1
    keep_inner = MAX_STACK - 5
    k = 0
    while frame >= 0:
        func = b.functions[b.frame_func[frame]]
        if k < keep_inner or total - k <= 5:
            entries.append({"frame": frame, "function": func.qualname, "path": func.path_id,
                            "line": line, "depth": b.frame_depth[frame],
                            "call": trace.call_text(frame),
                            "locals": _frame_locals(trace, frame, pos)})
        elif k == keep_inner:
            entries.append({"gap": total - keep_inner - 5})
        call = b.frame_call_step[frame]
        frame = b.frame_parent[frame]
        if frame >= 0:
            line = b.step_line[call] if call >= 0 else b.functions[b.frame_func[frame]].line
        k += 1
    entries.reverse()
    return entries


def _frame_locals(trace: Trace, frame: int, pos: int) -> list[list[str]]:
    """Return ``[[name, short text], …]``: the first `STACK_LOCALS` variables of ``frame`` at
    ``pos``, one level deep, so the stack shows every frame's locals (as Python Tutor does)."""
    out: list[list[str]] = []
    more = 0
    for name in trace.frame_changes(frame):
        if len(out) >= STACK_LOCALS:
            more += 1  # counted, not decoded: a module frame can hold thousands of names
            continue
        value = trace.variable(name, pos, frame, depth=1)
        if value is not None:
            text = value.text
            out.append([name, text if len(text) <= 40 else text[:39] + "…"])
    if more:
        out.append(["…", f"up to {more} more"])
    return out


def _frame_line(trace: Trace, pos: int, frame: int) -> tuple[int, int] | None:
    """Return (path id, line) where ``frame`` is at ``pos`` (its current or calling line)."""
    b = _cols(trace)
    f = b.step_frame[pos]
    line = b.step_line[pos]
    while f >= 0:
        if f == frame:
            return b.functions[b.frame_func[f]].path_id, line
        call = b.frame_call_step[f]
        parent = b.frame_parent[f]
        if parent >= 0:
            line = b.step_line[call] if call >= 0 else b.functions[b.frame_func[parent]].line
        f = parent
    return None


def io_payload(trace: Trace, pos: int) -> _Json:
    """Return the output written before ``pos`` (latest chunks first cut), marking the newest."""
    b = _cols(trace)
    end = bisect_left(b.io_step, pos)            # chunks of steps < pos
    chunks: list[_Json] = []
    chars = 0
    i = end - 1
    while i >= 0 and len(chunks) < MAX_IO_CHUNKS and chars < MAX_IO_CHARS:
        text = b.io_text[i]
        if chars + len(text) > MAX_IO_CHARS:
            text = "…" + text[len(text) - (MAX_IO_CHARS - chars):]
        chars += len(text)
        step = b.io_step[i]
        chunks.append({"i": i, "step": step, "stream": b.io_stream[i], "text": text,
                       "new": step == pos - 1, "flags": b.io_flags[i]})
        i -= 1
    chunks.reverse()
    return {"chunks": chunks, "skipped": i + 1, "total": end}


def _exceptions_near(trace: Trace, pos: int) -> list[_Json]:
    b = _cols(trace)
    out: list[_Json] = []
    lo = bisect_left(b.exc_step, pos - 1)
    hi = bisect_right(b.exc_step, pos)
    for k in range(lo, min(hi, lo + 20)):
        st = b.exc_step[k]
        out.append({"step": st, "when": "now" if st == pos else "just", "kind": b.exc_kind[k],
                    "type": b.exc_type[k], "message": b.exc_msg[k], "frame": b.exc_frame[k],
                    "function": _frame_name(trace, b.exc_frame[k])})
    return out


def _returns_at(trace: Trace, pos: int) -> list[_Json]:
    """Return the frames that ended right after step ``pos - 1`` (their results)."""
    b = _cols(trace)
    if pos <= 0:
        return []
    prev = pos - 1
    stop = b.step_frame[pos] if pos < len(trace) else -1
    out: list[_Json] = []
    f = b.step_frame[prev]
    while f >= 0 and f != stop and b.frame_end_step[f] == prev and len(out) < 20:
        kind = b.frame_end_kind[f]
        if b.functions[b.frame_func[f]].is_module:       # a module body "returning" None is noise
            f = b.frame_parent[f]
            continue
        item: _Json = {"frame": f, "function": _frame_name(trace, f), "kind": kind}
        if kind in ("return", "yield"):
            item["value"] = value_json(trace.decode(b.frame_result[f], pos, depth=2),
                                       _Budget(200))
        out.append(item)
        f = b.frame_parent[f]
    return out


def view_payload(trace: Trace, pos: int, frame: int = -1) -> _Json:
    """Return everything the viewer shows at position ``pos`` for ``frame`` (-1: the step's own)."""
    b = _cols(trace)
    n = len(trace)
    pos = max(0, min(int(pos), n))
    end = pos >= n
    out: _Json = {"schema": SCHEMA, "step": pos, "end": end, "steps": n}
    if n == 0:
        out.update({"frame": -1, "stack": [], "vars": [], "io": io_payload(trace, 0),
                    "nav": nav_targets(trace, 0), "exceptions": [], "returned": [],
                    "where": None, "prev": None})
        return out
    step_frame = b.step_frame[pos] if not end else 0
    stack = stack_payload(trace, pos) if not end else []
    on_stack = {e["frame"] for e in stack if "frame" in e}
    if frame < 0 or frame >= trace.frame_count or (not end and frame not in on_stack
                                                  and _frame_line(trace, pos, frame) is None):
        frame = step_frame
    if end and frame != 0 and frame >= 0:
        frame = 0 if frame != 0 else frame
    out["frame"] = frame
    out["auto_frame"] = frame == step_frame
    out["stack"] = stack
    if not end:
        func = b.functions[b.frame_func[step_frame]]
        out["current"] = {"path": func.path_id, "line": b.step_line[pos], "function": func.qualname,
                          "frame": step_frame}
    else:
        out["current"] = None
    where = _frame_line(trace, pos, frame) if not end else None
    out["where"] = {"path": where[0], "line": where[1]} if where else None
    if pos > 0:
        pf = b.step_frame[pos - 1]
        out["prev"] = {"path": b.functions[b.frame_func[pf]].path_id, "line": b.step_line[pos - 1]}
    else:
        out["prev"] = None
    out["vars"] = _vars_payload(trace, pos, frame, stack)
    out["frame_function"] = _frame_name(trace, frame)
    out["returned"] = _returns_at(trace, pos)
    out["exceptions"] = _exceptions_near(trace, pos)
    out["io"] = io_payload(trace, pos)
    out["nav"] = nav_targets(trace, pos)
    return out


def _vars_payload(trace: Trace, pos: int, frame: int, stack: list[_Json]) -> list[_Json]:
    values = trace.variables(pos, frame, VIEW_DEPTH)
    changed = trace.changed_at(pos, frame)
    marks: dict[int, set[object]] = {}
    seen: set[int] = set()
    for name in changed:
        if name in values:
            _collect_changed(trace, values[name], pos, marks, seen)
    budget = _Budget(MAX_NODES)
    rows: list[_Json] = []
    by_oid: dict[int, list[str]] = {}
    for name, value in values.items():
        row: _Json = {"name": name, "value": value_json(value, budget, marks)}
        if name in changed:
            row["changed"] = True
        rows.append(row)
        if value.oid is not None:
            by_oid.setdefault(value.oid, []).append(name)
    # aliases: same object bound to two names here, or to a name in another frame on the stack
    others: dict[int, list[str]] = {}
    frames = [e["frame"] for e in stack if "frame" in e and e["frame"] != frame][-ALIAS_FRAMES:]
    b = _cols(trace)
    for other in frames:
        fname = _frame_name(trace, other)
        for name, (steps, changes) in trace.frame_changes(other).items():
            k = bisect_right(steps, pos) - 1
            if k >= 0:
                enc = b.ch_val[changes[k]]
                if enc.__class__ is Ref:
                    others.setdefault(enc.oid, []).append(f"{name} ({fname})")  # type: ignore[attr-defined]
    shared = {oid for oid, cnt in budget.oids.items() if cnt > 1}
    for row in rows:
        oid = row["value"].get("o")
        if oid is None:
            continue
        same = [n for n in by_oid.get(oid, []) if n != row["name"]] + others.get(oid, [])
        if same:
            row["aliases"] = same[:10]
            shared.add(oid)
    for row in rows:
        _mark_shared(row["value"], shared)
    return rows


def _mark_shared(node: _Json, shared: set[int]) -> None:
    oid = node.get("o")
    if oid is not None and oid in shared:
        node["s"] = 1
    for child in node.get("items", ()):
        _mark_shared(child, shared)
    for key, child in node.get("entries", ()):
        _mark_shared(key, shared)
        _mark_shared(child, shared)
    for _, child in node.get("attrs", ()):
        _mark_shared(child, shared)


# -- value history -------------------------------------------------------------------------------
def history_payload(trace: Trace, name: str, frame: int, pos: int,
                    window: int = HISTORY_WINDOW) -> _Json:
    """Return the steps where ``name`` of ``frame`` changed (a window around ``pos``) with values."""
    b = _cols(trace)
    hist = (trace.frame_changes(frame).get(name)
            if 0 <= frame < trace.frame_count else None)
    if hist is None:
        return {"name": name, "frame": frame, "entries": [], "total": 0, "before": 0, "after": 0}
    steps, changes = hist
    k = bisect_right(steps, pos)
    lo = max(0, k - window // 2)
    hi = min(len(steps), lo + window)
    lo = max(0, hi - window)
    points: list[int] = []
    for j in range(lo, hi):
        st = steps[j]
        points.append(st)
        enc = b.ch_val[changes[j]]
        if enc.__class__ is Ref:
            until = steps[j + 1] if j + 1 < len(steps) else None
            vs = b.heap.vsteps[enc.oid]  # type: ignore[attr-defined]
            if vs is not None:
                a = bisect_right(vs, st)
                z = len(vs) if until is None else bisect_left(vs, until)
                points.extend(vs[a:min(z, a + window)])
    points = sorted(set(points))
    # keep the window around pos when mutations made it long
    c = bisect_right(points, pos)
    s = max(0, min(c - window // 2, len(points) - window))
    picked = points[s:s + window]
    first = b.frame_first_step[frame]
    entries = []
    for st in picked:
        value = trace.variable(name, st, frame, depth=2)
        # the line that made the change: the frame's step before it (None: bound on entry)
        by = trace.index.prev_in_frame(frame, st) if st != first else None
        entries.append({"step": st, "by": by, "text": value.text if value is not None else "<unbound>",
                        "kind": value.kind if value is not None else "unbound",
                        "type": value.type_name if value is not None else ""})
    return {"name": name, "frame": frame, "function": _frame_name(trace, frame),
            "entries": entries, "total": len(steps), "before": lo, "after": len(steps) - hi}


# -- frames-and-objects diagram ---------------------------------------------------------------------
#: Items one paging request may ask for per object, and objects it may open or page.
DIAGRAM_MAX_LIMIT = 1000
DIAGRAM_MAX_REQUESTED = 200


def _slot_json(slot: Any) -> _Json:
    out: _Json = {"key": slot.key, "kind": slot.kind, "text": slot.text}
    if slot.ref is not None:
        out["ref"] = slot.ref
    if slot.changed:
        out["changed"] = 1
    if slot.reaches_changed:
        out["reach"] = 1
    return out


def _node_json(node: Any) -> _Json:
    out: _Json = {"id": node.id, "kind": node.kind, "type": node.type_name, "text": node.text,
                  "first": node.first_step, "slots": [_slot_json(s) for s in node.slots]}
    if node.oid is not None:
        out["oid"] = node.oid
    if node.length is not None:
        out["length"] = node.length
    for key in ("more", "collapsed", "new", "mutated"):
        value = getattr(node, key)
        if value:
            out[key] = value if key == "more" else 1
    return out


def diagram_payload(trace: Trace, pos: int, open: Any = None, limits: Any = None) -> _Json:
    """Return the frames-and-objects diagram at ``pos`` (see `model.graph.diagram_at`) as JSON.

    ``open`` is a list of oids to expand below the depth limit; ``limits`` maps oids to how many
    items to show (paging a big container). Both are validated and capped.
    """
    from ..model.graph import diagram_at

    n = len(trace)
    pos = max(0, min(int(pos), n))
    opened = [int(o) for o in (open or [])][:DIAGRAM_MAX_REQUESTED]
    paged = {int(k): max(1, min(int(v), DIAGRAM_MAX_LIMIT))
             for k, v in list(dict(limits or {}).items())[:DIAGRAM_MAX_REQUESTED]}
    d = diagram_at(trace, pos, open=opened, limits=paged)
    frames = [{"id": f.id, "frame": f.frame, "function": f.function, "line": f.line,
               "depth": f.depth, "current": f.current, "slots": [_slot_json(s) for s in f.slots]}
              for f in d.frames]
    return {
        "schema": SCHEMA, "step": d.step, "steps": n, "frames": frames,
        "gap": {"after": d.gap_at, "count": d.frames_left_out} if d.frames_left_out else None,
        "nodes": [_node_json(node) for node in d.nodes],
        "edges": [{"from": e.source, "slot": e.slot, "to": e.target} for e in d.edges],
        "gone": [{"id": g.id, "kind": g.kind, "type": g.type_name, "text": g.text}
                 for g in d.gone],
        "truncated": d.truncated,
    }
