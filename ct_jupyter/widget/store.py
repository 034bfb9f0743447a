"""The kernel's recordings, kept within a memory budget so a long session does not grow forever.

Every displayed recording gets an id. Re-running a cell releases the recording its previous
run showed; past the budget the oldest recordings are released first (never the newest). A
released recording answers no more requests: its viewers keep working on the part saved in
the notebook and say so. Configure with `configure` or ``CT_JUPYTER_MEMORY_BUDGET`` (bytes).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import UsageError
from ..model import Trace

__all__ = ["STORE", "RecordingStore", "estimate_bytes"]

#: Default memory budget for all kept recordings together (bytes).
DEFAULT_BUDGET = int(os.environ.get("CT_JUPYTER_MEMORY_BUDGET") or 512 * 1024 * 1024)


def estimate_bytes(trace: Trace) -> int:
    """Return a rough size of ``trace`` in memory (steps, value changes, objects, sources)."""
    sources = sum(len(text) for text in trace.sources.values())
    return 64 * len(trace) + 160 * trace.change_count + 400 * trace.object_count + sources + 4096


@dataclass
class _Entry:
    trace: Trace
    size: int
    cell: str | None
    on_release: list[Callable[[], None]] = field(default_factory=list)


class RecordingStore:
    """Recordings by id, oldest first, released past ``budget`` bytes or when their cell re-runs."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._released: set[str] = set()
        self._lock = threading.Lock()

    def add(self, trace: Trace, cell: str | None = None) -> str:
        """Keep ``trace`` (releasing ``cell``'s previous recording and any over budget); return its id."""
        trace_id = uuid.uuid4().hex
        with self._lock:
            stale = [tid for tid, e in self._items.items() if cell is not None and e.cell == cell]
            self._items[trace_id] = _Entry(trace, estimate_bytes(trace), cell)
        for tid in stale:
            self.release(tid)
        self._enforce()
        return trace_id

    def on_release(self, trace_id: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` when recording ``trace_id`` is released (at once if it already is)."""
        with self._lock:
            entry = self._items.get(trace_id)
            if entry is not None:
                entry.on_release.append(callback)
                return
        callback()

    def get(self, trace_id: str) -> Trace | None:
        """Return the recording ``trace_id``, or None when it was released or never kept here."""
        with self._lock:
            entry = self._items.get(trace_id)
            return entry.trace if entry is not None else None

    def status(self, trace_id: str) -> str:
        """Return ``"kept"``, ``"released"`` or ``"unknown"`` (another kernel's recording)."""
        with self._lock:
            if trace_id in self._items:
                return "kept"
            return "released" if trace_id in self._released else "unknown"

    def release(self, trace_id: str) -> None:
        """Forget recording ``trace_id`` and tell its viewers."""
        with self._lock:
            entry = self._items.pop(trace_id, None)
            if entry is None:
                return
            self._released.add(trace_id)
        for callback in entry.on_release:
            callback()

    def set_budget(self, budget: int) -> None:
        """Change the memory budget (bytes) and release what no longer fits."""
        if not isinstance(budget, int) or budget <= 0:
            raise UsageError("the memory budget must be a positive number of bytes",
                             context={"got": budget})
        self.budget = budget
        self._enforce()

    def used(self) -> int:
        """Return the estimated bytes of all kept recordings."""
        with self._lock:
            return sum(e.size for e in self._items.values())

    def ids(self) -> list[str]:
        """Return the kept recordings' ids, oldest first."""
        with self._lock:
            return list(self._items)

    def _enforce(self) -> None:
        while True:
            with self._lock:
                if len(self._items) <= 1 or sum(e.size for e in self._items.values()) <= self.budget:
                    return
                oldest = next(iter(self._items))
            self.release(oldest)


#: The kernel's store (one per process).
STORE = RecordingStore()
