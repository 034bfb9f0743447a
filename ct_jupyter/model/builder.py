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
        # frames ("activations": one per call or generator resume), one column each; a frame
        # is appended when it starts (first step -1, not ended: end kind None) and its end
        # columns are set when it ends
        self.frame_func = array("l")
        self.frame_parent = array("l")
        self.frame_depth = array("l")
        self.frame_call_step = array("l")
        self.frame_kind: list[str] = []
        self.frame_pyid = array("q")
        self.frame_first_step = array("l")
        self.frame_end_step = array("l")
        self.frame_end_kind: list[str | None] = []
        self.frame_result: list[object] = []
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
        depth = self.frame_depth[parent] + 1 if parent >= 0 else 0
        return self.open_frame(func_id, parent, depth, len(self.step_line) - 1, kind, pyid)

    def open_frame(self, func_id: int, parent: int, depth: int, call_step: int, kind: str,
                   pyid: int) -> int:
        """Append a frame with every start column given; return its id (the recorder's form)."""
        fid = len(self.frame_func)
        self.frame_func.append(func_id)
        self.frame_parent.append(parent)
        self.frame_depth.append(depth)
        self.frame_call_step.append(call_step)
        self.frame_kind.append(kind)
        self.frame_pyid.append(pyid)
        self.frame_first_step.append(-1)
        self.frame_end_step.append(-1)
        self.frame_end_kind.append(None)
        self.frame_result.append(None)
        return fid

    def end_frame(self, frame: int, end_kind: str, result: object = None,
                  step: int | None = None) -> None:
        """Close ``frame``: ``return``, ``yield`` or ``exception``, with the returned/yielded enc.

        It ends at ``step`` (default: the last step recorded).
        """
        self.frame_end_step[frame] = len(self.step_line) - 1 if step is None else step
        self.frame_end_kind[frame] = end_kind
        self.frame_result[frame] = result

    def frame_ended(self, frame: int) -> bool:
        """True once ``frame`` has an end (`end_frame`)."""
        return self.frame_end_kind[frame] is not None

    def reopen_frame(self, frame: int) -> None:
        """Take back ``frame``'s end: it runs on (a cell's trailing expression continues it)."""
        self.frame_end_step[frame] = -1
        self.frame_end_kind[frame] = None
        self.frame_result[frame] = None

    def add_step(self, frame: int, line: int) -> int:
        """Append a step in ``frame`` at ``line`` and return its index."""
        step = len(self.step_line)
        self.step_line.append(line)
        self.step_frame.append(frame)
        if self.frame_first_step[frame] < 0:
            self.frame_first_step[frame] = step
        return step

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
        for frame in running:
            if not new.frame_ended(frame):
                new.end_frame(frame, "truncated", None)
        return new

    def freeze(self) -> Trace:
        """Return the immutable `Trace` over these columns; the builder must not be used after."""
        return Trace._from_builder(self)
