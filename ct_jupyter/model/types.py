"""Aliases for the integers the model is made of."""

from __future__ import annotations

LineNo = int
StepIndex = int
PathId = int
FunctionId = int
FrameId = int
ObjectId = int
