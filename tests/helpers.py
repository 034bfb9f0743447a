"""Helpers for recorder tests: record inline programs and read steps and values back."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import textwrap
from types import ModuleType
from typing import Any

import ct_jupyter
from ct_jupyter.model import Trace


def record_source(src: str, backend: str = "auto", **options: Any) -> Trace:
    """Record a dedented inline program with IO capture off."""
    options.setdefault("io", "off")
    return ct_jupyter.record(textwrap.dedent(src), backend=backend, **options)


def step_lines(trace: Trace) -> list[int]:
    """Return the line of every step."""
    return [trace.line_of(i) for i in range(len(trace))]


def final(trace: Trace, frame: int = 0) -> dict[str, object]:
    """Return the plain values of a frame's variables after the last step."""
    return {k: v.plain() for k, v in trace.variables(len(trace), frame).items()}


def at(trace: Trace, step: int, frame: int | None = None) -> dict[str, object]:
    """Return the plain values of the variables at ``step``."""
    return {k: v.plain() for k, v in trace.variables(step, frame).items()}


def signature(trace: Trace) -> list[tuple[object, ...]]:
    """Return a backend-independent description of every step and its visible values."""
    out: list[tuple[object, ...]] = []
    for i in range(len(trace) + 1):
        frame = trace.frame_of(i) if i < len(trace) else 0
        values = {k: v.to_json() for k, v in trace.variables(i, frame).items()}
        line = trace.line_of(i) if i < len(trace) else None
        depth = trace.step(i).depth if i < len(trace) else None
        text = repr(sorted(values.items(), key=lambda kv: kv[0]))
        out.append((i, line, depth, re.sub(r"0x[0-9a-f]+", "0xADDR", text)))
    return out


FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> ModuleType:
    """Import ``tests/fixtures/<name>.py`` (shared by the payload and widget tests)."""
    spec = importlib.util.spec_from_file_location(f"_ctj_{name}", FIXTURES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
