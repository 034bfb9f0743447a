"""`TraceIndex`: byte images of a trace's step columns, so line and frame searches run at C speed.

Built once per trace on first use (`Trace.index`). Navigation (previous step in a frame, next or
previous step at a line) and per-line counts are answered here, for every view.
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter
from itertools import repeat

from .columns import TraceColumns

_LITTLE = array("q", [1]).tobytes()[0] == 1


class TraceIndex:
    """Search index over the step columns: (path, line) keys and frame ids, as bytes."""

    __slots__ = ("_cols", "counts", "first", "frame_bytes", "frame_path", "key_bytes", "n",
                 "shift")

    def __init__(self, cols: TraceColumns) -> None:
        self._cols = cols
        self.n = len(cols.step_line)
        fpath = [f.path_id for f in cols.functions]
        self.frame_path = [fpath[f] for f in cols.frame_func]
        npaths = max(1, len(cols.paths))
        self.shift = max(1, npaths - 1).bit_length()
        if npaths == 1:
            keys = array("q", map(operator.lshift, cols.step_line, repeat(self.shift)))
        else:
            pids = map(self.frame_path.__getitem__, cols.step_frame)
            keys = array("q", map(operator.or_, map(operator.lshift, cols.step_line,
                                                    repeat(self.shift)), pids))
        self.key_bytes = keys.tobytes()
        self.frame_bytes = array("q", cols.step_frame).tobytes()
        # first step at each (path, line); total executions of each
        self.first: dict[int, int] = dict(zip(reversed(keys), range(self.n - 1, -1, -1)))
        self.counts: Counter[int] = Counter(keys)

    def key(self, path_id: int, line: int) -> int:
        """Return the search key of ``line`` in path ``path_id``."""
        return (line << self.shift) | path_id

    def find(self, data: bytes, value: int, start: int, reverse: bool = False,
             stop: int | None = None) -> int:
        """Return the first index >= start (or last < start when reverse) holding ``value``."""
        pat = value.to_bytes(8, "little" if _LITTLE else "big", signed=True)
        if reverse:
            end = start * 8
            lo = 0 if stop is None else stop * 8
            while True:
                pos = data.rfind(pat, lo, end)
                if pos < 0:
                    return -1
                if pos % 8 == 0:
                    return pos // 8
                end = pos + 7
        pos = start * 8
        hi = len(data) if stop is None else stop * 8
        while True:
            pos = data.find(pat, pos, hi)
            if pos < 0:
                return -1
            if pos % 8 == 0:
                return pos // 8
            pos += 1

    def prev_in_frame(self, frame: int, before: int) -> int | None:
        """Return the last step < ``before`` that ``frame`` ran, or None."""
        hit = self.find(self.frame_bytes, frame, min(before, self.n), reverse=True)
        return hit if hit >= 0 else None

    def line_step(self, path_id: int, line: int, pos: int, backward: bool = False) -> int | None:
        """Return the next step after ``pos`` (or the last before it) at ``line`` of ``path_id``."""
        key = self.key(path_id, line)
        if backward:
            hit = self.find(self.key_bytes, key, min(pos, self.n), reverse=True)
        else:
            hit = self.find(self.key_bytes, key, pos + 1) if pos + 1 < self.n else -1
        return hit if hit >= 0 else None

    def line_facts(self, path_id: int) -> tuple[dict[int, int], dict[int, int]]:
        """Return ``({line: first step}, {line: times run})`` for path ``path_id``."""
        mask = (1 << self.shift) - 1
        first: dict[int, int] = {}
        counts: dict[int, int] = {}
        for key, step in self.first.items():
            if key & mask == path_id:
                first[key >> self.shift] = step
                counts[key >> self.shift] = self.counts[key]
        return first, counts
