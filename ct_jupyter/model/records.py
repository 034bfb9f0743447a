"""The record types a trace is read as: functions, steps, frames, exceptions, output, outcome.

Shared by the builder (which fills a trace) and the `Trace` (which answers queries), so neither
imports the other for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .value import Value


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """A function (or module body) that ran: its qualified name and where it is defined."""

    name: str
    qualname: str
    path_id: int
    line: int
    module: str
    is_module: bool = False
    params: tuple[str, ...] = ()
    is_class: bool = False  # a class body (runs once at ``class X:``; not a call of X)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the recorded run ended: ``returned`` (with a value) or ``raised`` (with an exception)."""

    status: str
    value: object = None
    exc_type: str | None = None
    exc_message: str | None = None
    traceback: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One executed line: where it was and in which frame."""

    index: int
    path: str
    line: int
    function: str
    frame: int
    depth: int


@dataclass(frozen=True, slots=True)
class Frame:
    """One activation of a function: a call, or one resume of a generator or coroutine."""

    id: int
    function: FunctionInfo
    parent: int
    depth: int
    kind: str
    call_step: int
    first_step: int
    end_step: int
    end_kind: str | None
    result: Value | None


@dataclass(frozen=True, slots=True)
class StackEntry:
    """A frame on the call stack at some step, with the line it was at."""

    frame: int
    function: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class ExceptionEvent:
    """An exception ``raise``d, propagated out of a frame (``unwind``) or ``caught``."""

    step: int
    frame: int
    kind: str
    type_name: str
    message: str


@dataclass(frozen=True, slots=True)
class IOChunk:
    """Text written to (stdout, stderr) or read from (stdin) a stream during ``step``."""

    step: int
    stream: str
    text: str
    flags: str = ""


@dataclass(frozen=True, slots=True)
class StepEffect:
    """What running one step's line did: names it rebound or mutated (with their values after it)
    and what the frame returned or yielded if it was the frame's last line."""

    changed: tuple[tuple[str, Value | None], ...]
    returned: str | None
    result: Value | None = None
