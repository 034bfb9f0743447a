"""`TraceColumns`: the public, read-only columnar view of a frozen `Trace`.

Consumers that scan a whole trace (the exporters, the viewer's payload, the renderers) read
these columns instead of building one `Step` object per step. Each column is indexed by step,
frame, change, exception or IO-chunk number; see `model.builder.TraceBuilder` for how they are
filled. The sequences are shared with the trace, not copied: treat them as read-only.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from .heap import Heap
from .records import FunctionInfo, Outcome

_COLUMNS = (
    "paths", "sources", "path_labels", "functions",
    "step_line", "step_frame",
    "frame_func", "frame_parent", "frame_depth", "frame_call_step", "frame_first_step",
    "frame_end_step", "frame_kind", "frame_end_kind", "frame_result", "frame_pyid",
    "ch_step", "ch_frame", "ch_name", "ch_val",
    "exc_step", "exc_frame", "exc_kind", "exc_type", "exc_msg",
    "io_step", "io_stream", "io_text", "io_flags",
    "heap", "dropped_steps", "stop_reason", "outcome", "failure", "io_dropped", "meta",
)


class TraceColumns:
    """Read-only columns of a frozen trace: steps, frames, changes, exceptions, IO, heap, facts."""

    __slots__ = _COLUMNS

    paths: Sequence[str]
    sources: dict[str, str]
    path_labels: dict[str, str]
    functions: Sequence[FunctionInfo]
    #: per step: line number and frame id
    step_line: array[int]
    step_frame: array[int]
    #: per frame (a call or a generator resume)
    frame_func: array[int]
    frame_parent: array[int]
    frame_depth: array[int]
    frame_call_step: array[int]
    frame_first_step: array[int]
    frame_end_step: array[int]
    frame_kind: Sequence[str]
    frame_end_kind: Sequence[str | None]
    frame_result: Sequence[object]
    frame_pyid: array[int]
    #: per variable change: step, frame, name and encoded value
    ch_step: array[int]
    ch_frame: array[int]
    ch_name: Sequence[str]
    ch_val: Sequence[object]
    #: per exception event (kind: raise | unwind | caught)
    exc_step: array[int]
    exc_frame: array[int]
    exc_kind: Sequence[str]
    exc_type: Sequence[str]
    exc_msg: Sequence[str]
    #: per captured IO chunk
    io_step: array[int]
    io_stream: Sequence[str]
    io_text: Sequence[str]
    io_flags: Sequence[str]
    #: versioned objects, and facts about the run
    heap: Heap
    dropped_steps: int
    stop_reason: str | None
    outcome: Outcome | None
    failure: str | None
    io_dropped: dict[str, int]
    meta: dict[str, object]

    def __init__(self, builder: Any) -> None:
        for name in _COLUMNS:
            object.__setattr__(self, name, getattr(builder, name))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("TraceColumns is read-only")
