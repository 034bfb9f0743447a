"""``%%codetrace`` in an in-process IPython shell: options, errors, IPython semantics."""

from __future__ import annotations

import os
import re
import sys
import textwrap
import traceback
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import ct_jupyter
from ct_jupyter.model import Trace


@pytest.fixture(scope="module")
def ip() -> Any:
    """The in-process shell with the extension loaded (created before the leak guard runs)."""
    # the process-wide shell (whichever test module created it first)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.autoawait = True
    shell.run_line_magic("load_ext", "ct_jupyter")
    return shell


def cell(ip: Any, src: str, *, history: bool = True) -> Any:
    """Run a cell (stored in history like a notebook cell) and return its ExecutionResult."""
    return ip.run_cell(textwrap.dedent(src), store_history=history)


def traced(ip: Any, options: str, body: str, *, history: bool = True) -> Any:
    return cell(ip, f"%%codetrace {options}\n" + textwrap.dedent(body), history=history)


def test_load_and_unload(ip: Any) -> None:
    assert "codetrace" in ip.magics_manager.magics["cell"]
    ip.run_line_magic("unload_ext", "ct_jupyter")
    try:
        assert "codetrace" not in ip.magics_manager.magics["cell"]
        with capture_output():
            result = traced(ip, "", "x = 1\n")
        assert isinstance(result.error_in_exec, UsageError)
    finally:
        ip.run_line_magic("load_ext", "ct_jupyter")
    assert "codetrace" in ip.magics_manager.magics["cell"]


def test_cell_runs_exactly_once_and_sets_out(ip: Any) -> None:
    ip.user_ns["runs"] = []
    with capture_output():
        result = traced(ip, "--io off --view none", """\
            runs.append("ran")
            value = len(runs) * 7
            value + 1
            """)
    assert result.success
    assert ip.user_ns["runs"] == ["ran"]
    assert result.result == 8
    assert ip.user_ns["Out"][result.execution_count] == 8
    assert ip.user_ns["_"] == 8


def test_last_trace_and_as(ip: Any) -> None:
    with capture_output():
        result = traced(ip, "--io off --view none --as my_trace", "z = [3, 1, 2]\nz.sort()\n")
    assert result.success
    trace = ip.user_ns["my_trace"]
    assert isinstance(trace, Trace)
    assert ct_jupyter.last_trace() is trace
    assert trace.variable("z", len(trace), 0).plain() == [1, 2, 3]
    assert trace.path_labels[trace.step(0).path] == f"In [{result.execution_count}]"


def test_exception_fails_the_cell_with_its_traceback(ip: Any) -> None:
    ip.user_ns["runs"] = []
    with capture_output() as out:
        result = traced(ip, "--io off --view none --as failed", """\
            runs.append(1)
            bad = {"k": 1}
            bad["missing"]
            runs.append(2)
            """)
    assert not result.success
    error = result.error_in_exec
    assert isinstance(error, KeyError)
    assert ip.user_ns["runs"] == [1]
    # the displayed traceback is the normal one, pointing into the cell
    shown = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout)
    assert "KeyError" in shown and "bad[\"missing\"]" in shown
    frames = traceback.extract_tb(error.__traceback__)
    assert not any(f.filename.endswith(("session.py", "api.py")) for f in frames)
    assert frames[-1].lineno == 3
    trace = ip.user_ns["failed"]
    assert trace.outcome.status == "raised" and trace.outcome.exc_type == "KeyError"
    assert trace.line_of(trace.raised_step()) == 3


def test_run_all_stops_at_the_failing_cell(ip: Any) -> None:
    ip.user_ns["runs"] = []
    with capture_output():
        first = traced(ip, "--io off --view none", "runs.append('a')\n1 / 0\n")
    assert not first.success and isinstance(first.error_in_exec, ZeroDivisionError)
    assert ip.user_ns["runs"] == ["a"]


def test_functions_from_other_cells_are_stepped_into(ip: Any) -> None:
    with capture_output():
        definition = cell(ip, """\
            def halve(n):
                half = n // 2
                return half
            """)
        result = traced(ip, "--io off --view none --as t", "h = halve(10)\nh\n")
    assert result.success and result.result == 5
    trace = ip.user_ns["t"]
    steps = [trace.step(i) for i in range(len(trace))]
    inner = [s for s in steps if s.function == "halve"]
    assert [s.line for s in inner] == [2, 3]
    assert trace.path_labels[inner[0].path] == f"In [{definition.execution_count}]"
    assert trace.path_labels[steps[0].path] == f"In [{result.execution_count}]"


def test_bang_lines_and_line_magics_inside_the_cell(ip: Any, tmp_path: Any) -> None:
    (tmp_path / "a.txt").write_text("x")
    ip.user_ns["where"] = str(tmp_path)
    with capture_output():
        result = traced(ip, "--io off --view none", """\
            names = !ls {where}
            %env CT_MAGIC_TEST=on
            len(names)
            """)
    assert result.success, result.error_in_exec
    assert result.result == 1
    assert os.environ.pop("CT_MAGIC_TEST") == "on"


def test_top_level_await(ip: Any) -> None:
    with capture_output():
        cell(ip, """\
            import asyncio
            async def later(v):
                await asyncio.sleep(0)
                return v * 2
            """)
        result = traced(ip, "--io off --view none --as t", "got = await later(21)\ngot\n")
    assert result.success, result.error_in_exec
    assert result.result == 42
    assert "later" in {ip.user_ns["t"].step(i).function for i in range(len(ip.user_ns["t"]))}


@pytest.mark.parametrize("options, fragment", [
    ("--bogus", "unrecognized arguments"),
    ("--max-steps lots", "--max-steps"),
    ("--max-steps -5", "max_steps"),
    ("--view fancy", "--view"),
    ("--io sometimes", "--io"),
    ("--backend turbo", "--backend"),
    ("--as 3d", "--as"),
    ("stray", "unrecognized arguments"),
])
def test_bad_options_give_a_short_usage_error_and_run_nothing(ip: Any, options: str,
                                                               fragment: str) -> None:
    ip.user_ns["runs"] = []
    before = ct_jupyter.last_trace()
    with capture_output() as out:
        result = traced(ip, options, "runs.append(1)\n")
    assert isinstance(result.error_in_exec, UsageError)
    assert fragment in str(result.error_in_exec)
    assert "Traceback" not in out.stdout and "Traceback" not in out.stderr
    assert ip.user_ns["runs"] == []
    assert ct_jupyter.last_trace() is before


def test_help_shows_the_options(ip: Any) -> None:
    doc = ip.find_cell_magic("codetrace").__doc__
    for option in ("--out", "--max-steps", "--include", "--exclude", "--as", "--view", "--io",
                   "--backend"):
        assert option in doc


def test_max_steps_warns_but_never_stops_the_cell(ip: Any) -> None:
    with capture_output() as out:
        result = traced(ip, "--io off --view none --max-steps 20 --as t", """\
            acc = 0
            for k in range(300):
                acc += k
            acc
            """)
    assert result.success
    assert result.result == sum(range(300))
    trace = ip.user_ns["t"]
    assert len(trace) == 20 and trace.truncated
    assert "CodetraceWarning" in out.stderr and "max_steps" in out.stderr


def test_include_and_exclude(ip: Any, tmp_path: Any, monkeypatch: Any) -> None:
    pkg = tmp_path / "ct_magic_helper_mod.py"
    pkg.write_text("def work(v):\n    w = v + 1\n    return w\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with capture_output():
        cell(ip, "import ct_magic_helper_mod\ndef local(v):\n    return v\n")
        traced(ip, "--io off --view none --as plain",
               "a = ct_magic_helper_mod.work(1)\nb = local(a)\n")
        traced(ip, "--io off --view none --as inc --include ct_magic_helper_mod --exclude __main__",
               "a = ct_magic_helper_mod.work(1)\nb = local(a)\n")
    plain = {s.function for s in ip.user_ns["plain"].steps()}
    inc = {s.function for s in ip.user_ns["inc"].steps()}
    if not str(pkg).startswith(os.getcwd()):
        assert "work" not in plain
    assert "local" in plain
    assert "work" in inc and "local" not in inc
    monkeypatch.delitem(sys.modules, "ct_magic_helper_mod")


def test_view_none_shows_nothing_and_terminal_view_prints(ip: Any) -> None:
    with capture_output() as quiet:
        traced(ip, "--io off --view none", "q = 1\n")
    assert quiet.stdout == "" and quiet.outputs == []
    with capture_output() as shown:
        traced(ip, "--io off", "q = 2\nq += 1\n")
    assert "q += 1" in shown.stdout or "q = 2" in shown.stdout


def test_output_is_captured_and_still_printed(ip: Any) -> None:
    with capture_output() as out:
        result = traced(ip, "--view none --as t", "print('visible <b>')\n")
    assert result.success
    assert "visible <b>" in out.stdout
    chunks = [(c.stream, c.text) for c in ip.user_ns["t"].io]
    assert ("stdout", "visible <b>\n") in chunks


def test_out_exports_a_trace_folder(ip: Any, tmp_path: Any) -> None:
    target = tmp_path / "exported"
    with capture_output() as out:
        result = traced(ip, f"--io off --view none --out {target}", "e = [1, 2]\ne.append(3)\n")
    assert result.success, result.error_in_exec
    assert (target / "trace.json").exists() and (target / "trace_paths.json").exists()
    assert str(target) in out.stdout
    # running the cell again replaces its own trace folder
    with capture_output():
        again = traced(ip, f"--io off --view none --out {target}", "e = 1\n")
    assert again.success, again.error_in_exec
    assert "e = 1" in "".join(p.read_text() for p in (target / "files").rglob("*") if p.is_file())


def test_out_never_replaces_a_folder_that_is_not_a_trace(ip: Any, tmp_path: Any) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with capture_output():
        result = traced(ip, f"--io off --view none --out {target}", "n = 1\n")
    assert isinstance(result.error_in_exec, UsageError)
    assert "export failed" in str(result.error_in_exec)
    assert (target / "notes.txt").read_text() == "keep me"


def test_out_failure_is_a_clear_message(ip: Any, tmp_path: Any) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ip.user_ns["runs"] = []
    with capture_output() as out:
        result = traced(ip, f"--io off --view none --out {blocker}/sub", "runs.append(1)\n")
    assert isinstance(result.error_in_exec, UsageError)
    assert "export failed" in str(result.error_in_exec)
    assert "Traceback" not in out.stdout
    assert ip.user_ns["runs"] == [1]  # the cell itself ran once


@pytest.mark.parametrize("options, key, expected", [
    ("--io off", "io", "off"),
    ("--io proxies", "io", "proxies"),
    ("--io proxies+fd", "io", "proxies+fd"),
    ("--backend settrace", "backend", "settrace"),
    ("--max-steps 1234", "max_steps", 1234),
])
def test_options_reach_the_recording(ip: Any, options: str, key: str, expected: object) -> None:
    with capture_output():
        result = traced(ip, f"{options} --view none --as t", "k = 1\nk += 1\n")
    assert result.success, result.error_in_exec
    trace = ip.user_ns["t"]
    assert trace.meta[key] == expected
    assert trace.variable("k", len(trace), 0).plain() == 2
