"""The trace table: for one frame, a row per line it ran and the values each line left.

Like a paper trace table: columns are the frame's variables, a cell shows a value only where the
line changed it (and on the first row). Windowed around a position, so it is bounded however
long the frame ran.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..model import Ref, Trace
from ..model.encoded import UNBOUND
from .payload import _cols, _Json

#: Rows (lines run by one frame) and columns (its variables) of a trace-table window.
TABLE_ROWS = 40
TABLE_COLUMNS = 16


def _frame_steps_around(trace: Trace, frame: int, pos: int, rows: int) -> list[int]:
    """Return up to ``rows`` steps of ``frame`` around ``pos`` (about a third before it), in order."""
    index = trace.index
    before: list[int] = []
    k: int | None = min(pos + 1, index.n)
    while len(before) < rows // 3 + 1:
        k = index.prev_in_frame(frame, k)  # type: ignore[arg-type]
        if k is None:
            break
        before.append(k)
    before.reverse()
    steps = before
    if not steps:
        first = trace.columns.frame_first_step[frame]
        if first < 0:
            return []
        steps = [first]
    while len(steps) < rows:
        k = trace.next_step_in_frame(steps[-1])
        if k is None:
            break
        steps.append(k)
    return steps


def _changed_between(trace: Trace, steps: list[int], changes: list[int], lo: int, hi: int) -> bool:
    """Return whether a variable (its history columns) was rebound or mutated in steps ``(lo, hi]``."""
    b = _cols(trace)
    k = bisect_right(steps, hi) - 1
    if k < 0:
        return False
    if steps[k] > lo:
        return True
    enc = b.ch_val[changes[k]]
    if enc.__class__ is not Ref:
        return False
    vs = b.heap.vsteps[enc.oid]  # type: ignore[attr-defined]
    if vs is not None:
        j = bisect_right(vs, hi) - 1
        if j >= 0 and vs[j] > lo:
            return True
    return trace.object_changed_at(enc.oid, hi)  # type: ignore[attr-defined]


def table_payload(trace: Trace, frame: int, pos: int, rows: int = TABLE_ROWS) -> _Json:
    """Return a trace table for ``frame`` around ``pos``: one row per line it ran, values after it.

    A row's ``after`` is `Trace.after_step` of its step (the frame's next step, or the step
    after the frame ended); cells hold the value a variable had then, sent
    only where it changed (and on the first row), as on a paper trace table.
    """
    b = _cols(trace)
    n = len(trace)
    if not 0 <= frame < trace.frame_count:
        raise IndexError(f"no frame {frame}")
    pos = max(0, min(int(pos), n))
    hist = trace.frame_changes(frame)
    names = list(hist)[:TABLE_COLUMNS]
    steps = _frame_steps_around(trace, frame, pos, rows)
    end = b.frame_end_step[frame]
    out_rows: list[_Json] = []
    for r, s in enumerate(steps):
        last = trace.next_step_in_frame(s) is None
        after = trace.after_step(s)  # what the line left: its frame's next step, or past its end
        cells: list[_Json | None] = []
        for name in names:
            st, ch = hist[name]
            changed = _changed_between(trace, st, ch, s, after)
            if not changed and r > 0:
                cells.append(None)
                continue
            k = bisect_right(st, after) - 1
            if k < 0 or b.ch_val[ch[k]] is UNBOUND:
                cells.append(None if not changed else {"v": "<deleted>", "c": 1})
                continue
            text = trace.decode(b.ch_val[ch[k]], after, depth=3).text
            cells.append({"v": text, "c": 1} if changed else {"v": text})
        row: _Json = {"step": s, "after": after, "line": b.step_line[s], "cells": cells}
        note = _row_note(trace, frame, s, last)
        if note:
            row["note"] = note
        out_rows.append(row)
    func = b.functions[b.frame_func[frame]]
    return {"frame": frame, "function": func.qualname, "path": func.path_id, "names": names,
            "more_names": max(0, len(hist) - len(names)), "rows": out_rows,
            "first": b.frame_first_step[frame], "end": end}


def _row_note(trace: Trace, frame: int, step: int, last: bool) -> str:
    """Return what else the line at ``step`` did: raised, or (the frame's ``last`` line)
    returned/yielded a value."""
    b = _cols(trace)
    lo = bisect_left(b.exc_step, step)
    for k in range(lo, min(bisect_right(b.exc_step, step), lo + 8)):
        if b.exc_frame[k] == frame and b.exc_kind[k] == "raise":
            return f"raises {b.exc_type[k]}"
    if last:
        return trace.step_effect(step).returned or ""
    return ""
