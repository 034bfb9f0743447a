"""The ``sys.settrace`` backend: the same events as `sysmon`, for 3.11 or when no tool id is free.

The global trace function sees every call; it classifies the code once and returns the local
tracer only for user code. A ``return`` event is a return, a yield or an unwind: the opcode at
``f_lasti`` tells which (settrace gives ``None`` as the value in both the last two cases).
"""

from __future__ import annotations

import dis
import re
import sys
import warnings
from types import CodeType, FrameType, FunctionType, MethodType
from typing import Any, cast

from ..errors import BackendUnavailable, CodetraceWarning
from .ccore import chosen, make_core
from .recorder import COUNT_AFTER_STOP, Recorder

_gettrace = sys.gettrace


def tracer_name(fn: object) -> str:
    """Name a trace function (``module.qualname``) without calling into it."""
    if isinstance(fn, (FunctionType, MethodType)):
        func = fn.__func__ if isinstance(fn, MethodType) else fn
        return f"{func.__module__}.{func.__qualname__}"
    t = type(fn)
    return f"{t.__module__}.{t.__qualname__}"

_HIDDEN_LOCALS_WARNING = (
    ("ignore", re.compile("assigning None to unbound local", re.I), RuntimeWarning, None, 0)
    if sys.version_info[:2] == (3, 12) else None
)
_RETURN_OPS = frozenset(dis.opmap[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in dis.opmap)
_YIELD_OPS = frozenset(dis.opmap[n] for n in ("YIELD_VALUE",) if n in dis.opmap)
_RESUME = dis.opmap.get("RESUME", -2)  # 3.13 reports a yield at the RESUME that follows it


class SetTraceBackend:
    """Feeds a `Recorder` from ``sys.settrace`` events of the recording thread."""

    name = "settrace"

    def __init__(self, recorder: Recorder) -> None:
        self.rec = recorder
        self._previous: object = None
        self._started: dict[int, FrameType] = {}
        self._installed = False
        self._counting = False
        self.replaced_by: object = None
        self._global_fn = self._global  # one bound method, so `sys.gettrace() is` can tell it
        self._switched_off = False  # we removed our own tracer after a limit
        #: the local trace function user frames get: `_local`, or the C core's
        self._tracer: Any = self._local
        self._core: object | None = None
        self.core = chosen()
        recorder.builder.meta["core"] = self.core
        recorder.on_stop = self._switch_to_counting

    def start(self) -> None:
        """Install the trace function in this thread; refuse to replace another one.

        A running debugger or ``coverage run`` would silently lose its events: that is the
        program's tracer, so recording stops before it starts, naming it.
        """
        self._previous = sys.gettrace()
        if self._previous is not None:
            raise BackendUnavailable(
                f"another trace function is running ({tracer_name(self._previous)}); the "
                "settrace backend would replace it. Stop it, or record on Python 3.12+ where "
                "sys.monitoring runs beside it", code="ERR_TRACER_ACTIVE",
                context={"tracer": tracer_name(self._previous)})
        if _HIDDEN_LOCALS_WARNING is not None:
            # 3.12 only: reading f_locals from a trace function while an inlined comprehension's
            # hidden variable is unbound makes CPython warn when it writes the locals back. The
            # write is harmless (the hidden slot is saved and restored around the comprehension),
            # so keep the user's stderr clean while we record.
            cast("list[Any]", warnings.filters).insert(0, _HIDDEN_LOCALS_WARNING)
            warnings._filters_mutated()  # type: ignore[attr-defined]
        core = self._core = make_core(self.rec, None, self._local)
        self.core = self.rec.builder.meta["core"] = "c" if core is not None else "python"
        if core is not None:  # the C hot path runs lines; other events come back to `_local`
            self._tracer = core.trace  # type: ignore[attr-defined]
            core.set_tracer(self._tracer)  # type: ignore[attr-defined]
        sys.settrace(self._global_fn)
        self._installed = True

    def stop(self) -> None:
        """Restore the previous trace function (idempotent)."""
        if not self._installed:
            return
        self._installed = False
        current = sys.gettrace()
        if current is self._global_fn:
            sys.settrace(self._previous)  # type: ignore[arg-type]
        elif self.replaced_by is None and not (self._switched_off and current is None):
            self.replaced_by = current if current is not None else "None"
        self._started.clear()
        if self.replaced_by is not None:  # the program's own tracer stays, as it set it
            name = "None" if self.replaced_by == "None" else tracer_name(self.replaced_by)
            self.rec.builder.meta["tracer_replaced"] = name
            self.replaced_by = None
            why = (f"the program called sys.settrace ({name})" if name != "None" else
                   "the trace function was removed (the program called sys.settrace(None), or "
                   "CPython switched tracing off after an error in it, such as a RecursionError "
                   "at the recursion limit)")
            warnings.warn(CodetraceWarning(
                f"{why} while it was recorded: calls made after that are missing from the trace",
                code="WARN_TRACER_REPLACED"), stacklevel=4)
        if self._core is not None:
            self._core.release()  # type: ignore[attr-defined]
            self._core = None
            self._tracer = self._local
        if _HIDDEN_LOCALS_WARNING is not None:
            try:
                cast("list[Any]", warnings.filters).remove(_HIDDEN_LOCALS_WARNING)
            except ValueError:
                pass
            warnings._filters_mutated()  # type: ignore[attr-defined]

    def adopt(self, frame: FrameType) -> None:
        """Trace lines of an already running frame (the body of a ``with recording()``)."""
        frame.f_trace = self._tracer
        frame.f_trace_lines = True

    def _switch_to_counting(self) -> None:
        """After a limit: from now on only count lines (see `_count`)."""
        self._counting = True

    def _global(self, frame: FrameType, event: str, arg: object) -> Any:
        """The global trace function ('call'): start a user frame, return its local tracer."""
        rec = self.rec
        code = frame.f_code
        info = rec.infos.get(id(code))
        if info is None:
            info = rec.classify(code, frame)
        if not info.is_user:
            return None
        if self._counting:
            return self._count
        if rec.off:
            return None  # code the recorder itself calls (a repr): not the program's steps
        kind = "call"
        if info.is_gen:
            key = id(frame)
            if self._started.get(key) is frame:
                kind = "resume"
            else:
                self._started[key] = frame
        rec.on_start(info, frame, kind)
        if kind == "resume" and rec.stack and rec.stack[-1].frame is frame:
            # sys.monitoring reports no line on resuming at the line that yielded
            rec.stack[-1].resume_line = frame.f_lineno
        return self._tracer

    def _local(self, frame: FrameType, event: str, arg: object) -> object:
        """A user frame's local tracer: 'line', 'return' (or yield) and 'exception' events."""
        if self._counting:
            return self._count(frame, event, arg)
        rec = self.rec
        if event == "line":
            # settrace also reports a line again after a backward jump within it (one-line
            # loops, comprehensions); sys.monitoring (and CodeTracer) report a line only when
            # it changes. Keep the sys.monitoring meaning so both backends agree.
            stack = rec.stack
            line = frame.f_lineno
            if stack and stack[-1].frame is frame and (
                    stack[-1].line == line or (stack[-1].line < 0 and stack[-1].resume_line == line)):
                return self._tracer
            rec.on_line(frame.f_code, line, frame)
        elif event == "return":
            code: CodeType = frame.f_code
            lasti = frame.f_lasti
            raw = code.co_code
            op = raw[lasti] if lasti >= 0 else -1
            if op in _YIELD_OPS or (op == _RESUME and lasti >= 2 and raw[lasti - 2] in _YIELD_OPS):
                rec.on_return("yield", code, lasti, arg)
                return self._tracer
            if self.replaced_by is None and _gettrace() is not self._global_fn \
                    and not self._switched_off:
                now = _gettrace()  # the program set its own tracer
                self.replaced_by = now if now is not None else "None"
            if code.co_flags & 0x2A0:
                self._started.pop(id(frame), None)
            if op in _RETURN_OPS:
                rec.on_return("return", code, lasti, arg)
            else:
                rec.on_unwind(code, None)
        elif event == "exception":
            rec.on_raise(frame.f_code, arg[1])  # type: ignore[index]
        return self._tracer

    def _count(self, frame: FrameType, event: str, arg: object) -> object:
        """After a limit: count lines exactly up to COUNT_AFTER_STOP, then switch tracing off."""
        if event == "line":
            b = self.rec.builder
            b.dropped_steps += 1
            if b.dropped_steps >= COUNT_AFTER_STOP and self._installed:
                # Stop counting too: no trace function at all, the program runs at plain speed.
                b.meta["dropped_steps_exact"] = False
                if sys.gettrace() is self._global_fn:  # never the program's own tracer
                    sys.settrace(None)
                    self._switched_off = True
                return None
        return self._count
