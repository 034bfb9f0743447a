"""`TraceWidget`: the inline trace viewer (anywidget); the kernel keeps the trace, the browser asks.

Only a few small traits are synced (the summary, the position ``step`` and the selected
``frame``). Everything else travels as bounded windows over custom messages: the browser sends
``{"type": "view" | "source" | "nav" | "expand" | "history" | "table" | "diagram", "req": n,
...}`` and the kernel
answers ``{"type": ..., "req": n}`` with the payload as one JSON buffer (see `payload`).
"""

from __future__ import annotations

import html
import pathlib
from typing import Any

import anywidget
import orjson
import traitlets

from ..errors import UsageError
from ..model import Trace
from . import payload as _payload
from . import table as _table

__all__ = ["TraceWidget"]


def _asset(name: str) -> pathlib.Path:
    """Return the path of a built front-end asset in the package's ``static/`` folder."""
    candidate = pathlib.Path(__file__).resolve().parent.parent / "static" / name
    if candidate.is_file():
        return candidate
    raise FileNotFoundError(f"ct_jupyter front-end asset {name!r} is missing from {candidate.parent} "
                            "(built by `npm run build` in js/); reinstall ct_jupyter")


class TraceWidget(anywidget.AnyWidget):  # type: ignore[misc]
    """Walk through a recorded `Trace` inline: source, variables, call stack, output, history.

    Parameters
    ----------
    trace
        The recording to show (from ``ct_jupyter.record`` or ``%%codetrace``).
    title
        A short caption shown in the viewer's header.
    """

    _esm = _asset("widget.js")
    _css = _asset("widget.css")

    summary = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    frame = traitlets.Int(-1).tag(sync=True)

    def __init__(self, trace: Trace, *, title: str = "", **kwargs: Any) -> None:
        if not isinstance(trace, Trace):
            raise UsageError("TraceWidget needs a ct_jupyter Trace",
                             context={"got": type(trace).__name__})
        self._trace = trace
        self._from_front = False
        summary = _payload.summary_payload(trace, title)
        super().__init__(summary=summary, step=summary["start"], frame=-1, **kwargs)
        self.on_msg(self._on_custom_msg)
        self.observe(self._on_position, names=["step", "frame"])

    @property
    def trace(self) -> Trace:
        """The recording this viewer shows."""
        return self._trace

    # -- sync ------------------------------------------------------------------------------------
    @traitlets.validate("step")
    def _clamp_step(self, proposal: Any) -> int:
        return max(0, min(int(proposal["value"]), len(self._trace)))

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a state update from the browser (which then asks for its own view)."""
        self._from_front = True
        try:
            super().set_state(sync_data)
        finally:
            self._from_front = False

    def _on_position(self, change: dict[str, Any]) -> None:
        if not self._from_front:
            self._reply("view", None, self.view())

    # -- messages --------------------------------------------------------------------------------
    def view(self) -> dict[str, Any]:
        """Return the payload the browser shows at the current ``step`` and ``frame``."""
        return _payload.view_payload(self._trace, self.step, self.frame)

    def _reply(self, kind: str, req: Any, body: Any) -> None:
        self.send({"type": kind, "req": req},
                  buffers=[orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)])

    def _on_custom_msg(self, _widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        req = content.get("req")
        try:
            self._dispatch(kind, req, content)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            self._reply("error", req, {"request": kind, "error": type(exc).__name__,
                                      "message": str(exc)})

    def _dispatch(self, kind: Any, req: Any, msg: dict[str, Any]) -> None:
        trace = self._trace
        if kind == "view":
            step = int(msg.get("step", self.step))
            frame = int(msg.get("frame", self.frame))
            self._reply("view", req, _payload.view_payload(trace, step, frame))
        elif kind == "source":
            self._reply("source", req, _payload.source_payload(trace, int(msg["path"])))
        elif kind == "expand":
            step = int(msg.get("step", self.step))
            self._reply("expand", req, _payload.expand_payload(trace, int(msg["oid"]), step))
        elif kind == "history":
            step = int(msg.get("step", self.step))
            self._reply("history", req, _payload.history_payload(
                trace, str(msg["name"]), int(msg["frame"]), step))
        elif kind == "table":
            step = int(msg.get("step", self.step))
            self._reply("table", req, _table.table_payload(trace, int(msg["frame"]), step))
        elif kind == "diagram":
            step = int(msg.get("step", self.step))
            self._reply("diagram", req, _payload.diagram_payload(
                trace, step, msg.get("open"), msg.get("limits")))
        elif kind == "nav":
            self._navigate(req, msg)
        else:
            raise ValueError(f"unknown request type {kind!r}")

    def _navigate(self, req: Any, msg: dict[str, Any]) -> None:
        action = msg.get("action")
        start = int(msg.get("step", self.step))
        if action == "line":
            target = _payload.line_target(self._trace, start, int(msg["path"]), int(msg["line"]),
                                          backward=bool(msg.get("backward")))
        elif action in ("over", "out", "back_over", "back_out"):
            target = _payload.nav_targets(self._trace, start)[action]
        else:
            raise ValueError(f"unknown navigation {action!r}")
        self._reply("nav", req, {"action": action, "target": target, "from": start,
                                "line": msg.get("line"), "backward": bool(msg.get("backward"))})
        if target is not None:
            self._from_front = True          # one view for both changes, pushed below
            try:
                with self.hold_sync():
                    self.frame = -1
                    self.step = target
            finally:
                self._from_front = False
            self._reply("view", None, self.view())

    # -- display ---------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        out = super()._repr_mimebundle_(**kwargs)
        if out is None:
            return None
        data, metadata = out
        data["text/plain"] = _text(self._trace)
        data["text/html"] = _html(self._trace)
        return data, metadata


def _text(trace: Trace) -> str:
    """Return the text/plain summary (the renderer's, or the trace's repr if it fails)."""
    try:
        from ..render.text import trace_to_text

        return trace_to_text(trace)
    except Exception:  # noqa: BLE001 - a fallback must never stop the widget from showing
        return repr(trace)


def _html(trace: Trace) -> str:
    """Return the static text/html snapshot (escaped; a minimal one if the renderer fails)."""
    try:
        from ..render.html import trace_to_html

        return trace_to_html(trace)
    except Exception as exc:  # noqa: BLE001 - a fallback must never stop the widget from showing
        return (f"<pre>{html.escape(repr(trace))}\n(static view unavailable: "
                f"{html.escape(type(exc).__name__)})</pre>")
