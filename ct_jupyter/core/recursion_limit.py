"""Keep the program's recursion limit where it would be unrecorded.

A recorded program runs some frames deeper than it would alone (the command line's runner,
the magic's machinery, `run_recorded` itself), and every frame counts against the
interpreter's recursion limit: a program that recurses to within a few frames of the limit
would raise RecursionError only when recorded, and one that catches RecursionError would see
a different depth. `shifted_recursion_limit` raises the interpreter's limit by exactly that
offset while the program runs and shows the program its own limit: ``sys.getrecursionlimit``
and ``sys.setrecursionlimit`` are translated for the duration, so the program reads and sets
the numbers it would unrecorded.
"""

from __future__ import annotations

import contextlib
import operator
import sys
from collections.abc import Iterator
from types import FrameType


def frame_depth(frame: FrameType | None) -> int:
    """Number of Python frames from ``frame`` to the bottom of the stack (``frame`` included)."""
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


@contextlib.contextmanager
def shifted_recursion_limit(offset: int) -> Iterator[None]:
    """Raise the recursion limit by ``offset`` for the block; the program sees its own limit."""
    if offset <= 0:
        yield
        return
    real_get, real_set = sys.getrecursionlimit, sys.setrecursionlimit

    def getrecursionlimit() -> int:
        return int(real_get()) - offset

    def setrecursionlimit(limit: int, /) -> None:
        value = operator.index(limit) if not isinstance(limit, int) else int(limit)
        if value < 1:
            real_set(value)  # the interpreter's own error, word for word
        real_set(value + offset)

    for shown, real in ((getrecursionlimit, real_get), (setrecursionlimit, real_set)):
        shown.__name__ = shown.__qualname__ = real.__name__
        shown.__doc__ = real.__doc__
    real_set(real_get() + offset)
    sys.getrecursionlimit, sys.setrecursionlimit = getrecursionlimit, setrecursionlimit
    try:
        yield
    finally:
        if sys.getrecursionlimit is getrecursionlimit:
            sys.getrecursionlimit = real_get
        if sys.setrecursionlimit is setrecursionlimit:
            sys.setrecursionlimit = real_set
        with contextlib.suppress(RecursionError, ValueError):
            real_set(max(1, int(real_get()) - offset))
