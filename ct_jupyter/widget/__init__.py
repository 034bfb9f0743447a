"""`TraceWidget`: the inline trace viewer (anywidget); the kernel keeps the trace, the browser asks.

Only a few small traits are synced (the summary, the position ``step`` and the selected
``frame``). Everything else travels as bounded windows over custom messages: the browser sends
``{"type": "view" | "source" | "nav" | "expand" | "history" | "table" | "diagram", "req": n,
...}`` and the kernel
answers ``{"type": ..., "req": n}`` with the payload as one JSON buffer (see `serve`).

The widget's output also carries the recording itself (`saved`, our own MIME type, bounded),
which ct_jupyter's JupyterLab extension renders after a restart or reopen; the kernel keeps
recordings within a memory budget (`store`).
"""

from __future__ import annotations

import html
import os
import pathlib
from typing import Any

import anywidget
import traitlets

from ..core import recorder as _recorder
from ..errors import UsageError
from ..model import Trace
from . import payload as _payload
from .comm import RELEASED_TEXT, WIDGETS, _dumps, ensure_comm_target, released_error
from .saved import MIME, saved_recording
from .serve import answer
from .store import STORE

__all__ = ["MIME", "TraceWidget", "configure"]


class _Settings:
    """Viewer settings of this kernel (see `configure`)."""

    saved_bytes: int | None = None


SETTINGS = _Settings()


def configure(*, saved_bytes: int | None = None, memory_budget: int | None = None) -> None:
    """Set the size bound of recordings saved in the notebook and the kernel's memory budget (bytes)."""
    if saved_bytes is not None:
        if not isinstance(saved_bytes, int) or saved_bytes < 1024:
            raise UsageError("saved_bytes must be at least 1024", context={"got": saved_bytes})
        SETTINGS.saved_bytes = saved_bytes
    if memory_budget is not None:
        STORE.set_budget(memory_budget)


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
    cell
        The notebook cell that made it: running that cell again releases this recording.
    """

    _esm = _asset("widget.js")
    _css = _asset("widget.css")

    summary = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    frame = traitlets.Int(-1).tag(sync=True)

    def __init__(self, trace: Trace, *, title: str = "", cell: str | None = None,
                 **kwargs: Any) -> None:
        if not isinstance(trace, Trace):
            raise UsageError("TraceWidget needs a ct_jupyter Trace",
                             context={"got": type(trace).__name__})
        self._trace: Trace | None = trace
        self._steps = len(trace)
        self._title = title
        self._from_front = False
        summary = _payload.summary_payload(trace, title)
        # the notebook's path (jupyter_server's kernel env): the viewer remembers per notebook
        # whether the variables show as a tree or as the diagram
        summary["notebook"] = os.environ.get("JPY_SESSION_NAME", "")
        super().__init__(summary=summary, step=summary["start"], frame=-1, **kwargs)
        self.trace_id = STORE.add(trace, cell)
        self._followers: list[Any] = []
        WIDGETS[self.trace_id] = self
        STORE.on_release(self.trace_id, self._released)
        ensure_comm_target()
        self.on_msg(self._on_custom_msg)
        self.observe(self._on_position, names=["step", "frame"])

    @property
    def trace(self) -> Trace | None:
        """The recording this viewer shows (None once the kernel released it)."""
        return self._trace

    def _released(self) -> None:
        self._trace = None

    def add_follower(self, push: Any) -> None:
        """Also send kernel-side position changes (``w.step = n``) to ``push(view)``."""
        self._followers.append(push)

    def remove_follower(self, push: Any) -> None:
        """Stop sending position changes to ``push``."""
        if push in self._followers:
            self._followers.remove(push)

    def follow(self, step: int, frame: int) -> None:
        """Take the position a front end (the notebook renderer) moved to, without echoing it."""
        self._from_front = True
        try:
            with self.hold_sync():
                self.frame = frame
                self.step = step
        finally:
            self._from_front = False

    # -- sync ------------------------------------------------------------------------------------
    @traitlets.validate("step")
    def _clamp_step(self, proposal: Any) -> int:
        return max(0, min(int(proposal["value"]), self._steps))

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a state update from the browser (which then asks for its own view)."""
        self._from_front = True
        try:
            super().set_state(sync_data)
        finally:
            self._from_front = False

    def _on_position(self, change: dict[str, Any]) -> None:
        if not self._from_front and self._trace is not None:
            view = self.view()
            self._reply("view", None, view)
            for push in list(self._followers):
                push(view)

    # -- messages --------------------------------------------------------------------------------
    def view(self) -> dict[str, Any]:
        """Return the payload the browser shows at the current ``step`` and ``frame``."""
        if self._trace is None:
            raise UsageError(RELEASED_TEXT, context={"trace_id": self.trace_id})
        return _payload.view_payload(self._trace, self.step, self.frame)

    def _reply(self, kind: str, req: Any, body: Any) -> None:
        self.send({"type": kind, "req": req}, buffers=[_dumps(body)])

    def _on_custom_msg(self, _widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        req = content.get("req")
        trace = self._trace
        if trace is None:
            self._reply("error", req, released_error(kind))
            return
        try:
            reply, body = answer(trace, content, self.step, self.frame)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            self._reply("error", req, {"request": kind, "error": type(exc).__name__,
                                      "message": str(exc)})
            return
        self._reply(reply, req, body)
        if reply == "nav" and body["target"] is not None:
            self._from_front = True          # one view for both changes, pushed below
            try:
                with self.hold_sync():
                    self.frame = -1
                    self.step = body["target"]
            finally:
                self._from_front = False
            self._reply("view", None, self.view())

    # -- display ---------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        out = super()._repr_mimebundle_(**kwargs)
        if out is None:
            return None
        data, metadata = out
        trace = self._trace
        if trace is None:
            return data, metadata
        data["text/plain"] = _text(trace)
        data["text/html"] = _html(trace)
        try:
            data[MIME] = saved_recording(trace, self.trace_id, self._title, SETTINGS.saved_bytes)
        except Exception:  # noqa: BLE001 - the live views must show even if saving fails
            if _recorder.fails_loud():
                raise
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
