"""The command line: ``record`` exit codes and argument handling, the JSON error trailer,
``validate`` and ``show``. Most tests call `main()` in-process; a few run real processes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from ct_jupyter.cli import main, split_record_args
from ct_jupyter.codetracer import load
from ct_jupyter.codetracer.validate import validate
from tests.test_reader import HAND_WRITTEN, write_folder

HAS_SYSMON = hasattr(sys, "monitoring")


def _script(tmp_path: pathlib.Path, text: str, name: str = "prog.py") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _trailer(stderr: str) -> dict[str, object]:
    last = stderr.strip().splitlines()[-1]
    data = json.loads(last)
    assert sorted(data) == ["context", "error_code", "error_kind", "message", "run_id", "trace_id"]
    return data


ARGV_SCRIPT = ("import sys, json, pathlib\n"
               "pathlib.Path(sys.argv[0]).with_suffix('.argv').write_text(json.dumps(sys.argv))\n"
               "total = sum(range(4))\n"
               "print('total', total)\n")


# -- record -------------------------------------------------------------------------------------
def test_record_writes_a_valid_trace_and_passes_arguments(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], backend: str) -> None:
    script = _script(tmp_path, ARGV_SCRIPT)
    out = tmp_path / "trace"
    code = main(["record", "--out", str(out), "--backend", backend, str(script),
                 "--out", "mine", "-x", "--", "tail"])
    captured = capsys.readouterr()
    assert code == 0
    assert "total 6" in captured.out
    assert "recorded" in captured.err and str(out) in captured.err
    # everything after the script path belongs to the script, -- included
    assert json.loads(script.with_suffix(".argv").read_text()) == \
        [str(script), "--out", "mine", "-x", "--", "tail"]
    report = validate(out)
    assert report.ok, [str(p) for p in report.problems]
    meta = json.loads((out / "trace_metadata.json").read_text())
    assert meta["program"] == str(script) and meta["args"] == ["--out", "mine", "-x", "--", "tail"]
    assert meta["process_exit_status"] == {"code": 0, "label": None}
    trace = load(out)
    assert trace.meta["backend"] == backend
    assert trace.variable("total", len(trace), 0).plain() == 6
    assert [c.text for c in trace.io if c.stream == "stdout"] == ["total 6\n"]


def test_double_dash_before_the_script(tmp_path: pathlib.Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, ARGV_SCRIPT, "--odd-name.py")
    os.chdir(tmp_path)
    code = main(["record", "--out", "t", "--", "--odd-name.py", "a"])
    assert code == 0
    assert json.loads(script.with_suffix(".argv").read_text())[1:] == ["a"]
    assert (tmp_path / "t" / "trace.json").is_file()


def test_default_folder_and_overwrite(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    script = _script(tmp_path, "x = 1\n")
    assert main(["record", str(script)]) == 0
    assert (tmp_path / "trace-out" / "trace.json").is_file()
    capsys.readouterr()
    assert main(["record", "--json-errors", str(script)]) == 1
    err = capsys.readouterr().err
    assert "already holds a trace" in err
    trailer = _trailer(err)
    assert trailer["error_code"] == "ERR_TRACE_DIR_CONFLICT" and trailer["error_kind"] == "Usage"
    assert trailer["context"] == {"path": str(tmp_path / "trace-out")}
    assert main(["record", "--overwrite", str(script)]) == 0


def test_sys_exit_status_is_the_exit_code(tmp_path: pathlib.Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "import sys\nx = 2\nsys.exit(x + 1)\n")
    assert main(["record", "--out", str(tmp_path / "a"), str(script)]) == 3
    meta = json.loads((tmp_path / "a" / "trace_metadata.json").read_text())
    assert meta["process_exit_status"]["code"] == 3
    quiet = _script(tmp_path, "import sys\nsys.exit()\n", "quiet.py")
    assert main(["record", "--out", str(tmp_path / "b"), str(quiet)]) == 0
    text = _script(tmp_path, "import sys\nsys.exit('giving up')\n", "text.py")
    capsys.readouterr()
    assert main(["record", "--json-errors", "--out", str(tmp_path / "c"), str(text)]) == 1
    err = capsys.readouterr().err
    assert "giving up" in err and "error_code" not in err  # the script's own choice, no trailer


def test_uncaught_exception_prints_the_scripts_traceback(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "def f(x):\n    return 1 / x\n\nf(0)\n")
    out = tmp_path / "t"
    assert main(["record", "--json-errors", "--out", str(out), str(script)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert f'File "{script}", line 4, in <module>' in err
    assert f'File "{script}", line 2, in f' in err
    assert "ZeroDivisionError: division by zero" in err
    assert "ct_jupyter" not in err.split("ZeroDivisionError")[0]  # no recorder frames
    trailer = _trailer(err)
    assert trailer["error_code"] == "ERR_SCRIPT_EXCEPTION" and trailer["error_kind"] == "Target"
    trace = load(out)  # the trace is still written
    assert trace.outcome is not None and trace.outcome.exc_type == "ZeroDivisionError"


def test_syntax_error_in_the_script(tmp_path: pathlib.Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "x = (1,\n")
    assert main(["record", "--json-errors", "--out", str(tmp_path / "t"), str(script)]) == 1
    err = capsys.readouterr().err
    assert "SyntaxError" in err
    assert _trailer(err)["error_code"] == "ERR_SCRIPT_SYNTAX"
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize("argv, words", [
    (["record"], "script to record is missing"),
    (["record", "--bogus", "x.py"], "unknown option '--bogus'"),
    (["record", "nowhere.py"], "does not exist"),
    (["record", "--max-steps", "many", "x.py"], "invalid int value"),
    (["record", "--max-steps", "-1", "x.py"], "max_steps"),
    (["record", "--io-capture", "loud", "x.py"], "invalid choice"),
    (["record", "--backend", "magic", "x.py"], "invalid choice"),
    (["record", "--out"], "expected one argument"),
    (["frobnicate"], "unknown command"),
    (["validate"], "required"),
    (["show", "x", "--steps", "b:a"], "--steps"),
])
def test_bad_arguments_exit_2_with_a_trailer(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_text("pass\n")
    code = main([*argv[:1], "--json-errors", *argv[1:]])
    err = capsys.readouterr().err
    assert code == 2, err
    assert words in err
    assert _trailer(err)["error_kind"] == "Usage"
    assert not (tmp_path / "trace-out").exists()


def test_recorder_errors_exit_1(tmp_path: pathlib.Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "x = 1\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["record", "--json-errors", "--out", str(blocker / "sub"), str(script)])
    err = capsys.readouterr().err
    assert code == 1
    assert _trailer(err)["error_code"] in ("ERR_TRACE_DIR_CREATE_FAILED", "ERR_EXPORT_FAILED")
    if not HAS_SYSMON:
        code = main(["record", "--json-errors", "--backend", "sysmon", "--out",
                     str(tmp_path / "t"), str(script)])
        err = capsys.readouterr().err
        assert code == 1
        assert _trailer(err)["error_code"] == "ERR_BACKEND_UNAVAILABLE"


def test_split_record_args() -> None:
    assert split_record_args(["--out", "o", "--overwrite", "s.py", "--out", "x"]) == \
        (["--out", "o", "--overwrite"], "s.py", ["--out", "x"])
    assert split_record_args(["--out=o", "--", "--s.py", "a"]) == (["--out=o"], "--s.py", ["a"])
    assert split_record_args(["--include", "pkg.*", "--exclude", "x/*"]) == \
        (["--include", "pkg.*", "--exclude", "x/*"], None, [])


def test_max_steps_include_exclude_and_io_options(tmp_path: pathlib.Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    helper = _script(tmp_path, "def twice(v):\n    return v * 2\n", "helper_mod.py")
    script = _script(tmp_path, f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n"
                               "import helper_mod\nfor k in range(50):\n"
                               "    y = helper_mod.twice(k)\nprint(y)\n")
    with pytest.warns(Warning, match="max_steps"):
        assert main(["record", "--max-steps", "10", "--io-capture", "off", "--out",
                     str(tmp_path / "short"), str(script)]) == 0
    short = load(tmp_path / "short")
    assert len(short) == 10 and short.truncated and short.io == []
    assert main(["record", "--exclude", str(helper), "--out", str(tmp_path / "ex"),
                 str(script)]) == 0
    excluded = load(tmp_path / "ex")
    assert all(f.function.qualname != "twice" for f in excluded.frames())
    assert [c.text for c in excluded.io] == ["98\n"]


# -- validate and show --------------------------------------------------------------------------
def test_validate_command(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_folder(tmp_path / "good", HAND_WRITTEN)
    assert main(["validate", str(good)]) == 0
    assert "valid CodeTracer trace (32 events" in capsys.readouterr().out
    events = json.loads(json.dumps(HAND_WRITTEN))
    del events[18]
    bad = write_folder(tmp_path / "bad", events)
    assert main(["validate", "--json-errors", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "error: trace.json: event 18: Call of 'add' is not immediately preceded" in captured.out
    assert "INVALID: 1 error" in captured.out
    assert _trailer(captured.err)["error_code"] == "ERR_TRACE_INVALID"
    assert main(["validate", str(tmp_path / "missing")]) == 1


def test_show_command_pages(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "total = 0\nfor k in range(30):\n    total += k\nprint(total)\n")
    out = tmp_path / "t"
    assert main(["record", "--out", str(out), str(script)]) == 0
    capsys.readouterr()
    assert main(["show", str(out), "--width", "100", "--page-size", "10"]) == 0
    text = capsys.readouterr().out
    n = len(load(out))
    assert n == 1 + 2 * 30 + 1 + 1  # line 1, the loop, its last check, the print
    assert f"Trace: {n} steps" in text
    assert "▶ 1  total = 0" in text
    assert "more steps (next: --steps 10:20)" in text
    assert main(["show", str(out), "--width", "100", "--steps", f"{n - 2}:"]) == 0
    text = capsys.readouterr().out
    assert f"{n - 2} earlier steps" in text and "435⏎" in text and "more step" not in text
    assert main(["show", str(out), "--width", "100", "--page", "3", "--page-size", "25"]) == 0
    assert "50 earlier steps" in capsys.readouterr().out
    assert main(["show", "--json-errors", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert _trailer(err)["error_code"] == "ERR_TRACE_MISSING"


# -- real processes -----------------------------------------------------------------------------
def test_python_dash_m_in_a_real_process(tmp_path: pathlib.Path) -> None:
    script = _script(tmp_path, "name = input('name? ')\nprint('hi', name)\nraise SystemExit(5)\n")
    out = tmp_path / "t"
    proc = subprocess.run([sys.executable, "-m", "ct_jupyter", "record", "--out", str(out),
                           str(script)], input="Ada\n", capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 5, proc.stderr
    assert proc.stdout == "name? hi Ada\n"
    trace = load(out)
    assert [(c.stream, c.text) for c in trace.io] == [
        ("stdout", "name? "), ("stdin", "Ada\n"), ("stdout", "hi Ada\n")]
    proc = subprocess.run([sys.executable, "-m", "ct_jupyter", "validate", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "valid CodeTracer trace" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "ct_jupyter", "record", "--json-errors"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert _trailer(proc.stderr)["error_code"] == "ERR_INVALID_ARGUMENT"


def test_console_script_is_declared() -> None:
    [ep] = [e for e in entry_points(group="console_scripts") if e.name == "ct-jupyter"]
    assert ep.value == "ct_jupyter.cli:main"
    assert ep.load() is main


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "record [options] SCRIPT" in capsys.readouterr().out
    assert main(["record", "--help"]) == 0
    assert "--io-capture" in capsys.readouterr().out
    assert main([]) == 2
    assert "usage: ct-jupyter COMMAND" in capsys.readouterr().err
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ct-jupyter ")


def test_counts_use_one_vocabulary(tmp_path: pathlib.Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """record/show count steps and calls of the recording; validate names CodeTracer events."""
    script = _script(tmp_path, "def f(x):\n    return x + 1\n\ny = f(1)\nz = f(y)\n")
    out = tmp_path / "t"
    assert main(["record", "--out", str(out), str(script)]) == 0
    err = capsys.readouterr().err
    trace = load(out)
    assert f"recorded {len(trace)} steps, {trace.call_count} calls into" in err
    assert main(["show", str(out), "--width", "100"]) == 0
    assert f"{len(trace)} steps, {trace.call_count} calls" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    report = validate(out)
    assert f"{report.steps} Step events, {report.calls} Call events" in line
    assert report.steps > len(trace) and report.calls > trace.call_count  # they do differ
