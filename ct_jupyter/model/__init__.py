"""The trace model: immutable `Trace` and the `TraceBuilder` that fills it. No IPython or UI imports."""

from __future__ import annotations

from .builder import TraceBuilder as TraceBuilder
from .columns import TraceColumns as TraceColumns
from .encoded import UNBOUND as UNBOUND
from .encoded import Cut as Cut
from .encoded import Err as Err
from .encoded import Named as Named
from .encoded import Ref as Ref
from .index import TraceIndex as TraceIndex
from .records import FunctionInfo as FunctionInfo
from .records import Outcome as Outcome
from .records import StepEffect as StepEffect
from .trace import ExceptionEvent as ExceptionEvent
from .trace import Frame as Frame
from .trace import IOChunk as IOChunk
from .trace import StackEntry as StackEntry
from .trace import Step as Step
from .trace import Trace as Trace
from .value import Value as Value

__all__ = ["UNBOUND", "Cut", "Err", "ExceptionEvent", "Frame", "FunctionInfo", "IOChunk",
           "Named", "Outcome", "Ref", "StackEntry", "Step", "StepEffect", "Trace", "TraceBuilder", "TraceColumns",
           "TraceIndex", "Value"]
