"""Record a running program from `start` to `stop` into a CodeTracer trace folder.

The CodeTracer recorder's session API, on ct_jupyter's recorder::

    session = ct_jupyter.start("trace-out")     # or: with ct_jupyter.trace("trace-out"): ...
    main()
    ct_jupyter.stop(exit_code=0)               # writes trace-out/

Recording starts in the frame that called `start` (it becomes the root frame) and covers
everything it calls afterwards. Frames that were already running are never given a return
they were not called for, so calls and returns always balance (the 0.3.0 recorder writes a
malformed trace there). Settings come from the policy layer (`ct_jupyter.policy`): defaults,
environment, `configure_policy`, then ``policy=`` and keyword options of this call.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from types import FrameType, TracebackType

from .errors import AlreadyTracing, CodetraceError, InternalError, TargetError, UsageError
from .model.trace import Trace
from .policy import Policy, resolve

FORMATS = ("json",)
DEFAULT_FORMAT = "json"
TRACE_JSON = "json"

_lock = threading.Lock()
_current: TraceSession | None = None


class TraceSession:
    """A recording in progress (from `start`); ``stop()`` ends it and writes the trace folder."""

    def __init__(self, path: str, fmt: str, policy: Policy, frame: FrameType) -> None:
        from . import api
        from .logs import logger, new_trace_id

        self.path = path
        self.format = fmt
        self.policy = policy
        self.trace: Trace | None = None
        self._token = new_trace_id()
        program = frame.f_code.co_filename
        self._session = api._Session(policy.options(), {program}, None, None,
                                     {"program": program, "args": list(sys.argv[1:]),
                                      "workdir": os.getcwd()})
        self._session.start()
        try:
            api._adopt(self._session, frame)
        except BaseException:
            self._session.finish(None, None)
            raise
        logger.info("recording started into %s", path)

    @property
    def counters(self) -> dict[str, object]:
        """The counters of the finished recording (empty while it runs)."""
        return self.trace.counters if self.trace is not None else {}

    def flush(self) -> None:
        """Write the trace recorded so far to the folder now; recording goes on.

        The folder then holds a complete, valid trace that ends at the current step (frames
        still running end there, the exit status reads ``<running>``); `stop` replaces it
        with the whole recording.
        """
        with _lock:
            if _current is not self:
                return
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed stream must not break the program
                pass
        from . import export

        export(self._session.snapshot(), self.path, overwrite=True)

    def stop(self, exit_code: int | None = None) -> Trace | None:
        """End the recording, write the trace folder and return the `Trace` (idempotent)."""
        global _current
        with _lock:
            if _current is not self:
                return self.trace
            _current = None
        from . import export
        from .logs import end_trace_id, log_error

        try:
            trace = self._session.finish(None, None)
            self.trace = trace
            policy = self.policy
            try:
                if policy.require_trace and len(trace) == 0:
                    raise UsageError("recorder policy requires a trace but no events were recorded",
                                     code="ERR_TRACE_MISSING", context={"path": self.path})
                failed = trace.stop_reason == "failure"
                if failed and policy.on_recorder_error == "abort":
                    if policy.keep_partial_trace:
                        export(trace, self.path, overwrite=True, exit_code=exit_code)
                    raise InternalError(f"the recorder failed: {trace.failure}",
                                        code="ERR_TRACE_INCOMPLETE", context={"path": self.path})
                if not failed or policy.keep_partial_trace:
                    export(trace, self.path, overwrite=True, exit_code=exit_code)
            except CodetraceError as exc:
                log_error(exc)
                if policy.json_errors:
                    _trailer(exc)
                raise
            return trace
        finally:
            end_trace_id(self._token)

    def __enter__(self) -> TraceSession:  # noqa: PYI034 - subclasses are not expected
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _trailer(exc: CodetraceError) -> None:
    import json

    print(json.dumps(exc.to_json(), sort_keys=True, ensure_ascii=False), file=sys.stderr)


def _start(path: str | os.PathLike[str], fmt: str, trace_filter: object, policy: object,
           apply_env_policy: bool, options: dict[str, object], frame: FrameType) -> TraceSession:
    global _current
    if fmt not in FORMATS:
        raise UsageError(f"unsupported trace format {fmt!r}; ct_jupyter writes json",
                         code="ERR_UNSUPPORTED_FORMAT", context={"format": fmt})
    target = os.path.abspath(os.fspath(path))
    if os.path.exists(target) and not os.path.isdir(target):
        raise UsageError("the trace path exists and is not a folder",
                         code="ERR_TRACE_DIR_CONFLICT", context={"path": target})
    if policy is not None and not isinstance(policy, dict):
        raise UsageError("policy must be a dict of configure_policy fields",
                         code="ERR_INVALID_POLICY_VALUE", context={"field": "policy",
                                                                   "source": "start(policy=…)"})
    layers: list[tuple[str, dict[str, object]]] = []
    if policy:
        layers.append(("start(policy=…)", dict(policy)))  # type: ignore[arg-type]
    run = dict(options)
    if trace_filter is not None:
        run["trace_filter"] = trace_filter
    if run:
        layers.append(("start() arguments", run))
    resolved = resolve(*layers, environ={} if not apply_env_policy else None)
    if resolved.log_level or resolved.log_file:
        from .logs import configure_logging

        configure_logging(resolved.log_level, resolved.log_file)
    with _lock:
        if _current is not None:
            raise AlreadyTracing("tracing already active", context={"path": _current.path})
        _current = session = object.__new__(TraceSession)
    try:
        session.__init__(target, fmt, resolved, frame)  # type: ignore[misc]
    except BaseException:
        with _lock:
            _current = None
        raise
    return session


def start(path: str | os.PathLike[str], *, format: str = DEFAULT_FORMAT,
          trace_filter: object = None, policy: dict[str, object] | None = None,
          apply_env_policy: bool = True, **options: object) -> TraceSession:
    """Start recording the calling frame and what it calls; the folder is written at `stop`.

    ``trace_filter`` is a path, a list of paths or an ``"a.toml::b.toml"`` string; ``policy``
    a dict of `configure_policy` fields for this recording; other keywords are `TraceOptions`
    fields (``max_steps=…``, ``functions=[…]``).
    """
    return _start(path, format, trace_filter, policy, apply_env_policy, options,
                  sys._getframe(1))


def auto_start_from_env() -> TraceSession | None:
    """Start recording the caller into ``$CODETRACER_TRACE`` if set; it is stopped at exit.

    The CodeTracer recorder's name and variables (``CODETRACER_TRACE``, ``CODETRACER_FORMAT``,
    ``CODETRACER_TRACE_FILTER``); unlike it, an ``atexit`` hook stops the recording, so the
    folder is written. Nothing starts on import: a notebook kernel is never traced by surprise.
    Returns None when the variable is unset or a recording is already running.
    """
    path = os.environ.get("CODETRACER_TRACE", "").strip()
    if not path or _current is not None:
        return None
    fmt = os.environ.get("CODETRACER_FORMAT", "").strip().lower() or DEFAULT_FORMAT
    session = _start(path, fmt, None, None, True, {}, sys._getframe(1))
    atexit.register(_stop_at_exit, session)
    return session


def _stop_at_exit(session: TraceSession) -> None:
    if _current is session:
        try:
            session.stop()
        except CodetraceError as exc:  # already logged (and trailed) by stop()
            print(f"ct_jupyter: {exc}", file=sys.stderr)


def stop(exit_code: int | None = None) -> Trace | None:
    """Stop the running recording and write its folder (no-op when not tracing)."""
    session = _current
    return None if session is None else session.stop(exit_code)


def is_tracing() -> bool:
    """Return True while a `start`-ed recording is running."""
    return _current is not None


def flush() -> None:
    """Push captured output of the running recording through (no-op when not tracing)."""
    if _current is not None:
        _current.flush()


class trace:
    """``with ct_jupyter.trace(path, …) as session:`` records the block (see `start`)."""

    def __init__(self, path: str | os.PathLike[str], *, format: str = DEFAULT_FORMAT,
                 trace_filter: object = None, policy: dict[str, object] | None = None,
                 apply_env_policy: bool = True, **options: object) -> None:
        self._args = (path, format, trace_filter, policy, apply_env_policy, options)
        self.session: TraceSession | None = None

    def __enter__(self) -> TraceSession:
        self.session = _start(*self._args, frame=sys._getframe(1))
        return self.session

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.session is not None:
            self.session.stop()


__all__ = ["DEFAULT_FORMAT", "FORMATS", "TRACE_JSON", "TargetError", "TraceSession",
           "auto_start_from_env", "flush", "is_tracing", "start", "stop", "trace"]
