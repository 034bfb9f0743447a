"""The rich terminal view: source with the current line, variables, step table, paging."""

from __future__ import annotations

import io
import pathlib

from rich.console import Console

import ct_jupyter
from ct_jupyter.codetracer import load
from ct_jupyter.render.terminal import TraceView, render_text
from tests.test_export_codetracer import REFERENCE

PROGRAM = """\
def add(a, b):
    total = a + b
    return total

x = add(1, 2)
label = "[bold red]not markup[/] \\x1b[31m"
print("x is", x)
items = [x, x * 2]
items.append(9)
"""


def _render(view: TraceView, width: int = 110) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(view)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _trace() -> ct_jupyter.Trace:
    return ct_jupyter.record(PROGRAM, io="proxies")


def test_header_source_variables_and_steps() -> None:
    text = _render(TraceView(_trace()))
    lines = text.splitlines()
    assert lines[0].startswith("Trace: 8 steps, 1 call in ")
    assert lines[0].endswith("— finished normally")
    assert any(line.startswith("│ ▶ 1  def add(a, b):") for line in lines)
    assert any("│   2      total = a + b" in line for line in lines)
    # the step table: number, line, function indented by depth, code, changes, output
    rows = {line.split()[0]: line for line in lines if line[:3].strip().isdigit()}
    assert "→ add(a=1, b=2)" in rows["2"] and "  add " in rows["2"]
    assert "total = a + b" in rows["2"]
    assert "total = 3" in rows["3"] and "← return 3" in rows["3"]
    assert "x = 3" in rows["4"]
    assert "x is 3⏎" in rows["5"]
    assert "items = [3, 6]" in rows["7"]
    assert "more step" not in text


def test_user_text_is_never_markup() -> None:
    text = _render(TraceView(_trace()))
    assert "[bold red]not markup[/]" in text
    assert "\\x1b[31m" in text and "\x1b" not in text


def test_paging_bounds_the_table() -> None:
    trace = _trace()
    first = _render(TraceView(trace, start=0, limit=3))
    assert "… 5 more steps (next: --steps 3:6)" in first
    assert "earlier" not in first
    middle = _render(TraceView(trace, start=3, limit=2))
    assert "… 3 earlier steps (steps 0–2)" in middle
    assert "… 3 more steps (next: --steps 5:7)" in middle
    assert "Variables at step 3" in middle and "add" in middle
    table_rows = [line for line in middle.splitlines() if line[:3].strip().isdigit()]
    assert [r.split()[0] for r in table_rows] == ["3", "4"]


def test_long_loops_show_a_bounded_window() -> None:
    trace = ct_jupyter.record("t = 0\nfor k in range(5000):\n    t += k\n", io="off")
    text = _render(TraceView(trace))  # default limit: 200 rows
    rows = [line for line in text.splitlines() if line[:6].strip().isdigit()]
    assert len(rows) == 200
    assert f"… {len(trace) - 200:,} more steps (next: --steps 200:400)" in text


def test_exception_panel_and_width() -> None:
    trace = ct_jupyter.record("def f(v):\n    return 10 // v\n\nf(0)\n", io="off")
    text = _render(TraceView(trace, width=60), width=120)
    assert max(len(line) for line in text.splitlines()) <= 60
    flat = " ".join(text.split())
    assert "— raised ZeroDivisionError" in flat
    assert "ZeroDivisionError: integer division or modulo by zero" in flat
    assert "raised at step 2" in flat and "line 2, in f" in flat
    assert "↑ raises ZeroDivisionError" in flat


def test_imported_trace_without_sources_and_generators() -> None:
    trace = load(REFERENCE / "generators")  # the reference cannot tell a yield from a return
    text = _render(TraceView(trace, start=10, limit=8), width=140)
    assert "(source not recorded)" in text
    assert "← return 5" in text
    ours = ct_jupyter.record("def gen():\n    yield 1\n    yield 2\n\nout = list(gen())\n",
                             io="off")
    text = _render(TraceView(ours), width=120)
    assert "← yield 1" in text and "↻ gen" in text and "out = [1, 2]" not in text


def test_empty_trace_and_render_text() -> None:
    from ct_jupyter.model import TraceBuilder

    empty = TraceBuilder().freeze()
    text = render_text(empty)
    assert "Trace: 0 steps" in text and "(no steps were recorded)" in text
    plain = render_text(_trace(), limit=2, width=90)
    assert "Trace: 8 steps" in plain and "… 6 more steps" in plain


def test_view_of_a_file_program(tmp_path: pathlib.Path) -> None:
    from tests.test_export_codetracer import record_program

    trace, _ = record_program(REFERENCE / "programs" / "recursion.py", io="proxies")
    text = _render(TraceView(trace, start=0, limit=400), width=250)
    assert text.count("→ factorial(n=") == 5
    # the innermost call's last step ends all five activations at once
    assert "← return 1  ← return 2  ← return 6  ← return 24  ← return 120" in text
    assert "120⏎" in text
