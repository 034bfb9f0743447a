"""Versioned storage of heap objects: each object keeps only the versions where it changed.

An object's snapshot is shallow: its children are encs (atoms or `Ref`s to other objects), so
an object that two names share, or that contains itself, is stored once. Big lists and dicts
store a full snapshot every `KEYFRAME` versions and small deltas in between, so memory grows
with what changed, not with the size of the object times the steps.

Snapshot forms, by kind:

* sequence kinds (list, tuple, set, frozenset, deque): full ``(length, items)``;
  list delta ``[length, i, enc, i, enc, …]``;
* ``dict``: full ``(length, keys, values)``; delta ``[length, key, enc, key, enc, …]`` where
  ``enc`` is `UNBOUND` for a removed key and new keys append in order;
* ``object``: ``(label, names, values)`` where label is None, a str or an `Err`; delta
  ``[label, name, enc, …]`` for attributes set or added (only for instances without a label);
* ``bytearray``: ``(length, head_bytes)``; ``repr``: ``(text,)``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

from .encoded import UNBOUND

KEYFRAME = 48


class Heap:
    """Object metadata and versions, indexed by object id (oid)."""

    __slots__ = ("kinds", "type_names", "vsteps", "vsnaps", "_cache")

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.type_names: list[str] = []
        self.vsteps: list[array[int] | None] = []
        self.vsnaps: list[list[object] | None] = []
        self._cache: dict[tuple[int, int], tuple[object, ...]] = {}

    def __len__(self) -> int:
        return len(self.kinds)

    def copy(self) -> Heap:
        """Return an independent copy (later versions added here do not reach it)."""
        new = Heap()
        new.kinds = list(self.kinds)
        new.type_names = list(self.type_names)
        new.vsteps = [None if s is None else array(s.typecode, s) for s in self.vsteps]
        new.vsnaps = [None if s is None else list(s) for s in self.vsnaps]
        return new

    def new_object(self, kind: str, type_name: str) -> int:
        """Register an object and return its oid (no version yet)."""
        self.kinds.append(kind)
        self.type_names.append(type_name)
        self.vsteps.append(None)
        self.vsnaps.append(None)
        return len(self.kinds) - 1

    def add_version(self, oid: int, step: int, snap: object) -> None:
        """Record that object ``oid`` looked like ``snap`` from ``step`` on.

        ``snap`` is a full snapshot (tuple) or a delta (list) against the previous version;
        the writer stores a full snapshot at least every `KEYFRAME` versions. Several versions
        may share a step: the last one is the state at that step.
        """
        steps = self.vsteps[oid]
        if steps is None:
            self.vsteps[oid] = array("q", (step,))
            self.vsnaps[oid] = [snap]
            return
        steps.append(step)
        self.vsnaps[oid].append(snap)  # type: ignore[union-attr]

    def versions_count(self, oid: int) -> int:
        """Return how many versions object ``oid`` has."""
        steps = self.vsteps[oid]
        return 0 if steps is None else len(steps)

    def version_steps(self, oid: int) -> list[int]:
        """Return the steps at which object ``oid`` got a new version."""
        steps = self.vsteps[oid]
        return [] if steps is None else list(steps)

    def snapshot_at(self, oid: int, step: int) -> tuple[object, ...] | None:
        """Return the full snapshot of ``oid`` as it was at ``step`` (None if not yet captured)."""
        steps = self.vsteps[oid]
        if steps is None:
            return None
        idx = bisect_right(steps, step) - 1
        if idx < 0:
            return None
        return self.full_version(oid, idx)

    def full_version(self, oid: int, idx: int) -> tuple[object, ...]:
        """Return version ``idx`` of ``oid`` as a full snapshot (deltas applied)."""
        snaps = self.vsnaps[oid]
        assert snaps is not None
        snap = snaps[idx]
        if isinstance(snap, tuple):
            return snap
        key = (oid, idx)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        base = idx - 1
        while not isinstance(snaps[base], tuple) and (oid, base) not in self._cache:
            base -= 1
        full = self._cache.get((oid, base)) or snaps[base]
        kind = self.kinds[oid]
        for i in range(base + 1, idx + 1):
            full = apply_delta(kind, full, snaps[i])  # type: ignore[arg-type]
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = full  # type: ignore[assignment]
        return full  # type: ignore[return-value]


def apply_delta(kind: str, base: tuple[object, ...], delta: list[object]) -> tuple[object, ...]:
    """Apply a list or dict delta to a full snapshot."""
    length = delta[0]
    if kind == "object":  # [label, name, enc, …]: attributes set or added
        label, names, values = base
        table = dict(zip(names, values))  # type: ignore[call-overload]
        for i in range(1, len(delta), 2):
            table[delta[i]] = delta[i + 1]
        return (length, tuple(table), tuple(table.values()))
    if kind == "dict":
        _, keys, values = base
        table = dict(zip(keys, values))  # type: ignore[call-overload]
        for i in range(1, len(delta), 2):
            key, enc = delta[i], delta[i + 1]
            if enc is UNBOUND:
                table.pop(key, None)
            else:
                table[key] = enc
        return (length, tuple(table), tuple(table.values()))
    _, items = base
    out = list(items)  # type: ignore[call-overload]
    kept = len(out)
    for i in range(1, len(delta), 2):
        idx = delta[i]
        assert isinstance(idx, int)
        if idx < kept:
            out[idx] = delta[i + 1]
        elif idx == len(out):
            out.append(delta[i + 1])
    cap = min(int(length), max(kept, len(out)))  # type: ignore[call-overload]
    return (length, tuple(out[:cap]))


def changed_items(kind: str, old: tuple[object, ...] | None,
                  new: tuple[object, ...]) -> set[object]:
    """Return what differs from version ``old`` to ``new`` of an object of ``kind``.

    Items are list/tuple/set indexes, dict entry indexes, or attribute names for instances;
    with no ``old`` version every item is new. ``repr`` and ``bytearray`` snapshots have none.
    """
    out: set[object] = set()
    if kind in ("dict", "object"):
        before = dict(zip(old[1], old[2])) if old else {}  # type: ignore[call-overload]
        for i, (key, val) in enumerate(zip(new[1], new[2])):  # type: ignore[call-overload]
            if key not in before or not _same_enc(before[key], val):
                out.add(key if kind == "object" else i)
    elif kind not in ("repr", "bytearray"):
        prev: tuple[object, ...] = old[1] if old else ()  # type: ignore[assignment]
        for i, val in enumerate(new[1]):  # type: ignore[arg-type]
            if i >= len(prev) or not _same_enc(prev[i], val):
                out.add(i)
    return out


def _same_enc(a: object, b: object) -> bool:
    """True when two encoded values are the same (an odd ``__eq__`` counts as a change)."""
    if a is b:
        return True
    if a.__class__ is not b.__class__:
        return False
    try:
        return bool(a == b)
    except Exception:
        return False
