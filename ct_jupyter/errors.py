"""Typed recorder errors with stable codes, and the warning class for soft failures.

The scheme follows the CodeTracer recorder's structured errors: every error carries a stable
``code`` (``ERR_…``), a ``kind`` (``Usage``, ``Environment``, ``Target``, ``Internal``) and a
``context`` dict of strings.
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
        self.context: dict[str, str] = {str(k): str(v) for k, v in (context or {}).items()}
        super().__init__(self._format())

    def _format(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.context:
            text += " (" + ", ".join(f"{k}={v}" for k, v in self.context.items()) + ")"
        return text

    def to_json(self) -> dict[str, object]:
        """Return the one-line JSON error trailer fields (CodeTracer's key names)."""
        return {
            "context": dict(self.context),
            "error_code": self.code,
            "error_kind": self.kind,
            "message": self.message,
        }


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


class TraceFormatError(CodetraceError):
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
    "TraceFormatError",
    "UsageError",
]
