"""IPython configuration as a policy layer: %config, ipython_config.py, flags on top."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from typing import Any

import pytest
from IPython.utils.capture import capture_output

import ct_jupyter


@pytest.fixture()
def ip() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "ct_jupyter")
    yield shell
    shell.run_line_magic("config", "CodetraceMagics.max_steps = None")
    shell.run_line_magic("config", "CodetraceMagics.functions = None")


BODY = "def f(v):\n    return v + 1\na = 1\nb = f(a)\nc = f(b)\nd = 4\n"


def test_percent_config_sets_a_default_and_flags_win(ip: Any) -> None:
    ip.run_line_magic("config", "CodetraceMagics.max_steps = 3")
    with capture_output() as out:
        ip.run_cell_magic("codetrace", "--io off --view none --as t", BODY)
    trace = ip.user_ns["t"]
    assert len(trace) == 3 and trace.stop_reason == "max_steps"
    assert "WARN_TRUNCATED" in out.stderr
    ip.run_cell_magic("codetrace", "--io off --view none --as t --max-steps 100", BODY)
    assert not ip.user_ns["t"].truncated
    ip.run_line_magic("config", "CodetraceMagics.functions = ['f']")
    ip.run_cell_magic("codetrace", "--io off --view none --as t", BODY)
    trace = ip.user_ns["t"]
    assert [trace.frame(i).function.qualname for i in range(trace.frame_count)] == ["f", "f"]


def test_bad_config_value_is_a_usage_error_before_running(ip: Any) -> None:
    ip.user_ns["ran"] = []
    ip.run_line_magic("config", "CodetraceMagics.max_steps = -1")
    with capture_output() as out:
        result = ip.run_cell("%%codetrace --view none\nran.append(1)\n")
    assert ip.user_ns["ran"] == []
    assert result.error_in_exec is not None
    text = str(result.error_in_exec)
    assert "ERR_INVALID_POLICY_VALUE" in text and "CodetraceMagics.max_steps" in text
    del out


def test_bad_flag_names_the_flag_layer(ip: Any) -> None:
    result = ip.run_cell("%%codetrace --view none --max-steps=-5\nx = 1\n")
    assert "ERR_INVALID_POLICY_VALUE" in str(result.error_in_exec)
    assert "%%codetrace flags" in str(result.error_in_exec)


def test_nothing_extra_in_a_notebook_by_default(ip: Any) -> None:
    with capture_output() as out:
        ip.run_cell_magic("codetrace", "--io off --view none", "password = 'x' * 2\n")
    assert out.stdout == "" and out.stderr == ""
    assert ct_jupyter.last_trace().counters["redactions"] == 1


@pytest.mark.slow
def test_ipython_config_file(tmp_path: pathlib.Path) -> None:
    profile = tmp_path / "profile_default"
    profile.mkdir()
    (profile / "ipython_config.py").write_text(
        "c.InteractiveShellApp.extensions = ['ct_jupyter']\n"
        "c.CodetraceMagics.max_steps = 2\n")
    code = ("%%codetrace --io off --view none --as t\na = 1\nb = 2\nc = 3\n\n\n"
            "print('STEPS', len(t), t.stop_reason)\n\nexit\n")
    env = dict(os.environ, IPYTHONDIR=str(tmp_path), TERM="dumb")
    done = subprocess.run([sys.executable, "-m", "IPython", "--simple-prompt", "--colors=nocolor",
                           "--HistoryManager.enabled=False",
                           f"--profile-dir={profile}"], input=code, check=False, capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=180)
    assert "STEPS 2 max_steps" in done.stdout, done.stdout + done.stderr


def test_log_level_from_the_environment_reaches_a_notebook(ip: Any, tmp_path: pathlib.Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from ct_jupyter.logs import configure_logging, logger

    log = tmp_path / "nb.log"
    monkeypatch.setenv("CODETRACER_LOG_FILE", str(log))
    monkeypatch.setenv("CODETRACER_LOG_LEVEL", "debug")
    try:
        ip.run_cell_magic("codetrace", "--io off --view none", "x = 1\n")
        logger.debug("probe")
    finally:
        configure_logging(None, None)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[-1]["message"] == "probe" and lines[-1]["level"] == "debug"
