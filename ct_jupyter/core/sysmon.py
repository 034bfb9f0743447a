"""The ``sys.monitoring`` backend (CPython 3.12+).

Only PY_START (plus the exception events, which cannot be local) is enabled globally. PY_START
classifies each code object once: for user code it switches on LINE, PY_RETURN, PY_YIELD and
PY_RESUME locally; for everything else it returns DISABLE, so library code runs at full speed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from functools import partial
from types import CodeType, FrameType

from ..errors import BackendUnavailable
from .ccore import chosen, make_core
from .recorder import COUNT_AFTER_STOP, Recorder

TOOL_NAME = "ct_jupyter"
_PREFERRED_IDS = (4, 3)


def free_tool_id() -> int | None:
    """Return a free monitoring tool id from the ones we may use, or None."""
    mon = sys.monitoring
    for tool in _PREFERRED_IDS:
        if mon.get_tool(tool) is None:
            return tool
    return None


def tool_holders() -> str:
    """Describe who holds the tool ids we may use (for an error message)."""
    return ", ".join(f"{i}={sys.monitoring.get_tool(i)!r}" for i in _PREFERRED_IDS)


class SysMonBackend:
    """Feeds a `Recorder` from ``sys.monitoring`` events of the recording thread."""

    name = "sysmon"

    def __init__(self, recorder: Recorder) -> None:
        self.rec = recorder
        self.tool: int | None = None
        self._lock = threading.Lock()
        self._on = False
        self._owner = threading.get_ident()
        self._touched: list[CodeType] = []
        self._events: list[int] = []
        self._core: object | None = None
        self.core = chosen()
        recorder.builder.meta["core"] = self.core
        recorder.on_stop = self._switch_to_counting
        # 3.12: f_locals writes into the program's locals() dict; leave that dict as it was
        recorder.restore_locals = sys.version_info < (3, 13)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Claim a tool id and start delivering events."""
        mon = sys.monitoring
        E = mon.events
        with self._lock:
            tool = free_tool_id()
            if tool is None:
                raise BackendUnavailable(
                    "no sys.monitoring tool id is free for ct_jupyter",
                    context={"tool_ids": tool_holders()},
                )
            mon.use_tool_id(tool, TOOL_NAME)
            self.tool = tool
            self._owner = self.rec.owner = threading.get_ident()
            table: dict[int, Callable[..., object]] = {
                E.PY_START: self._on_py_start,
                E.PY_RESUME: self._on_py_resume,
                E.PY_THROW: self._on_py_throw,
                E.LINE: self.rec.on_line,
                E.PY_RETURN: partial(self.rec.on_return, "return"),
                E.PY_YIELD: partial(self.rec.on_return, "yield"),
                E.PY_UNWIND: self._on_py_unwind,
                E.RAISE: self._on_raise,
            }
            core = self._core = make_core(self.rec, self._on_py_start, None)
            self.core = self.rec.builder.meta["core"] = "c" if core is not None else "python"
            if core is not None:  # the C hot path, handing the rest to the same Python methods
                table.update({E.PY_START: core.start, E.LINE: core.line,  # type: ignore[attr-defined]
                              E.PY_RESUME: core.resume,  # type: ignore[attr-defined]
                              E.PY_RETURN: core.ret, E.PY_YIELD: core.yld})  # type: ignore[attr-defined]
            for event, callback in table.items():
                mon.register_callback(tool, event, callback)
                self._events.append(event)
            mon.set_events(tool, E.PY_START | E.PY_UNWIND | E.PY_THROW | E.RAISE)
            mon.restart_events()
            self._on = True

    def stop(self) -> None:
        """Switch every event off, unregister callbacks and free the tool id (idempotent)."""
        mon = sys.monitoring
        with self._lock:
            tool = self.tool
            if tool is None:
                return
            self._on = False
            try:
                mon.set_events(tool, 0)
                for code in self._touched:
                    mon.set_local_events(tool, code, 0)
                for event in self._events:
                    mon.register_callback(tool, event, None)
            finally:
                self._touched.clear()
                self._events.clear()
                self.tool = None
                if self._core is not None:
                    self._core.release()  # type: ignore[attr-defined]
                    self._core = None
                if mon.get_tool(tool) == TOOL_NAME:
                    mon.free_tool_id(tool)

    def adopt(self, frame: FrameType) -> None:
        """Deliver line events of ``frame``, already running (a ``with recording()`` body)."""
        info = self.rec.classify(frame.f_code, frame)
        self._enable(frame.f_code)
        info.enabled = True

    def _switch_to_counting(self) -> None:
        """After a limit or failure: keep the program running, only count steps."""
        mon = sys.monitoring
        E = mon.events
        tool = self.tool
        if tool is None:
            return
        mon.register_callback(tool, E.LINE, self._count_line)
        mon.set_events(tool, E.PY_START)
        mon.register_callback(tool, E.PY_START, self._count_start)
        for event in (E.PY_RETURN, E.PY_YIELD, E.PY_RESUME):
            mon.register_callback(tool, event, None)

    # -- callbacks (hot path) ---------------------------------------------------------------
    def _enable(self, code: CodeType) -> None:
        """Switch on the local events (lines, returns, yields, resumes) of user code ``code``."""
        E = sys.monitoring.events
        with self._lock:
            if self._on and self.tool is not None:
                sys.monitoring.set_local_events(
                    self.tool, code, E.LINE | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME)
                self._touched.append(code)

    def _on_py_start(self, code: CodeType, offset: int) -> object:
        """PY_START: classify ``code`` once; user code gets local events and a frame, the rest DISABLE."""
        rec = self.rec
        info = rec.infos.get(id(code))
        if info is None:
            info = rec.classify(code, sys._getframe(1))
        if not info.is_user:
            return sys.monitoring.DISABLE
        if not info.enabled:
            self._enable(code)
            info.enabled = True
        if threading.get_ident() == self._owner:
            rec.on_start(info, sys._getframe(1), "call")
        return None

    def _on_py_resume(self, code: CodeType, offset: int) -> object:
        """PY_RESUME: a user generator or coroutine frame resumes."""
        info = self.rec.infos.get(id(code))
        if info is not None and info.is_user and threading.get_ident() == self._owner:
            self.rec.on_start(info, sys._getframe(1), "resume")
        return None

    def _on_py_throw(self, code: CodeType, offset: int, exc: BaseException) -> object:
        """PY_THROW: a user generator resumes with an exception thrown in (``throw``, ``close``)."""
        info = self.rec.infos.get(id(code))
        if info is not None and info.is_user and threading.get_ident() == self._owner:
            self.rec.on_start(info, sys._getframe(1), "resume")
        return None

    def _on_py_unwind(self, code: CodeType, offset: int, exc: BaseException) -> object:
        """PY_UNWIND: an exception leaves a user frame."""
        info = self.rec.infos.get(id(code))
        if info is not None and info.is_user and threading.get_ident() == self._owner:
            self.rec.on_unwind(code, exc)
        return None

    def _on_raise(self, code: CodeType, offset: int, exc: BaseException) -> object:
        """RAISE: an exception is raised in, or propagates into, a user frame."""
        info = self.rec.infos.get(id(code))
        if info is not None and info.is_user and threading.get_ident() == self._owner:
            self.rec.on_raise(code, exc)
        return None

    def _count_line(self, code: CodeType, line: int) -> object:
        """LINE after a limit: count the step only (and switch every event off past a bound)."""
        if threading.get_ident() == self._owner:
            b = self.rec.builder
            b.dropped_steps += 1
            if b.dropped_steps >= COUNT_AFTER_STOP:
                self._switch_off()
        return None

    def _switch_off(self) -> None:
        """Stop counting too: the program runs on with no event at all (near plain speed)."""
        mon = sys.monitoring
        tool = self.tool
        self.rec.builder.meta["dropped_steps_exact"] = False
        if tool is None:
            return
        with self._lock:
            mon.set_events(tool, 0)
            for code in self._touched:
                mon.set_local_events(tool, code, 0)
            self._touched.clear()

    def _count_start(self, code: CodeType, offset: int) -> object:
        """PY_START after a limit: keep lines of user code countable, DISABLE the rest."""
        info = self.rec.infos.get(id(code))
        if info is None:
            info = self.rec.classify(code, sys._getframe(1))
        if info.is_user and not info.enabled:
            self._enable(code)
            info.enabled = True
        return None if info.is_user else sys.monitoring.DISABLE
