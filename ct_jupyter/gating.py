"""Record only what matters: calls of chosen functions, and ``with ct_jupyter.focus():`` blocks.

With ``functions=[...]`` (``--function NAME``) or ``focus=True`` (``--focus``) a recording is
*gated*: a frame is recorded only when it is a call of a chosen function, runs inside a
``focus()`` block, or is called from a recorded frame. Everything else runs at full speed: a
code object first seen outside the gate is classified as not recorded, so ``sys.monitoring``
gets ``DISABLE`` for it, and only when the gate opens again are those code objects forgotten
and events restarted (once per opening, and only if something was switched off meanwhile).
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import CodeType
from typing import Any


class Gate:
    """Decides which frames a gated recording records; one per recording."""

    def __init__(self, functions: Sequence[str], focus_mode: bool) -> None:
        self.patterns = tuple(functions)
        self.focus_mode = focus_mode
        self.depth = 0
        self.recorder: Any = None
        self.backend_name = ""
        self._gated: list[int] = []
        self._entries: dict[int, bool] = {}

    def is_entry(self, code: CodeType, module: str = "") -> bool:
        """Return True when ``code`` is one of the chosen functions."""
        hit = self._entries.get(id(code))
        if hit is None:
            qual = getattr(code, "co_qualname", code.co_name)
            names = (qual, f"{module}.{qual}" if module else qual, code.co_name)
            hit = any(fnmatch.fnmatchcase(n, p) for p in self.patterns for n in names)
            self._entries[id(code)] = hit
        return hit

    def is_open(self) -> bool:
        """Return True while something is recorded (a focus block, or a recorded frame runs)."""
        return self.depth > 0 or bool(self.recorder is not None and self.recorder.stack)

    def classify(self, code: CodeType, module: str, user: bool) -> bool:
        """Return the gated decision for ``code`` (our filters said ``user``); never cached."""
        if not user:
            return False
        if self.is_open() or self.is_entry(code, module):
            return True
        self._gated.append(id(code))
        return False

    def allows_root(self, info: Any, frame: Any) -> bool:
        """Return True when a frame may start with nothing recorded around it."""
        if self.depth > 0 or self.is_entry(info.code, _module_of(frame)):
            self.reopen()
            return True
        return False

    def reopen(self) -> None:
        """Forget code objects switched off while the gate was closed, and restart events."""
        if not self._gated:
            return
        infos = self.recorder.infos
        for key in self._gated:
            infos.pop(key, None)
        self._gated.clear()
        if self.backend_name == "sysmon":
            sys.monitoring.restart_events()


def _module_of(frame: Any) -> str:
    try:
        return str(frame.f_globals.get("__name__", ""))
    except Exception:  # noqa: BLE001 - a frame without globals has no module
        return ""


def install(session: Any) -> None:
    """Make ``session`` (an `api._Session`) gated when its options ask for it."""
    options = session.options
    if not options.functions and not getattr(options, "focus", False):
        return
    gate = Gate(options.functions, bool(getattr(options, "focus", False)))
    gate.recorder = session.recorder
    gate.backend_name = session.backend.name
    session.recorder.gate = gate
    session.builder.meta["core"] = "python"  # the C hot path does not consult the gate
    session.filter.gate = gate.classify


@contextmanager
def focus() -> Iterator[None]:
    """Record this block (and what it calls) in a recording made with ``focus=True``.

    Outside such a recording it does nothing, so the code runs the same without ct_jupyter.
    """
    from . import api

    session = getattr(api._active, "session", None)
    gate: Gate | None = getattr(getattr(session, "recorder", None), "gate", None)
    if session is None or gate is None or not gate.focus_mode:
        yield
        return
    rec = session.recorder
    frame = sys._getframe(2)  # the frame holding the with statement
    level = len(rec.stack)
    gate.depth += 1
    try:
        gate.reopen()
        if not any(st.frame is frame for st in rec.stack) and not rec.off:
            api._adopt(session, frame)
        yield
    finally:
        gate.depth -= 1
        if gate.depth == 0 and not rec.off:
            while len(rec.stack) > level:  # frames that go on running unrecorded
                st = rec.stack.pop()
                rec._flush_last_line(st)
                rec.builder.end_frame(st.fid, "unknown", None)
                st.frame = None


__all__ = ["Gate", "focus", "install"]
