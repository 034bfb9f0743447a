"""The fd mirror shows every byte exactly once, live, whatever happens to the recording process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the fd mirror is POSIX only")

# CT_CASE picks what goes wrong: the recording thread hangs (the widest window a loaded
# machine can open) and the process then ends abruptly, or the forwarder process is killed.
SCRIPT = textwrap.dedent("""\
    import os, signal, sys, threading
    from ct_jupyter.core import fd_mirror
    case = os.environ["CT_CASE"]
    hanging = threading.Event()
    handle = fd_mirror.FdMirror._handle

    def hanging_handle(self, data):
        if case in ("exit", "crash"):
            hanging.set()
            threading.Event().wait()
        handle(self, data)

    fd_mirror.FdMirror._handle = hanging_handle
    recorded = []
    mirror = fd_mirror.FdMirror(1, recorded.append)
    mirror.start()
    lines = [b"line %05d\\n" % i for i in range(3000)]
    if case == "forwarder-killed":
        os.kill(mirror._forwarder.pid, signal.SIGKILL)
        mirror._forwarder.wait()
    os.write(1, b"".join(lines[:1500]))
    if case not in ("exit", "crash"):  # (the hung recording thread would only time out)
        mirror.catch_up(mirror.mark())
    seen_at_mark = "".join(recorded).count("\\n")
    os.write(1, b"".join(lines[1500:]))
    if case in ("exit", "crash"):
        if not hanging.wait(30):
            os.write(2, b"the recording thread never ran\\n")
        if case == "crash":
            import faulthandler
            faulthandler._sigsegv()
        os._exit(3)
    mirror.stop()
    os.write(1, b"after stop\\n")
    sys.stderr.write(f"{seen_at_mark} {''.join(recorded).count(chr(10))} {mirror.error}\\n")
    """)

EXPECTED = "".join(f"line {i:05d}\n" for i in range(3000))


def _run(case: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               CT_CASE=case)
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT, check=False)


@pytest.mark.parametrize(("case", "status"), [("exit", 3), ("crash", -11)])
def test_an_abrupt_end_loses_and_doubles_nothing_even_with_the_recorder_stuck(
        case: str, status: int) -> None:
    """os._exit or a crash while the recording thread holds a chunk: every byte shown once."""
    proc = _run(case)
    assert proc.returncode == status, proc.stderr
    assert "never ran" not in proc.stderr
    assert proc.stdout == EXPECTED


@pytest.mark.parametrize("case", ["normal", "forwarder-killed"])
def test_output_is_forwarded_and_recorded_in_full(case: str) -> None:
    """Everything reaches the terminal once and is recorded; mark/catch_up sees earlier bytes.

    With the forwarder process killed, the recording thread takes over forwarding.
    """
    proc = _run(case)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED + "after stop\n"
    seen_at_mark, recorded, error = proc.stderr.split()
    assert int(seen_at_mark) >= 1500
    assert int(recorded) == 3000
    assert error == "None"
