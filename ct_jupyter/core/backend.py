"""Choosing a backend: ``sys.monitoring`` where it exists and a tool id is free, else settrace."""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Protocol

from ..errors import BackendUnavailable, UsageError
from .recorder import Recorder


class Backend(Protocol):
    """What the API needs of a backend."""

    name: str

    def start(self) -> None:
        """Start delivering events to the recorder."""

    def stop(self) -> None:
        """Stop delivering events and restore global state (idempotent)."""

    def adopt(self, frame: FrameType) -> None:
        """Deliver line events of ``frame``, already running (a ``with recording()`` body)."""


HAS_SYSMON = hasattr(sys, "monitoring")


def select_backend(choice: str, recorder: Recorder) -> tuple[Backend, str]:
    """Return ``(backend, reason)`` for ``choice`` (``auto``, ``sysmon`` or ``settrace``).

    ``CT_JUPYTER_BACKEND`` in the environment overrides ``auto``.
    """
    if choice == "auto":
        choice = os.environ.get("CT_JUPYTER_BACKEND", "auto") or "auto"
        if choice not in ("auto", "sysmon", "settrace"):
            raise UsageError("CT_JUPYTER_BACKEND must be sysmon or settrace",
                             context={"CT_JUPYTER_BACKEND": choice})
    if choice == "settrace":
        from .settrace import SetTraceBackend

        return SetTraceBackend(recorder), "settrace requested"
    if not HAS_SYSMON:
        if choice == "sysmon":
            raise BackendUnavailable("sys.monitoring needs Python 3.12 or newer",
                                     context={"python": sys.version.split()[0]})
        from .settrace import SetTraceBackend

        return SetTraceBackend(recorder), "sys.monitoring needs Python 3.12+"
    from .sysmon import SysMonBackend, free_tool_id, tool_holders

    if free_tool_id() is None:
        if choice == "sysmon":
            raise BackendUnavailable(
                "no sys.monitoring tool id is free for ct_jupyter",
                context={"tool_ids": tool_holders()},
            )
        from .settrace import SetTraceBackend

        return SetTraceBackend(recorder), "no free sys.monitoring tool id"
    return SysMonBackend(recorder), "sys.monitoring"
