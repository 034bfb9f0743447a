"""What an export may replace (issue 8 §2): only a folder holding nothing but a trace; never the
working directory, ``$HOME`` or a folder holding the recorded script; leftovers of killed exports.

Through the three entry points: ``ct_jupyter.export``, ``ct-jupyter record`` (real processes)
and ``%%codetrace --out`` (an in-process shell)."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import ct_jupyter
from ct_jupyter.codetracer import TraceDirConflict
from ct_jupyter.codetracer.target import is_leftover_name


def _trace() -> ct_jupyter.Trace:
    return ct_jupyter.record("a = 1\nb = a + 1\n", io="off")


def _snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _trace_folder(path: pathlib.Path) -> pathlib.Path:
    ct_jupyter.export(_trace(), path)
    return path


@pytest.mark.parametrize("foreign", [
    ["analysis.ipynb", "results.csv"],
    [".git"],               # hidden entries count too
    ["notes"],              # a folder
    ["a", "b", "c", "d", "e", "f", "g"],
])
def test_a_folder_with_anything_but_a_trace_is_never_replaced(tmp_path: pathlib.Path,
                                                              foreign: list[str]) -> None:
    target = _trace_folder(tmp_path / "out")
    for name in foreign:
        if name == "notes":
            (target / name).mkdir()
            (target / name / "n.txt").write_text("mine")
        else:
            (target / name).write_text(f"user data {name}")
    before = _snapshot(target)
    for overwrite in (False, True):
        with pytest.raises(TraceDirConflict) as info:
            ct_jupyter.export(_trace(), target, overwrite=overwrite)
        err = info.value
        assert err.code == "ERR_TRACE_DIR_CONFLICT"
        assert err.context["foreign"] == ", ".join(sorted(foreign)[:5])
        assert err.context["foreign_count"] == str(len(foreign))
        assert sorted(foreign)[0] in err.message
    assert _snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_trace_entries_of_the_wrong_kind_are_foreign(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "trace.json").mkdir()  # a folder where a file belongs
    (target / "files").write_text("a file where a folder belongs")
    with pytest.raises(TraceDirConflict) as info:
        ct_jupyter.export(_trace(), target, overwrite=True)
    assert info.value.context["foreign"] == "files, trace.json"


def test_a_trace_folder_is_replaced_only_with_overwrite(tmp_path: pathlib.Path) -> None:
    target = _trace_folder(tmp_path / "out")
    (target / "trace.bin").write_bytes(b"\x00binary trace")
    with pytest.raises(TraceDirConflict) as info:
        ct_jupyter.export(_trace(), target)
    assert "overwrite" in info.value.message
    ct_jupyter.export(ct_jupyter.record("z = 3\n", io="off"), target, overwrite=True)
    assert not (target / "trace.bin").exists()
    assert ct_jupyter.load(target).variable("z", 1).plain() == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("which", ["cwd", "cwd-parent", "home", "script-folder"])
def test_protected_folders_are_never_replaced(tmp_path: pathlib.Path,
                                              monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    # each protected folder holds nothing but a trace, so only the protection refuses it
    guarded = _trace_folder(tmp_path / "guarded")
    inner = guarded / "files" / "deeper"
    inner.mkdir(parents=True)
    if which == "cwd":
        monkeypatch.chdir(guarded)
    elif which == "cwd-parent":
        monkeypatch.chdir(inner)
    elif which == "home":
        monkeypatch.setenv("HOME", str(guarded))
    trace = _trace()
    if which == "script-folder":
        script = inner / "run.py"
        script.write_text("x = 1\ny = x + 1\n")
        trace = ct_jupyter.record(script.read_text(), filename=str(script), io="off")
        assert str(script) in trace.paths
    before = _snapshot(guarded)
    with pytest.raises(TraceDirConflict) as info:
        ct_jupyter.export(trace, guarded, overwrite=True)
    assert "never replaced" in info.value.message and "protected" in info.value.context
    assert _snapshot(guarded) == before


def test_symlinked_target_is_refused(tmp_path: pathlib.Path) -> None:
    real = _trace_folder(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(TraceDirConflict):
        ct_jupyter.export(_trace(), link, overwrite=True)
    assert link.is_symlink() and (real / "trace.json").is_file()


# -- leftovers of killed exports -----------------------------------------------------------
KILLED_EXPORT = textwrap.dedent("""\
    import os, sys, ct_jupyter
    from ct_jupyter.codetracer import writer

    def die(self):
        self.out.write(b"[")
        self.out.flush()
        os.kill(os.getpid(), 9)

    writer.CodeTracerWriter.write = die
    ct_jupyter.export(ct_jupyter.record("a = 1\\n", io="off"), sys.argv[1])
""")


def test_leftovers_of_a_killed_export_are_cleaned_next_time(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", KILLED_EXPORT, str(target)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].name.startswith(".out.tmp-") and is_leftover_name(left[0].name)
    # a leftover of a process that still runs (ours) and a user's look-alike are kept
    live = tmp_path / f".out.tmp-{os.getpid()}-0123456789ab"
    live.mkdir()
    mine = tmp_path / ".out.tmp-1-0123456789ab"
    mine.mkdir()
    (mine / "diary.txt").write_text("not a trace")
    other = tmp_path / ".other.tmp-999999-0123456789ab"
    other.mkdir()
    ct_jupyter.export(_trace(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out", live.name, mine.name, other.name])
    assert not any(is_leftover_name(p.name) for p in (target / "files").rglob("*"))


# -- the command line ------------------------------------------------------------------------
def _record(cwd: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "ct_jupyter", "record", "--json-errors", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_cli_overwrite_never_replaces_the_working_directory(tmp_path: pathlib.Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "run.py").write_text("total = sum(range(5))\nprint(total)\n")
    (work / "data.csv").write_text("1,2\n")
    before = _snapshot(work)
    done = _record(work, "--overwrite", "--out", ".", "run.py")
    assert done.returncode == 1, done.stderr
    trailer = json.loads(done.stderr.strip().splitlines()[-1])
    assert trailer["error_code"] == "ERR_TRACE_DIR_CONFLICT"
    assert "10" not in done.stdout  # refused before the script ran
    assert _snapshot(work) == before
    # the script's own folder, named another way, is refused too
    done = _record(tmp_path, "--overwrite", "--out", "work/../work", "work/run.py")
    assert done.returncode == 1 and "ERR_TRACE_DIR_CONFLICT" in done.stderr
    assert _snapshot(work) == before
    # a folder holding only a previous trace is replaced with --overwrite
    assert _record(work, "--out", "t", "run.py").returncode == 0
    assert _record(work, "--out", "t", "run.py").returncode == 1
    assert _record(work, "--overwrite", "--out", "t", "run.py").returncode == 0
    assert sorted(p.name for p in work.iterdir()) == ["data.csv", "run.py", "t"]


# -- the magic ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ip() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "ct_jupyter")
    return shell


def test_magic_out_keeps_a_folder_with_user_files(ip: Any, tmp_path: pathlib.Path) -> None:
    from IPython.utils.capture import capture_output

    folder = tmp_path / "D"
    folder.mkdir()
    (folder / "analysis.ipynb").write_text("{}")
    (folder / "results.csv").write_text("a,b\n")
    (folder / "trace.json").write_text("[]")  # a stale trace beside them
    before = _snapshot(folder)
    with capture_output() as out:
        ip.run_cell(f"%%codetrace --out {folder} --view none\nq = 41\nq += 1\n")
    assert "ERR_TRACE_DIR_CONFLICT" in out.stderr + out.stdout or \
        "not part of a trace" in out.stderr + out.stdout
    assert _snapshot(folder) == before
    assert ip.user_ns["q"] == 42  # the cell still ran
    # a folder holding only a trace (a re-run of the same cell) is replaced
    clean = tmp_path / "E"
    for value in (1, 2):
        with capture_output():
            ip.run_cell(f"%%codetrace --out {clean} --view none\nr = {value}\n")
        assert ct_jupyter.load(clean).variable("r", 1).plain() == value
