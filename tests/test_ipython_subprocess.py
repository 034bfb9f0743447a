"""``%%codetrace`` in a real terminal IPython fed on stdin (no kernel, no widget)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow


def run_ipython(script: str, tmp_path: object) -> str:
    """Feed ``script`` to ``python -m IPython --simple-prompt`` and return what it printed."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="100", TERM="dumb",
               IPYTHONDIR=str(tmp_path))
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "IPython", "--simple-prompt", "--colors=nocolor", "--no-banner",
         "--HistoryManager.enabled=False"],
        input=textwrap.dedent(script) + "\nexit\n", capture_output=True, text=True, timeout=120,
        env=env, cwd=str(tmp_path), check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + proc.stderr


def test_terminal_rendering_value_and_traceback(tmp_path: object) -> None:
    # a cell magic ends at two blank lines in the simple prompt
    out = run_ipython("""\
        %load_ext ct_jupyter
        def grow(n):
            return n + 1


        %%codetrace
        x = grow(1)
        print("x is", x)
        x * 10


        %%codetrace
        y = grow(2)
        y / 0


        print("still alive")
        """, tmp_path)
    assert "x is 2" in out
    assert "Out[3]: 20" in out
    # the rich view shows the recorded source of both cells and what was printed
    assert "x = grow(1)" in out and "return n + 1" in out
    assert "ZeroDivisionError" in out and "Cell In[4], line 2" in out
    assert "still alive" in out
    assert "\x1b[" not in out  # no colour codes when the output is not a terminal


def test_terminal_rendering_is_bounded(tmp_path: object) -> None:
    out = run_ipython("""\
        %load_ext ct_jupyter
        %%codetrace
        total = 0
        for i in range(5000):
            total += i
        total


        """, tmp_path)
    assert "Out[2]: 12497500" in out
    assert len(out.splitlines()) < 600
