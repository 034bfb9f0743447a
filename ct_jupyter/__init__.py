"""ct_jupyter: record what Python code does, step by step, and walk through it.

``%load_ext ct_jupyter`` registers the ``%%codetrace`` cell magic. The recorder itself
(`record`, `recording`, `Trace`) needs no IPython.
"""

from __future__ import annotations

import os
import pathlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import last_trace, record, recording
    from .errors import CodetraceError, CodetraceWarning
    from .model import Trace, Value
    from .options import TraceOptions
    from .widget import TraceWidget

__all__ = [
    "CodetraceError",
    "CodetraceWarning",
    "EnvironmentError",
    "InternalError",
    "RecorderError",
    "TargetError",
    "Trace",
    "TraceOptions",
    "TraceSession",
    "TraceWidget",
    "UsageError",
    "Value",
    "__version__",
    "auto_start_from_env",
    "configure_policy",
    "export",
    "flush",
    "focus",
    "is_tracing",
    "last_trace",
    "load",
    "load_ipython_extension",
    "policy_snapshot",
    "record",
    "recording",
    "start",
    "stop",
    "trace",
    "unload_ipython_extension",
]

_LAZY = {
    "record": ("api", "record"),
    "recording": ("api", "recording"),
    "last_trace": ("api", "last_trace"),
    "Trace": ("model", "Trace"),
    "Value": ("model", "Value"),
    "TraceOptions": ("options", "TraceOptions"),
    "TraceWidget": ("widget", "TraceWidget"),
    "CodetraceError": ("errors", "CodetraceError"),
    "CodetraceWarning": ("errors", "CodetraceWarning"),
    "focus": ("gating", "focus"),
    "start": ("tracing", "start"),
    "auto_start_from_env": ("tracing", "auto_start_from_env"),
    "stop": ("tracing", "stop"),
    "is_tracing": ("tracing", "is_tracing"),
    "flush": ("tracing", "flush"),
    "trace": ("tracing", "trace"),
    "TraceSession": ("tracing", "TraceSession"),
    "configure_policy": ("policy", "configure_policy"),
    "policy_snapshot": ("policy", "policy_snapshot"),
    "RecorderError": ("errors", "RecorderError"),
    "UsageError": ("errors", "UsageError"),
    "EnvironmentError": ("errors", "EnvironmentError_"),
    "TargetError": ("errors", "TargetError"),
    "InternalError": ("errors", "InternalError"),
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import ct_jupyter`` stays light."""
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'ct_jupyter' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{target[0]}", __name__)
    return getattr(module, target[1])


def export(trace: Trace, path: str | os.PathLike[str], *, overwrite: bool = False,
           exit_code: int | None = None) -> pathlib.Path:
    """Write ``trace`` as a CodeTracer JSON trace folder at ``path`` and return the folder's path.

    See `ct_jupyter.codetracer.export` for what may be replaced and how the write stays atomic.
    """
    from .codetracer import export as _export

    return _export(trace, path, overwrite=overwrite, exit_code=exit_code)


def load(path: str | os.PathLike[str]) -> Trace:
    """Read a CodeTracer JSON trace folder (or its ``trace.json``) into a `Trace`."""
    from .codetracer import load as _load

    return _load(path)


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%codetrace`` (called by ``%load_ext ct_jupyter``)."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove ``%%codetrace`` (called by ``%unload_ext ct_jupyter``)."""
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)
