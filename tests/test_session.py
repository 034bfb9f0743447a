"""`session.record_cell`: one cell run exactly once, the IPython way, under recording."""

from __future__ import annotations

import linecache
import sys
import textwrap
import traceback
from typing import Any

import pytest

from ct_jupyter.options import TraceOptions
from ct_jupyter.session import CellRecording, cell_label, current_execution_count, record_cell


@pytest.fixture(scope="module")
def shell() -> Any:
    """The in-process IPython shell (created once, before the per-test leak guard runs)."""
    # the process-wide shell (whichever test module created it first)
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.autoawait = True
    return ip


def _opts(**kw: Any) -> TraceOptions:
    kw.setdefault("io", "off")
    return TraceOptions.build(**kw)


def run(shell: Any, src: str, **kw: Any) -> CellRecording:
    return record_cell(shell, textwrap.dedent(src), _opts(**kw))


def define(shell: Any, src: str) -> int:
    """Run a normal cell (stored in history, so it gets its own In [n]) and return its number."""
    result = shell.run_cell(textwrap.dedent(src), store_history=True)
    assert result.success, result.error_in_exec
    return result.execution_count


def test_runs_once_in_user_namespace_and_returns_trailing_value(shell: Any) -> None:
    shell.user_ns["calls"] = []
    rec = run(shell, """\
        calls.append(1)
        a = 20
        a + 1
        """)
    assert shell.user_ns["calls"] == [1]
    assert shell.user_ns["a"] == 20
    assert rec.value == 21 and rec.error is None
    lines = [rec.trace.line_of(i) for i in range(len(rec.trace))]
    assert lines == [1, 2, 3]
    assert rec.trace.outcome is not None and rec.trace.outcome.status == "returned"


def test_source_lands_in_linecache_under_a_cell_filename(shell: Any) -> None:
    rec = run(shell, "b = 1\nb += 1\n")
    assert "".join(linecache.getlines(rec.filename)) == "b = 1\nb += 1\n"
    assert shell.compile._filename_map[rec.filename] == current_execution_count(shell)
    assert rec.label == cell_label(current_execution_count(shell))
    assert rec.trace.path_labels[rec.filename] == rec.label
    assert rec.trace.sources[rec.filename] == "b = 1\nb += 1\n"


def test_semicolon_suppresses_the_value(shell: Any) -> None:
    assert run(shell, "1 + 1;\n").value is None
    assert run(shell, "1 + 1  # note\n").value == 2


def test_exception_is_returned_with_a_traceback_starting_at_the_cell(shell: Any) -> None:
    shell.user_ns["calls"] = []
    rec = run(shell, """\
        calls.append(1)
        x = 1
        x / 0
        calls.append(2)
        """)
    assert isinstance(rec.error, ZeroDivisionError)
    assert shell.user_ns["calls"] == [1]
    frames = traceback.extract_tb(rec.error.__traceback__)
    assert frames[0].filename == rec.filename and frames[0].lineno == 3
    assert not any(f.filename.endswith(("session.py", "api.py")) for f in frames)
    trace = rec.trace
    assert trace.outcome is not None and trace.outcome.exc_type == "ZeroDivisionError"
    raised = trace.raised_step()
    assert raised is not None and trace.line_of(raised) == 3
    assert rec.value is None


def test_functions_from_earlier_cells_are_stepped_into_and_labelled(shell: Any) -> None:
    number = define(shell, """\
        def triple(n):
            out = n * 3
            return out
        """)
    rec = run(shell, "r = triple(4)\n")
    trace = rec.trace
    inner = [trace.step(i) for i in range(len(trace)) if trace.step(i).function == "triple"]
    assert [s.line for s in inner] == [2, 3]
    assert trace.path_labels[inner[0].path] == f"In [{number}]"
    assert "def triple(n):" in trace.sources[inner[0].path]
    assert shell.user_ns["r"] == 12


def test_ipython_syntax_inside_the_cell(shell: Any, tmp_path: Any) -> None:
    shell.user_ns["folder"] = str(tmp_path)
    (tmp_path / "hello.txt").write_text("hi")
    rec = run(shell, """\
        listing = !ls {folder}
        %env CT_SESSION_TEST=yes
        found = list(listing)
        """)
    assert rec.error is None
    assert shell.user_ns["found"] == ["hello.txt"]
    import os

    assert os.environ.pop("CT_SESSION_TEST") == "yes"
    assert "get_ipython()" in rec.trace.sources[rec.filename]


def test_top_level_await(shell: Any) -> None:
    define(shell, """\
        import asyncio
        async def bump(v):
            await asyncio.sleep(0)
            return v + 1
        """)
    rec = run(shell, """\
        first = await bump(1)
        second = await bump(first)
        second * 10
        """)
    assert rec.error is None and rec.value == 30
    assert shell.user_ns["second"] == 3
    functions = {rec.trace.step(i).function for i in range(len(rec.trace))}
    assert "bump" in functions


def test_syntax_error_raises_before_anything_runs(shell: Any) -> None:
    shell.user_ns["calls"] = []
    with pytest.raises(SyntaxError):
        run(shell, "calls.append(1)\ndef broken(:\n")
    assert shell.user_ns["calls"] == []


def test_step_limit_never_stops_the_cell(shell: Any) -> None:
    rec = run(shell, """\
        total = 0
        for i in range(500):
            total += i
        total
        """, max_steps=50)
    assert rec.value == sum(range(500))
    assert len(rec.trace) == 50 and rec.trace.truncated
    assert rec.trace.dropped_steps > 900
    assert any("limit" in str(w.message) for w in rec.warnings)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12+")
def test_sysmon_backend_records_the_cell(shell: Any) -> None:
    rec = run(shell, "v = [1]\nv.append(2)\n", backend="sysmon")
    assert rec.trace.meta["backend"] == "sysmon"
    assert rec.trace.variable("v", len(rec.trace), 0).plain() == [1, 2]


def test_settrace_backend_records_the_cell(shell: Any) -> None:
    rec = run(shell, "v = [1]\nv.append(2)\n", backend="settrace")
    assert rec.trace.meta["backend"] == "settrace"
    assert rec.trace.variable("v", len(rec.trace), 0).plain() == [1, 2]


def test_ast_node_interactivity_is_respected(shell: Any) -> None:
    before = shell.ast_node_interactivity
    try:
        shell.ast_node_interactivity = "last_expr_or_assign"
        assert run(shell, "shown = 6 * 7\n").value == 42
        shell.ast_node_interactivity = "none"
        assert run(shell, "6 * 7\n").value is None
    finally:
        shell.ast_node_interactivity = before
    assert run(shell, "shown = 1\n").value is None


@pytest.mark.parametrize("backend", ["sysmon", "settrace"])
@pytest.mark.parametrize("src, last_line, changed", [
    ("a = 1\nb = [a, 2]\nc = a + 10\nprint(c)\n", 4, ["c"]),    # ends in print(...)
    ("a = 1\nb = [a, 2]\nc = a + 10\nc\n", 4, ["c"]),           # ends in an expression
    ("a = 1\ndef f(x):\n    return x * 2\nr = f(3)\nf(r)\n", 5, ["r"]),  # it calls a function
])
def test_a_cell_is_one_frame_whatever_ipython_compiles_it_into(
        shell: Any, src: str, last_line: int, changed: list[str], backend: str) -> None:
    if backend == "sysmon" and sys.version_info < (3, 12):
        pytest.skip("sys.monitoring needs 3.12")
    for name in ("a", "b", "c", "f", "r"):
        shell.user_ns.pop(name, None)
    trace = run(shell, src, backend=backend).trace
    cell_frames = {trace.frame_of(i) for i in range(len(trace)) if trace.step(i).depth == 0}
    assert cell_frames == {0}
    last = max(i for i in range(len(trace)) if trace.frame_of(i) == 0)
    assert trace.line_of(last) == last_line
    # only what the line before it changed is marked changed at the last line
    assert trace.changed_names(last) == changed
    # one history per name, no second first-capture
    assert [s for s, _ in trace.history("a", 0)][-1] < last
    assert trace.frame(0).end_kind == "return"


def test_trailing_expression_value_is_the_cell_frames_result(shell: Any) -> None:
    trace = run(shell, "x = 20\nx + 1\n").trace
    assert trace.frame_count == 1
    assert trace.frame(0).result is not None and trace.frame(0).result.text == "21"
