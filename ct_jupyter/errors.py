"""Typed recorder errors with stable codes, and the warning class for soft failures.

The scheme follows the CodeTracer recorder's structured errors: every error carries a stable
``code`` (``ERR_…``), a ``kind`` (``Usage``, ``Environment``, ``Target``, ``Internal``) and a
``context`` dict of strings (``context_values`` keeps the original JSON types, which the
``--json-errors`` trailer uses).

The four kinds are classes under `CodetraceError`: `UsageError`, `EnvironmentError_`,
`TargetError` and `InternalError`. Code written against the CodeTracer recorder can use its
names: `RecorderError` is `CodetraceError`, and ``ct_jupyter.errors.EnvironmentError`` (a
module attribute only, so it never shadows the builtin inside our own modules) is
`EnvironmentError_`.
"""

from __future__ import annotations

from collections.abc import Mapping


class CodetraceError(Exception):
    """Root of every error ct_jupyter raises on purpose."""

    code: str = "ERR_UNKNOWN"
    kind: str = "Internal"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.message = message
        self.context_values: dict[str, object] = {
            str(k): _json_value(v) for k, v in (context or {}).items()}
        self.context: dict[str, str] = {k: _text(v) for k, v in self.context_values.items()}
        super().__init__(self._format())

    def _format(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.context:
            text += " (" + ", ".join(f"{k}={v}" for k, v in self.context.items()) + ")"
        return text

    def to_json(self, *, run_id: str | None = None, trace_id: str | None = None) -> dict[str, object]:
        """Return the one-line JSON error trailer fields (CodeTracer's key names and types)."""
        from .logs import current_trace_id
        from .logs import run_id as _run_id

        return {
            "context": dict(self.context_values),
            "error_code": self.code,
            "error_kind": self.kind,
            "message": self.message,
            "run_id": run_id if run_id is not None else _run_id(),
            "trace_id": trace_id if trace_id is not None else current_trace_id(),
        }


def _json_value(value: object) -> object:
    """Keep JSON-typed context values (str, int, float, bool, None, lists of them); else str."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, (list, tuple)) and all(
            v is None or type(v) in (str, int, float, bool) for v in value):
        return list(value)
    return str(value)


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class UsageError(CodetraceError):
    """A bad option, argument or call made by the user."""

    code = "ERR_INVALID_OPTION"
    kind = "Usage"


class EnvironmentError_(CodetraceError):
    """The machine refused something we need (a folder, a tool id, a file)."""

    code = "ERR_IO"
    kind = "Environment"


class BackendUnavailable(EnvironmentError_):
    """No tracing backend can run (no sys.monitoring tool id free, a tracer already installed)."""

    code = "ERR_BACKEND_UNAVAILABLE"


class AlreadyTracing(UsageError):
    """A recording is already running in this thread."""

    code = "ERR_ALREADY_TRACING"


class TargetError(CodetraceError):
    """The traced program raised, or refused inspection, so the trace is incomplete."""

    code = "ERR_TRACE_INCOMPLETE"
    kind = "Target"


class TraceFormatError(TargetError):
    """A trace file is malformed, truncated or not a trace."""

    code = "ERR_TRACE_FORMAT"
    kind = "Target"


class ExportError(EnvironmentError_):
    """A trace could not be written."""

    code = "ERR_EXPORT_FAILED"


class InternalError(CodetraceError):
    """A bug in the recorder itself."""

    code = "ERR_UNKNOWN"
    kind = "Internal"


class PolicyError(UsageError):
    """A bad policy value: the context names the field and where it came from."""

    code = "ERR_INVALID_POLICY_VALUE"


#: The CodeTracer recorder's name for the root class.
RecorderError = CodetraceError


class DependencyError(CodetraceError, ImportError):
    """An optional dependency is missing; the message names what to install."""

    code = "ERR_MISSING_DEPENDENCY"
    kind = "Environment"


class CodetraceWarning(UserWarning):
    """A soft failure or limit: the recording stopped early or lost detail."""

    def __init__(self, message: str, *, code: str = "WARN_GENERIC") -> None:
        self.code = code
        super().__init__(f"[{code}] {message}")


__all__ = [
    "AlreadyTracing",
    "BackendUnavailable",
    "CodetraceError",
    "CodetraceWarning",
    "DependencyError",
    "EnvironmentError_",
    "ExportError",
    "InternalError",
    "PolicyError",
    "RecorderError",
    "TargetError",
    "TraceFormatError",
    "UsageError",
]


def __getattr__(name: str) -> type[CodetraceError]:
    """Serve ``EnvironmentError`` (the CodeTracer name) without shadowing the builtin here."""
    if name == "EnvironmentError":
        return EnvironmentError_
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
