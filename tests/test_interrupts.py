"""Ctrl-C stops a recorded program as it stops the same program unrecorded (issue 8 §1):
an ``await``-using ``%%codetrace`` cell in a real kernel, and ``ct-jupyter record`` in a real
process (exit status 130, the trace still written)."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from ct_jupyter.codetracer import load
from tests.test_io_kernel import kernel  # noqa: F401 - the shared real kernel fixture

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _interrupt_cell(client: Any, code: str) -> dict[str, Any]:
    """Start ``code``, wait until it printed READY, interrupt the kernel; return the reply."""
    km = client.parent
    msg_id = client.execute(code)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait for the cell to be running, not a fixed time
        msg = client.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream" \
                and "READY" in msg["content"]["text"]:
            break
    km.interrupt_kernel()
    while True:
        reply = client.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


@pytest.mark.parametrize("body", [
    "while True:\n    n += 1\n    await asyncio.sleep(0.05)\n",
    "await asyncio.sleep(3600)\n",               # a loop asleep for an hour
    "await asyncio.sleep(0)\nwhile True:\n    n += 1\n",  # never yields to its loop again
])
def test_await_cell_under_the_magic_is_interrupted(kernel: Any, body: str) -> None:  # noqa: F811
    from tests.test_io_kernel import run

    run(kernel, "%load_ext ct_jupyter")
    cell = ("%%codetrace --view none\nimport asyncio\nn = 0\nprint('READY', flush=True)\n"
            "try:\n" + "".join("    " + line + "\n" for line in body.splitlines())
            + "finally:\n    cleaned = True\n")
    reply = _interrupt_cell(kernel, cell)
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
    after = run(kernel, "print(cleaned, ct_jupyter.last_trace().outcome.exc_type)")
    assert after.text("stdout").split() == ["True", "KeyboardInterrupt"], (after.streams, [
        (e.get("ename"), e.get("evalue")) for e in after.errors])
    assert run(kernel, "print(1 + 1)").text("stdout") == "2\n"  # the kernel is usable again


SCRIPT = """\
import pathlib, sys, time
pathlib.Path(sys.argv[1]).write_text("ready")
n = 0
try:
    while True:
        n += 1
        time.sleep(0.01)
finally:
    print("cleanup", flush=True)
"""


@pytest.mark.parametrize("recorded", [False, True])
def test_ctrl_c_exit_status_is_pythons(tmp_path: pathlib.Path, recorded: bool) -> None:
    script = tmp_path / "loop.py"
    script.write_text(SCRIPT)
    ready = tmp_path / "ready"
    cmd = [sys.executable, str(script), str(ready)]
    if recorded:
        cmd = [sys.executable, "-m", "ct_jupyter", "record", "--out", str(tmp_path / "t"),
               str(script), str(ready)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    deadline = time.monotonic() + 120
    while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "cleanup" in out and "KeyboardInterrupt" in err
    # Python itself dies of SIGINT (a shell shows 130); the recorder exits with 130
    assert proc.returncode == (130 if recorded else -signal.SIGINT), err
    if recorded:
        trace = load(tmp_path / "t")
        assert trace.outcome.exc_type == "KeyboardInterrupt" and len(trace) > 3
