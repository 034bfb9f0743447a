"""Answer the viewer's requests about one recording (shared by the widget and the kernel comm).

A request is ``{"type": "view" | "source" | "nav" | "expand" | "history" | "table" | "diagram", ...}``; the
answer is ``(reply_type, body)``. Bad requests raise KeyError/IndexError/TypeError/ValueError,
which the transports turn into ``{"type": "error"}`` replies.
"""

from __future__ import annotations

from typing import Any

from ..model import Trace
from . import payload as _payload
from . import table as _table

__all__ = ["answer", "nav_target"]


def nav_target(trace: Trace, msg: dict[str, Any], step: int) -> int | None:
    """Return the position a ``nav`` request leads to from ``step`` (None: nowhere)."""
    action = msg.get("action")
    if action == "line":
        return _payload.line_target(trace, step, int(msg["path"]), int(msg["line"]),
                                    backward=bool(msg.get("backward")))
    if action in ("over", "out", "back_over", "back_out"):
        target: int | None = _payload.nav_targets(trace, step)[action]
        return target
    raise ValueError(f"unknown navigation {action!r}")


def answer(trace: Trace, msg: dict[str, Any], step: int = 0, frame: int = -1) -> tuple[str, Any]:
    """Return the reply type and body for request ``msg`` (``step``/``frame``: defaults)."""
    kind = msg.get("type")
    step = int(msg.get("step", step))
    if kind == "view":
        return "view", _payload.view_payload(trace, step, int(msg.get("frame", frame)))
    if kind == "source":
        return "source", _payload.source_payload(trace, int(msg["path"]))
    if kind == "expand":
        return "expand", _payload.expand_payload(trace, int(msg["oid"]), step)
    if kind == "history":
        return "history", _payload.history_payload(trace, str(msg["name"]), int(msg["frame"]), step)
    if kind == "table":
        return "table", _table.table_payload(trace, int(msg["frame"]), step)
    if kind == "diagram":
        return "diagram", _payload.diagram_payload(trace, step, msg.get("open"), msg.get("limits"))
    if kind == "nav":
        return "nav", {"action": msg.get("action"), "target": nav_target(trace, msg, step),
                       "from": step, "line": msg.get("line"), "backward": bool(msg.get("backward"))}
    raise ValueError(f"unknown request type {kind!r}")
