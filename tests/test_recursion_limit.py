"""A recorded program meets the recursion limit where it would unrecorded, and sees its own limit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ct_jupyter
from ct_jupyter.core import ccore
from ct_jupyter.core.recursion_limit import shifted_recursion_limit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEPTH_PROBE = textwrap.dedent("""\
    import sys
    def down(n):
        try:
            return down(n + 1)
        except RecursionError:
            return n
    def near(n):  # recurses to a few frames below the limit, which works unrecorded
        return 0 if n == 0 else 1 + near(n - 1)
    print(sys.getrecursionlimit(), near(sys.getrecursionlimit() - 12))
    print(down(0))
    """)


def _run(tmp_path: Path, *command: str, core: str = "auto") -> list[str]:
    script = tmp_path / "probe.py"
    script.write_text(DEPTH_PROBE)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               CT_JUPYTER_CORE=core)
    proc = subprocess.run([sys.executable, *command, str(script)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split("\n")


@pytest.mark.parametrize("core", ["python", pytest.param("c", marks=pytest.mark.skipif(
    not ccore.AVAILABLE, reason="the C core was not built here"))])
def test_the_command_line_keeps_the_limit_where_a_plain_run_has_it(tmp_path: Path,
                                                                   core: str) -> None:
    """The runner's own frames do not count against the program's recursion limit."""
    plain = _run(tmp_path)
    recorded = _run(tmp_path, "-m", "ct_jupyter", "record", "-o", str(tmp_path / "out"),
                    core=core)
    assert recorded[0] == plain[0]  # the same limit shown, and recursing near it works
    deepest, seen = int(plain[1]), int(recorded[1])
    if sys.version_info >= (3, 12) and core == "c":
        assert seen == deepest  # the C core's callbacks push no Python frame
    else:  # Python callbacks run a few frames above the program's deepest frame
        assert deepest - 10 <= seen <= deepest


def test_the_program_reads_and_sets_its_own_limit(tmp_path: Path) -> None:
    """getrecursionlimit/setrecursionlimit show the program's numbers; what it sets stays."""
    before = sys.getrecursionlimit()
    try:
        trace = ct_jupyter.record(textwrap.dedent("""\
            import sys
            first = sys.getrecursionlimit()
            sys.setrecursionlimit(first + 500)
            second = sys.getrecursionlimit()
            """))
        last = trace.variables(len(trace))
        assert last["first"].text == str(before)
        assert last["second"].text == str(before + 500)
        assert sys.getrecursionlimit() == before + 500  # as the program left it
        assert sys.setrecursionlimit.__module__ == "sys"
    finally:
        sys.setrecursionlimit(before)


def test_a_bad_limit_fails_as_it_would_unrecorded() -> None:
    """The same exception types and messages as the interpreter's own functions."""
    outcomes = []
    for shifted in (False, True):
        seen = []
        with shifted_recursion_limit(7 if shifted else 0):
            for bad in (0, -3, 2.5, "10"):
                try:
                    sys.setrecursionlimit(bad)  # type: ignore[arg-type]
                except (TypeError, ValueError) as exc:
                    seen.append((type(exc).__name__, str(exc)))
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0]) == 4


def test_nested_shifts_unwind_to_the_original_functions() -> None:
    """Nested recordings compose, and the interpreter's functions come back afterwards."""
    get, put, limit = sys.getrecursionlimit, sys.setrecursionlimit, sys.getrecursionlimit()
    with shifted_recursion_limit(5):
        with shifted_recursion_limit(3):
            assert sys.getrecursionlimit() == limit
        assert sys.getrecursionlimit() == limit
    assert (sys.getrecursionlimit, sys.setrecursionlimit) == (get, put)
    assert sys.getrecursionlimit() == limit
