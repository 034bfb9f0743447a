"""TraceBuilder: the append-only, columnar store that a recording (or an importer) fills.

Nothing here allocates an object per step: a step is two ints appended to two arrays, a
variable change is one int, one interned name and one enc appended to three columns. `freeze`
wraps the columns in an immutable `Trace` without copying them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

from .heap import Heap
from .records import FunctionInfo, Outcome
from .trace import Trace

__all__ = ["FunctionInfo", "Outcome", "TraceBuilder"]  # the record types, re-exported


class TraceBuilder:
    """Columns of a trace under construction; see `model.trace.Trace` for their meaning."""

    def __init__(self) -> None:
        # interning tables
        self.paths: list[str] = []
        self.path_ids: dict[str, int] = {}
        self.sources: dict[str, str] = {}
        self.path_labels: dict[str, str] = {}
        self.functions: list[FunctionInfo] = []
        # frames ("activations": one per call or generator resume). Recording appends one row
        # per frame start and one entry per frame end; the columns (frame_func, frame_parent,
        # frame_depth, frame_call_step, frame_first_step, frame_end_step, frame_kind,
        # frame_end_kind, frame_result, frame_pyid) are built from them on first read.
        self.frame_rows: list[tuple[int, int, int, int, str, int]] = []
        self.frame_ends: dict[int, tuple[int, str, object]] = {}
        self.frame_first: dict[int, int] = {}
        self._frame_cols: dict[str, object] | None = None
        self._frame_cols_key: tuple[int, int, int] = (-1, -1, -1)
        self._frame_cols_final: dict[str, object] | None = None
        # steps
        self.step_line = array("l")
        self.step_frame = array("l")
        # variable changes
        self.ch_step = array("l")
        self.ch_frame = array("l")
        self.ch_name: list[str] = []
        self.ch_val: list[object] = []
        # heap objects
        self.heap = Heap()
        # exceptions: kind is raise | unwind | caught
        self.exc_step = array("l")
        self.exc_frame = array("l")
        self.exc_kind: list[str] = []
        self.exc_type: list[str] = []
        self.exc_msg: list[str] = []
        # captured IO
        self.io_step = array("l")
        self.io_stream: list[str] = []
        self.io_text: list[str] = []
        self.io_flags: list[str] = []
        # run facts
        self.dropped_steps = 0
        self.stop_reason: str | None = None
        self.outcome: Outcome | None = None
        self.failure: str | None = None
        self.io_dropped: dict[str, int] = {}
        self.meta: dict[str, object] = {}

    # -- interning ------------------------------------------------------------------------
    def add_path(self, path: str, source: str | None = None, label: str | None = None) -> int:
        """Return the id of ``path``, registering it (and its source text) the first time."""
        pid = self.path_ids.get(path)
        if pid is None:
            pid = len(self.paths)
            self.paths.append(path)
            self.path_ids[path] = pid
        if source is not None and path not in self.sources:
            self.sources[path] = source
        if label is not None:
            self.path_labels[path] = label
        return pid

    def add_function(self, info: FunctionInfo) -> int:
        """Register a function and return its id (one id per code object the caller sees)."""
        self.functions.append(info)
        return len(self.functions) - 1

    # -- events ---------------------------------------------------------------------------
    def add_frame(self, func_id: int, parent: int, kind: str = "call", pyid: int = 0) -> int:
        """Open a frame (a call or a resume) under ``parent`` (-1 for a root) and return its id."""
        rows = self.frame_rows
        depth = rows[parent][2] + 1 if parent >= 0 else 0
        rows.append((func_id, parent, depth, len(self.step_line) - 1, kind, pyid))
        return len(rows) - 1

    def end_frame(self, frame: int, end_kind: str, result: object = None) -> None:
        """Close ``frame``: ``return``, ``yield`` or ``exception``, with the returned/yielded enc."""
        self.frame_ends[frame] = (len(self.step_line) - 1, end_kind, result)

    def add_step(self, frame: int, line: int) -> int:
        """Append a step in ``frame`` at ``line`` and return its index."""
        step = len(self.step_line)
        self.step_line.append(line)
        self.step_frame.append(frame)
        if frame not in self.frame_first:
            self.frame_first[frame] = step
        return step

    def _frame_columns(self) -> dict[str, object]:
        if self._frame_cols_final is not None:
            return self._frame_cols_final
        key = (len(self.frame_rows), len(self.frame_ends), len(self.frame_first))
        if self._frame_cols is not None and key == self._frame_cols_key:
            return self._frame_cols
        rows = self.frame_rows
        ends = self.frame_ends
        first = self.frame_first
        n = len(rows)
        end_step = array("l", [-1]) * n
        end_kind: list[str | None] = [None] * n
        result: list[object] = [None] * n
        for fid, (st, kind, res) in ends.items():
            end_step[fid] = st
            end_kind[fid] = kind
            result[fid] = res
        first_step = array("l", [-1]) * n
        for fid, st in first.items():
            first_step[fid] = st
        cols: dict[str, object] = {  # one comprehension per column beats zip(*rows) here
            "frame_func": array("l", [r[0] for r in rows]),
            "frame_parent": array("l", [r[1] for r in rows]),
            "frame_depth": array("l", [r[2] for r in rows]),
            "frame_call_step": array("l", [r[3] for r in rows]),
            "frame_kind": [r[4] for r in rows],
            "frame_pyid": array("q", [r[5] for r in rows]),
            "frame_first_step": first_step,
            "frame_end_step": end_step,
            "frame_end_kind": end_kind,
            "frame_result": result,
        }
        self._frame_cols = cols
        self._frame_cols_key = key
        return cols

    frame_func = property(lambda self: self._frame_columns()["frame_func"])
    frame_parent = property(lambda self: self._frame_columns()["frame_parent"])
    frame_depth = property(lambda self: self._frame_columns()["frame_depth"])
    frame_call_step = property(lambda self: self._frame_columns()["frame_call_step"])
    frame_first_step = property(lambda self: self._frame_columns()["frame_first_step"])
    frame_end_step = property(lambda self: self._frame_columns()["frame_end_step"])
    frame_kind = property(lambda self: self._frame_columns()["frame_kind"])
    frame_end_kind = property(lambda self: self._frame_columns()["frame_end_kind"])
    frame_result = property(lambda self: self._frame_columns()["frame_result"])
    frame_pyid = property(lambda self: self._frame_columns()["frame_pyid"])

    def add_change(self, step: int, frame: int, name: str, enc: object) -> None:
        """Record that variable ``name`` of ``frame`` holds ``enc`` from ``step`` on."""
        self.ch_step.append(step)
        self.ch_frame.append(frame)
        self.ch_name.append(name)
        self.ch_val.append(enc)

    def add_exception(self, step: int, frame: int, kind: str, type_name: str, msg: str) -> None:
        """Record an exception event (``raise``, ``unwind`` or ``caught``) at ``step``."""
        self.exc_step.append(step)
        self.exc_frame.append(frame)
        self.exc_kind.append(kind)
        self.exc_type.append(type_name)
        self.exc_msg.append(msg)

    def add_io(self, step: int, stream: str, text: str, flags: str = "") -> None:
        """Record a chunk of ``stream`` (stdout, stderr, stdin) written or read at ``step``."""
        self.io_step.append(step)
        self.io_stream.append(stream)
        self.io_text.append(text)
        self.io_flags.append(flags)

    @property
    def step_count(self) -> int:
        """Steps recorded so far."""
        return len(self.step_line)

    def copy_so_far(self, running: Iterable[int] = ()) -> TraceBuilder:
        """Return an independent copy of what was recorded so far, for a trace of it.

        The frames in ``running`` (still executing) end at the last step with end kind
        ``truncated``, as in a recording stopped there; this builder is not changed and
        recording into it goes on.
        """
        new = TraceBuilder.__new__(TraceBuilder)
        for name, value in vars(self).items():
            if isinstance(value, array):
                value = array(value.typecode, value)
            elif isinstance(value, (list, dict)):
                value = type(value)(value)
            elif isinstance(value, Heap):
                value = value.copy()
            setattr(new, name, value)
        new._frame_cols = None
        new._frame_cols_key = (-1, -1, -1)
        new._frame_cols_final = None
        for frame in running:
            if frame not in new.frame_ends:
                new.end_frame(frame, "truncated", None)
        return new

    def freeze(self) -> Trace:
        """Return the immutable `Trace` over these columns; the builder must not be used after."""
        # Keep only the compact columns: the per-frame rows and dicts cost several times more.
        self._frame_cols_final = self._frame_columns()
        self.frame_rows = []
        self.frame_ends = {}
        self.frame_first = {}
        return Trace._from_builder(self)
