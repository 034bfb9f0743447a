"""The rich terminal view: source with the current line, variables, step table, paging."""

from __future__ import annotations

import io
import pathlib

import pytest
from rich.console import Console

import ct_jupyter
from ct_jupyter.codetracer import load
from ct_jupyter.errors import CodetraceWarning
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
    # changes: what the row's own line did (values right after it)
    assert "total = a + b" in rows["2"] and "total = 3" in rows["2"]
    assert "← returns 3" in rows["3"] and "total" not in rows["3"].split("return total")[1]
    assert "x = 3" in rows["1"] and "x = 3" not in rows["4"]
    assert "x is 3⏎" in rows["5"]
    assert "items = [3, 6]" in rows["6"]
    assert "items = [3, 6, 9]" in rows["7"]    # the last line's change is in its own row
    assert "more step" not in text
    # and the final state is listed after the table
    final = text.split("Final state")[1]
    assert "items" in final and "[3, 6, 9]" in final and "x " in final


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
    assert flat.count("integer division or modulo by zero") == 2   # the raise row + the panel
    assert "↑ ZeroDivisionError propagates" in flat


def test_imported_trace_without_sources_and_generators() -> None:
    trace = load(REFERENCE / "generators")  # the reference cannot tell a yield from a return
    text = _render(TraceView(trace, start=10, limit=8), width=140)
    assert "(source not recorded)" in text
    assert "← returns 5" in text
    ours = ct_jupyter.record("def gen():\n    yield 1\n    yield 2\n\nout = list(gen())\n",
                             io="off")
    text = _render(TraceView(ours), width=120)
    assert "← yields 1" in text and "↻ gen" in text


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
    # each activation's return is on its own last row
    for value in (24, 120):
        assert text.count(f"← returns {value} ") == 1, value
    assert text.count("← returns ") == text.count("→ ")    # every call returned, fib's too
    assert "120⏎" in text


def test_terminal_oddities_are_gone() -> None:
    # a class body is not a constructor call; a loop's last step returns nothing
    trace = ct_jupyter.record("class Account:\n    rate = 2\nacc = Account()\n"
                              "for i in range(2):\n    x = i\n", io="off")
    text = _render(TraceView(trace), width=120)
    assert "class Account" in text and "→ Account()" not in text
    assert "← return" not in text
    # a stopped recording says so, and shows no invented final values or truncated returns
    with pytest.warns(CodetraceWarning):
        stopped = ct_jupyter.record("def f(k):\n    return k\ni = 0\nwhile i < 100:\n"
                                    "    i = f(i) + 1\n", io="off", max_steps=30)
    text = _render(TraceView(stopped), width=120)
    assert "Recording stopped after 30 steps (the max_steps limit)" in text and "Final state" not in text
    assert "truncated" not in text.replace("recording stopped early", "")
