"""The recorder's own diagnostics: JSON lines through the standard `logging` module.

Every record of the ``ct_jupyter`` logger can be written as one JSON object per line with
``ts_micros``, ``level``, ``target`` (the logger name), ``run_id`` (one per process),
``trace_id`` (one per recording, null outside one), ``message`` and, when set,
``error_code``. Nothing is installed on import: the package logger has a `NullHandler`, so a
notebook shows nothing extra. `configure_logging` (driven by the policy fields ``log_level``
and ``log_file``) installs the JSON handler on stderr or a file; the command line installs it
at ``warning`` by default, as the CodeTracer recorder does. Because it is plain `logging`,
notebook users may also attach their own handlers to ``logging.getLogger("ct_jupyter")``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid

LOGGER_NAME = "ct_jupyter"
logger = logging.getLogger(LOGGER_NAME)
logger.addHandler(logging.NullHandler())

_RUN_ID = str(uuid.uuid4())
_trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("ct_trace_id", default=None)
_handler: logging.Handler | None = None

LEVELS = {"trace": 5, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
          "warning": logging.WARNING, "error": logging.ERROR, "off": logging.CRITICAL + 10,
          "critical": logging.CRITICAL}


def run_id() -> str:
    """Return this process's run id (a UUID4 made once per process)."""
    return _RUN_ID


def current_trace_id() -> str | None:
    """Return the id of the recording running in this context, or None."""
    return _trace_id.get()


def new_trace_id() -> contextvars.Token[str | None]:
    """Start a new trace id for a recording; pass the token to `end_trace_id` when it ends."""
    return _trace_id.set(str(uuid.uuid4()))


def end_trace_id(token: contextvars.Token[str | None]) -> None:
    """Restore the trace id that was current before `new_trace_id`."""
    _trace_id.reset(token)


def parse_level(spec: str) -> int:
    """Return the logging level of a CodeTracer-style spec (``info``, ``target=debug,…``).

    In a ``target=level`` list, the entry for ``ct_jupyter`` or ``codetracer_python_recorder``
    wins, else the last bare level; raises ValueError for an unknown level.
    """
    chosen: str | None = None
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        target, sep, level = part.rpartition("=")
        level = level.strip().lower()
        if level not in LEVELS:
            raise ValueError(f"unknown log level {level!r}")
        if not sep or target.strip() in (LOGGER_NAME, "codetracer_python_recorder"):
            chosen = level
    if chosen is None:
        raise ValueError(f"no level for ct_jupyter in {spec!r}")
    return LEVELS[chosen]


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one JSON object (keys sorted) with the run and trace ids."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line for ``record``."""
        out: dict[str, object] = {
            "ts_micros": int(record.created * 1_000_000),
            "level": record.levelname.lower(),
            "target": record.name,
            "run_id": _RUN_ID,
            "trace_id": getattr(record, "trace_id", None) or _trace_id.get(),
            "message": record.getMessage(),
        }
        code = getattr(record, "error_code", None)
        if code:
            out["error_code"] = code
        fields = getattr(record, "fields", None)
        if fields:
            out["fields"] = fields
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, sort_keys=True, ensure_ascii=False, default=str)


def configure_logging(level: str | None, log_file: str | None, *, default: str | None = None) -> None:
    """Install (or replace) the JSON-lines handler for ``level`` on stderr or ``log_file``.

    With neither ``level``, ``log_file`` nor ``default`` set, the handler is removed and the
    package logger stays silent.
    """
    global _handler
    if _handler is not None:
        logger.removeHandler(_handler)
        try:
            _handler.close()
        finally:
            _handler = None
    spec = level or (default if level is None else None)
    if spec is None and not log_file:
        logger.setLevel(logging.NOTSET)
        return
    numeric = parse_level(spec) if spec else logging.WARNING
    handler: logging.Handler
    if log_file:
        handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
    else:
        handler = _StderrHandler()
    handler.setFormatter(JsonLineFormatter())
    handler.setLevel(numeric)
    logger.setLevel(numeric)
    logger.addHandler(handler)
    _handler = handler


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the *current* ``sys.stderr`` (IO capture and tests may replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record`` to whatever ``sys.stderr`` is now."""
        self.stream = sys.__stderr__ if sys.stderr is None else sys.stderr
        super().emit(record)


def log_error(error: BaseException, message: str | None = None) -> None:
    """Log a `CodetraceError` (or any exception) at ERROR with its code."""
    code = getattr(error, "code", None)
    logger.error(message or str(error), extra={"error_code": code})


def now_micros() -> int:
    """Return the current time in microseconds (for log fields)."""
    return time.time_ns() // 1000


__all__ = ["JsonLineFormatter", "configure_logging", "current_trace_id", "end_trace_id",
           "log_error", "logger", "new_trace_id", "parse_level", "run_id"]
