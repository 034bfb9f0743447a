"""The recording as saved in the notebook: bounded, versioned JSON under our own MIME type.

The notebook renderer (ct_jupyter's JupyterLab extension) shows it with no kernel. It holds
the summary, every recorded file's source and the view at a chosen set of steps: all of them
when they fit in ``budget`` bytes, otherwise the start, the end and the steps around each
exception, with the rest listed as gaps the viewer names ("steps 412–39,870 are not saved"),
and the frames-and-objects diagrams of the saved steps, packed (`saved_diagrams`), in the part
of the budget kept for them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import orjson

from ..errors import UsageError
from ..model import Trace
from . import payload as _payload
from .saved_diagrams import pack_diagrams

__all__ = ["DEFAULT_BYTES", "MIME", "VERSION", "gaps_of", "saved_recording"]

#: Our MIME type (ranked ahead of the widget view by the JupyterLab extension).
MIME = "application/vnd.ct-jupyter.trace.v1+json"
#: Version of the saved JSON layout (``version`` field).
VERSION = 1
#: Default size bound of one saved recording (bytes of JSON).
DEFAULT_BYTES = int(os.environ.get("CT_JUPYTER_SAVED_BYTES") or 300 * 1024)
#: One part in DIAGRAM_SHARE of the budget is kept for the frames-and-objects diagrams.
DIAGRAM_SHARE = 5
#: Steps kept on each side of an exception before the rest is filled in.
AROUND_EXCEPTION = 8


def _size(obj: Any) -> int:
    return len(orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS))


def _priority(trace: Trace, start: int) -> Iterator[int]:
    """Yield positions in the order they are worth saving: start, head/tail/exceptions interleaved."""
    n = len(trace)
    raised = sorted({e.step for e in trace.exceptions if 0 <= e.step <= n})
    yield start
    yield n
    around = [p for s in raised for p in range(max(0, s - AROUND_EXCEPTION), min(n, s + AROUND_EXCEPTION) + 1)]
    head = iter(range(n + 1))
    tail = iter(range(n, -1, -1))
    for trio in itertools.zip_longest(head, tail, iter(around)):
        for pos in trio:
            if pos is not None:
                yield pos


def _trim_io(view: dict[str, Any], cap: int) -> dict[str, Any]:
    """Keep the newest output chunks of ``view`` within ``cap`` bytes (the rest counted as skipped)."""
    io = view.get("io")
    if not io or _size(io) <= cap:
        return view
    chunks = list(io["chunks"])
    kept: list[Any] = []
    used = 0
    for chunk in reversed(chunks):
        cost = _size(chunk)
        if used + cost > cap and kept:
            break
        if cost > cap:                      # one huge chunk: keep its tail
            chunk = {**chunk, "text": "…" + chunk["text"][-max(16, cap // 2):]}
            cost = _size(chunk)
        kept.append(chunk)
        used += cost
    kept.reverse()
    dropped = len(chunks) - len(kept)
    return {**view, "io": {**io, "chunks": kept, "skipped": io["skipped"] + dropped}}


def gaps_of(saved: list[int], n: int) -> list[list[int]]:
    """Return the inclusive ranges of positions 0..n missing from sorted ``saved``."""
    gaps: list[list[int]] = []
    expected = 0
    for pos in saved:
        if pos > expected:
            gaps.append([expected, pos - 1])
        expected = pos + 1
    if expected <= n:
        gaps.append([expected, n])
    return gaps


def saved_recording(trace: Trace, trace_id: str, title: str = "", budget: int | None = None) -> dict[str, Any]:
    """Return the bounded JSON of ``trace`` to embed in the notebook (at most ~``budget`` bytes)."""
    budget = DEFAULT_BYTES if budget is None else budget
    if not isinstance(budget, int) or budget < 1024:
        raise UsageError("the saved-recording budget must be at least 1024 bytes",
                         context={"got": budget})
    summary = _payload.summary_payload(trace, title)
    sources = {str(p["id"]): _payload.source_payload(trace, p["id"]) for p in summary["paths"]}
    used = _size(summary) + _size(sources) + 256
    total, budget = budget, budget - budget // DIAGRAM_SHARE      # room kept for the diagrams
    views: dict[str, Any] = {}
    n = len(trace)
    must = {summary["start"], n}                # the opening step and the end: always saved
    for pos in _priority(trace, summary["start"]):
        key = str(pos)
        if key in views:
            continue
        view = _trim_io(_payload.view_payload(trace, pos, -1), max(1024, budget // 16))
        cost = _size(view) + len(key) + 4
        if used + cost > budget and pos not in must:
            break
        views[key] = view
        used += cost
        if len(views) == n + 1:
            break
    saved = sorted(int(k) for k in views)
    # the frames-and-objects diagrams of the saved steps (most important first), in what is left
    diagrams = pack_diagrams(trace, [int(k) for k in views], max_bytes=max(0, total - used))
    return {"version": VERSION, "schema": _payload.SCHEMA, "trace_id": trace_id,
            "summary": summary, "sources": sources, "views": views,
            "gaps": gaps_of(saved, n), "budget": total, "diagrams": diagrams}
