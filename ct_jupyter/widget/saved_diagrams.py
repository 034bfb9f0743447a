"""Diagrams of chosen steps packed small, for a recording saved inside the notebook.

Consecutive diagrams share most of their frames and objects, so the pack stores every distinct
frame and object once (a table of JSON objects) and each step as lists of indexes into those
tables. js/src/views/diagram-saved.js `unpackDiagram` rebuilds the exact `diagram_payload` of
a step from it. A byte budget bounds the pack: steps that do not fit are left out (the viewer
says the diagram of that step was not saved).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from ..model import Trace
from .payload import SCHEMA, diagram_payload

__all__ = ["PACK_VERSION", "pack_diagrams"]

PACK_VERSION = 1
_Json = dict[str, Any]


def pack_diagrams(trace: Trace, steps: Iterable[int], max_bytes: int = 2_000_000) -> _Json:
    """Return the diagrams at ``steps`` packed with shared frame and object tables.

    Steps are added in the order given until the pack would exceed ``max_bytes`` (UTF-8 JSON);
    ``left_out`` counts the steps that did not fit.
    """
    frames: list[_Json] = []
    nodes: list[_Json] = []
    frame_ix: dict[bytes, int] = {}
    node_ix: dict[bytes, int] = {}
    packed: dict[str, _Json] = {}
    size = 200
    left_out = 0
    for step in steps:
        key = str(step)
        if key in packed:
            continue
        if size >= max_bytes:
            left_out += 1
            continue
        d = diagram_payload(trace, step)
        new_bytes = 0
        refs: dict[str, list[int]] = {"f": [], "n": []}
        staged: dict[str, dict[bytes, _Json]] = {"f": {}, "n": {}}
        for kind, index, items in (("f", frame_ix, d["frames"]), ("n", node_ix, d["nodes"])):
            for item in items:
                blob = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
                at = index.get(blob)
                if at is None:
                    if blob not in staged[kind]:
                        staged[kind][blob] = item
                        new_bytes += len(blob) + 1
                    at = -1 - list(staged[kind]).index(blob)         # resolved once kept
                refs[kind].append(at)
        rest = {k: d[k] for k in ("step", "steps", "gap", "edges", "gone", "truncated")}
        cost = new_bytes + len(orjson.dumps(rest)) + 40
        if size + cost > max_bytes:
            left_out += 1
            size = max_bytes            # stop here: keep the saved steps contiguous
            continue
        for kind, table, index in (("f", frames, frame_ix), ("n", nodes, node_ix)):
            base = len(table)
            for blob, item in staged[kind].items():
                index[blob] = len(table)
                table.append(item)
            refs[kind] = [at if at >= 0 else base + (-1 - at) for at in refs[kind]]
        packed[key] = {**rest, "f": refs["f"], "n": refs["n"]}
        size += cost
    return {"pack": PACK_VERSION, "schema": SCHEMA, "frames": frames, "nodes": nodes,
            "steps": packed, "left_out": left_out}
