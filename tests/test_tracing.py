"""The session API: start/stop/trace around a running program, balanced, written to a folder."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

import ct_jupyter
from ct_jupyter.codetracer.validate import validate

PROGRAM = '''\
import sys
import ct_jupyter


def work(n):
    total = 0
    for i in range(n):
        total += i
    return total


def inner(out):
    ct_jupyter.start(out, policy={"io_capture_line_proxies": False})
    x = work(3)
    return x


def outer(out):
    y = inner(out)
    z = work(2)  # after the adopted frame returned: a new root, still recorded
    return y + z


print(outer(sys.argv[1]))
print(ct_jupyter.is_tracing())
trace = ct_jupyter.stop(exit_code=0)
print(len(trace), ct_jupyter.is_tracing())
'''


def _events(folder: pathlib.Path) -> list[dict[str, object]]:
    return json.loads((folder / "trace.json").read_text())


def test_start_inside_running_frames_writes_a_balanced_trace(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(script), str(out)], check=False, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[:2] == ["4", "True"] and lines[-1] == "False"
    report = validate(out)
    assert report.ok, [str(p) for p in report.problems]
    events = _events(out)
    depth = lowest = 0
    for ev in events:
        if "Call" in ev:
            depth += 1
        elif "Return" in ev:
            depth -= 1
            lowest = min(lowest, depth)
    assert lowest >= 0 and depth == 0
    functions = [ev["Function"]["name"] for ev in events if "Function" in ev]
    assert not any("ct_jupyter" in str(name) for name in functions)
    meta = json.loads((out / "trace_metadata.json").read_text())
    assert meta["process_exit_status"]["code"] == 0


def test_trace_context_manager_and_errors(tmp_path: pathlib.Path, backend: str) -> None:
    def square(v: int) -> int:
        return v * v

    with ct_jupyter.trace(tmp_path / "t", backend=backend, io="off") as session:
        assert ct_jupyter.is_tracing()
        with pytest.raises(ct_jupyter.UsageError) as info:
            ct_jupyter.start(tmp_path / "other")
        assert info.value.code == "ERR_ALREADY_TRACING"
        values = [square(i) for i in range(3)]
    assert values == [0, 1, 4] and not ct_jupyter.is_tracing()
    assert session.trace is not None and len(session.trace) > 0
    assert validate(tmp_path / "t").ok
    assert ct_jupyter.stop() is None  # no-op when not tracing
    ct_jupyter.flush()


def test_bad_arguments_are_raised_before_anything_runs(tmp_path: pathlib.Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(ct_jupyter.UsageError) as info:
        ct_jupyter.start(tmp_path / "o", format="binary")
    assert info.value.code == "ERR_UNSUPPORTED_FORMAT"
    with pytest.raises(ct_jupyter.UsageError) as info:
        ct_jupyter.start(afile)
    assert info.value.code == "ERR_TRACE_DIR_CONFLICT"
    with pytest.raises(ct_jupyter.UsageError) as info:
        ct_jupyter.start(tmp_path / "o", policy={"require_trace": "perhaps"})
    assert info.value.code == "ERR_INVALID_POLICY_VALUE"
    assert info.value.context["source"] == "start(policy=…)"
    assert not ct_jupyter.is_tracing() and not (tmp_path / "o").exists()


def test_require_trace_with_nothing_recorded(tmp_path: pathlib.Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    session = ct_jupyter.start(tmp_path / "empty", functions=["never_called"],
                               policy={"require_trace": True, "json_errors": True})
    with pytest.raises(ct_jupyter.UsageError) as info:
        session.stop()
    assert info.value.code == "ERR_TRACE_MISSING"
    trailer = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert trailer["error_code"] == "ERR_TRACE_MISSING" and trailer["trace_id"]
    assert not (tmp_path / "empty").exists()


def test_start_adopts_the_calling_frame_in_process(tmp_path: pathlib.Path, backend: str) -> None:
    def job() -> int:
        ct_jupyter.start(tmp_path / "j", backend=backend, io="off")
        a = 1
        b = a + 1
        return b

    assert job() == 2
    trace = ct_jupyter.stop()
    assert trace is not None
    root = trace.frame(0)
    assert root.function.qualname.endswith("job") and root.end_kind == "return"
    assert trace.variables(len(trace), 0)["b"].plain() == 2
    assert validate(tmp_path / "j").ok


FLUSHING = '''\
import sys
import ct_jupyter
from ct_jupyter.codetracer import load
from ct_jupyter.codetracer.validate import validate


def step(total, i):
    return total + i


def main(out):
    total = 0
    for i in range(3):
        total = step(total, i)
    print("so far", total)
    ct_jupyter.flush()  # the folder now holds the trace up to here
    flushed = load(out)
    print(len(flushed), flushed.meta.get("snapshot"), flushed.variables(len(flushed) - 1).get("total"))
    print(validate(out).ok, [str(p) for p in validate(out).problems])
    for i in range(3, 6):
        total = step(total, i)
    return total


ct_jupyter.start(sys.argv[1], policy={"io_capture_line_proxies": False})
print(main(sys.argv[1]))
full = ct_jupyter.stop(exit_code=0)
print(len(full))
'''


@pytest.mark.parametrize("backend", ["auto", "settrace"])
def test_flush_writes_a_valid_trace_so_far_and_recording_goes_on(tmp_path: pathlib.Path,
                                                                 backend: str) -> None:
    """flush() leaves a complete, balanced trace of the steps so far; stop() replaces it."""
    script = tmp_path / "prog.py"
    script.write_text(FLUSHING.replace("policy={", f"backend={backend!r}, policy={{"))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(script), str(out)], check=False, capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "so far 3"
    flushed_steps, snapshot, total = lines[1].split(" ", 2)
    assert snapshot == "True" and "3" in total
    assert lines[2] == "True []"  # the flushed folder validates on its own
    assert lines[3] == "15"
    assert int(flushed_steps) < int(lines[4])  # the final trace has the later steps too
    report = validate(out)
    assert report.ok, [str(p) for p in report.problems]
    meta = json.loads((out / "trace_metadata.json").read_text())
    assert meta["process_exit_status"]["code"] == 0  # stop() wrote the whole recording


AUTO = '''\
import ct_jupyter


def work(n):
    return sum(i * i for i in range(n))


session = ct_jupyter.auto_start_from_env()
print(session is not None, ct_jupyter.is_tracing())
print(work(4))
'''


def test_auto_start_from_env_records_until_exit_and_writes_the_folder(tmp_path: pathlib.Path) -> None:
    """CODETRACER_TRACE starts a recording that an exit hook stops, so the folder is written."""
    script = tmp_path / "prog.py"
    script.write_text(AUTO)
    out = tmp_path / "auto"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODETRACER_")}
    done = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env=dict(env, CODETRACER_TRACE=str(out)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "14"]
    report = validate(out)
    assert report.ok, [str(p) for p in report.problems]
    functions = {ev["Function"]["name"] for ev in _events(out) if "Function" in ev}
    assert "work" in functions
    unset = subprocess.run([sys.executable, str(script)], check=False, capture_output=True,
                           text=True, cwd=tmp_path, timeout=120, env=env)
    assert unset.stdout.split() == ["False", "False", "14"]
    bad = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True,
                         cwd=tmp_path, timeout=120,
                         env=dict(env, CODETRACER_TRACE=str(out), CODETRACER_FORMAT="binary"))
    assert bad.returncode == 1 and "ERR_UNSUPPORTED_FORMAT" in bad.stderr
