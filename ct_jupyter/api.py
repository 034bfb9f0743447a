"""The Python API: `record`, `recording` and `run_recorded`. No IPython needed."""

from __future__ import annotations

import copy
import itertools
import linecache
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from ._version import __version__
from .core import recorder as _recorder_module
from .core.backend import select_backend
from .core.filters import CodeFilter
from .core.recorder import Recorder
from .core.recursion_limit import frame_depth, shifted_recursion_limit
from .errors import AlreadyTracing, CodetraceWarning, UsageError
from .gating import install as install_gate
from .model.builder import TraceBuilder
from .model.trace import Trace
from .options import TraceOptions
from .trace_filter import finish_counters, session_chain

_last_trace: Trace | None = None
_active = threading.local()
_source_counter = itertools.count(1)


@dataclass(frozen=True)
class RunResult:
    """What `run_recorded` returns: the trace, the body's value, and its exception (not raised)."""

    trace: Trace
    value: Any
    error: BaseException | None


def last_trace() -> Trace | None:
    """Return the most recent recording made in this process (None before the first)."""
    return _last_trace


def _set_last_trace(trace: Trace) -> None:
    global _last_trace
    _last_trace = trace


class _Session:
    """One recording in progress: builder, recorder, backend and IO capture, started and stopped once."""

    def __init__(self, options: TraceOptions, user_files: Iterable[str],
                 is_user_file: Callable[[str], bool] | None, labels: dict[str, str] | None,
                 meta: dict[str, object] | None) -> None:
        if getattr(_active, "session", None) is not None:
            raise AlreadyTracing("a recording is already running in this thread")
        self.options = options
        self.builder = TraceBuilder()
        self.filter = CodeFilter(user_files, is_user_file=is_user_file,
                                 include=options.include, exclude=options.exclude)
        self.chain = session_chain(options, self.filter, meta, user_files)  # may raise: nothing ran
        self.recorder = Recorder(self.builder, options, self.filter, labels)
        self.backend, reason = select_backend(options.backend, self.recorder)
        install_gate(self)
        self.builder.meta.update({
            "backend": self.backend.name, "backend_reason": reason,
            "python": sys.version.split()[0], "thread": threading.get_ident(),
            "thread_name": threading.current_thread().name, "recorder": "ct_jupyter",
            "recorder_version": __version__, "workdir": os.getcwd(),
            "max_steps": options.max_steps,
        })
        if meta:
            self.builder.meta.update(meta)
        self.capture: Any = None
        self._started = False

    def start(self) -> None:
        _active.session = self
        try:
            if self.options.io != "off":
                from .core.io_capture import IOCapture

                self.capture = IOCapture(self.options.io, self.builder, self.recorder.io_step)
                self.capture.start()
                self.recorder.snap.silence = self.capture.silenced
            self.backend.start()
            self._started = True
        except BaseException:
            self._teardown()
            raise

    def _teardown(self) -> None:
        try:
            self.backend.stop()
        finally:
            try:
                if self.capture is not None:
                    self.capture.stop()
            finally:
                _active.session = None

    def snapshot(self) -> Trace:
        """The trace recorded so far, as if recording stopped here; recording goes on."""
        builder = self.builder.copy_so_far(self.recorder.running_frames())
        builder.meta["io"] = self.options.io
        builder.meta["exit_label"] = "<running>"  # the program has not ended
        builder.meta["snapshot"] = True
        stats = copy.deepcopy(self.chain.stats)
        try:
            finish_counters(builder, self.chain)
        finally:
            self.chain.stats = stats  # the final trace counts each value once
        return builder.freeze()

    def finish(self, value: object, error: BaseException | None) -> Trace:
        self._teardown()
        self.recorder.finish(value, error)
        internal = self.recorder.internal_error
        if internal is not None and _recorder_module.fails_loud():
            _set_last_trace(self.builder.freeze())
            raise internal
        self.builder.meta["io"] = self.options.io
        finish_counters(self.builder, self.chain)
        trace = self.builder.freeze()
        _set_last_trace(trace)
        _warn_if_incomplete(trace)
        return trace


def _warn_if_incomplete(trace: Trace) -> None:
    count = f"{'at least ' if not trace.dropped_steps_exact else ''}{trace.dropped_steps}"
    if trace.stop_reason == "failure":
        warnings.warn(CodetraceWarning(
            f"recording stopped by an internal error ({trace.failure}); the trace is partial "
            f"and {count} later steps were not recorded", code="WARN_RECORDER_FAILED"),
            stacklevel=3)
    elif trace.stop_reason is not None:
        warnings.warn(CodetraceWarning(
            f"recording stopped at the {trace.stop_reason} limit; the program ran on and "
            f"{count} more steps were not recorded", code="WARN_TRUNCATED"),
            stacklevel=3)


def run_recorded(
    body: Callable[[], Any],
    *,
    options: TraceOptions | None = None,
    user_files: Iterable[str] = (),
    is_user_file: Callable[[str], bool] | None = None,
    labels: dict[str, str] | None = None,
    meta: dict[str, object] | None = None,
    continuations: Iterable[CodeType] = (),
    program_depth: int | None = None,
) -> RunResult:
    """Run ``body()`` once under recording and return the trace, its value and its exception.

    ``continuations``: code objects whose root frame continues the root frame before it (a
    cell's trailing expression continues the cell's body: one frame).
    ``program_depth``: how many Python frames deep the program's first frame (the one
    ``body`` runs: an ``exec``-ed module or a called function) would run unrecorded; the
    recursion limit is shifted by the difference while it runs (see `shifted_recursion_limit`).

    The body's exception (KeyboardInterrupt included) is returned, never raised: the caller
    decides whether to re-raise it. Recorder errors the user can cause (bad options, no
    backend) are raised before the body runs.
    """
    opts = options if options is not None else TraceOptions.build()
    session = _Session(opts, user_files, is_user_file, labels, meta)
    body_code = getattr(body, "__code__", None)
    if body_code is not None:
        session.recorder.exclude_code(body_code)  # the harness, not the program
    for code in continuations:
        session.recorder.continue_frame(code)
    session.start()
    value: Any = None
    error: BaseException | None = None
    # the program's first frame: body's, one below ours, then the one it runs
    offset = 0 if program_depth is None else frame_depth(sys._getframe()) + 2 - program_depth
    try:
        with shifted_recursion_limit(offset):
            value = body()
    except BaseException as exc:  # noqa: BLE001 - the caller re-raises
        error = exc
    trace = session.finish(value, error)
    return RunResult(trace, value, error)


def compile_source(source: str, filename: str | None = None) -> tuple[CodeType, str]:
    """Compile ``source`` under a filename whose text linecache can return; return both."""
    if filename is None:
        filename = f"<ct_jupyter-{next(_source_counter)}>"
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(source), None, lines, filename)
    return compile(source, filename, "exec", dont_inherit=True), filename


def record(
    target: str | Callable[..., Any],
    *args: Any,
    options: TraceOptions | None = None,
    namespace: dict[str, Any] | None = None,
    filename: str | None = None,
    **kwargs: Any,
) -> Trace:
    """Record a source string or a call and return its `Trace`.

    A source string runs once in ``namespace`` (default: a fresh ``__main__`` namespace);
    a callable is called as ``target(*args)``. Remaining keyword arguments are
    `TraceOptions` fields (``max_steps=…``, ``backend=…``). The program's own exception is
    recorded in ``trace.outcome`` rather than raised; KeyboardInterrupt is re-raised after
    recording stops (the trace is then available from `last_trace`).
    """
    opts = TraceOptions.build(options, **kwargs)
    depth = frame_depth(sys._getframe(1)) + 1  # as if the caller ran it itself
    if isinstance(target, str):
        code, fname = compile_source(target, filename)
        ns = namespace if namespace is not None else {"__name__": "__main__", "__builtins__": __builtins__}
        result = run_recorded(lambda: exec(code, ns), options=opts, user_files={fname},
                              meta={"program": fname}, program_depth=depth)
    elif callable(target):
        code_obj = getattr(target, "__code__", None)
        files = {code_obj.co_filename} if code_obj is not None else set()
        name = getattr(target, "__qualname__", repr(target))
        result = run_recorded(lambda: target(*args), options=opts, user_files=files,
                              meta={"program": name}, program_depth=depth)
    else:
        raise UsageError("record() takes a source string or a callable",
                         code="ERR_INVALID_TARGET", context={"type": type(target).__name__})
    if isinstance(result.error, KeyboardInterrupt):
        raise result.error
    return result.trace


class Recording:
    """The handle `recording()` yields; ``.trace`` is set when the block ends."""

    trace: Trace | None = None


@contextmanager
def recording(options: TraceOptions | None = None, **kwargs: Any) -> Iterator[Recording]:
    """Record the body of a ``with`` block (and what it calls); ``rec.trace`` is set on exit.

    Exceptions from the block propagate unchanged; the trace records them.
    """
    opts = TraceOptions.build(options, **kwargs)
    frame: FrameType = sys._getframe(2)  # the frame holding the with statement
    session = _Session(opts, {frame.f_code.co_filename}, None, None,
                       {"program": frame.f_code.co_filename})
    handle = Recording()
    session.start()
    try:
        _adopt(session, frame)
    except BaseException:
        session.finish(None, None)
        raise
    try:
        yield handle
    except BaseException as exc:
        handle.trace = session.finish(None, exc)
        raise
    handle.trace = session.finish(None, None)


def _adopt(session: _Session, frame: FrameType) -> None:
    """Make the already running ``frame`` the root frame of the recording."""
    rec = session.recorder
    info = rec.classify(frame.f_code, frame)
    if not info.is_user:
        session.filter.add_file(frame.f_code.co_filename)
        rec.infos.pop(id(frame.f_code), None)
        info = rec.classify(frame.f_code, frame)
    session.backend.adopt(frame)
    rec.on_start(info, frame, "call")
