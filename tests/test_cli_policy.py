"""The command line's CodeTracer-recorder flags, environment and codetracer-record."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from ct_jupyter.cli import codetracer_record, main
from ct_jupyter.policy import reset_policy

SCRIPT = '''\
import sys


def login(password):
    token = password[::-1] + "!"
    return len(token)


print(login("open" + "sesame"))
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
'''


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path):
    for var in list(os.environ):
        if var.startswith("CODETRACER_"):
            monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(SCRIPT)
    yield
    reset_policy()
    from ct_jupyter.logs import configure_logging

    configure_logging(None, None)


def _trailer(err: str) -> dict[str, object]:
    return json.loads(err.strip().splitlines()[-1])


def test_recorder_flags(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "--trace-dir", "t1", "--format", "json", "--io-capture", "off",
                 "s.py"]) == 0
    data = (tmp_path / "t1" / "trace.json").read_text()
    assert "emasesnepo" not in data and "<redacted>" in data
    assert main(["record", "--trace-dir", "t2", "--no-propagate-script-exit", "s.py", "3"]) == 0
    assert "Script exited with status 3; returning 0" in capsys.readouterr().err
    assert main(["record", "--trace-dir", "t3", "--propagate-script-exit", "s.py", "3"]) == 3
    assert main(["record", "--trace-dir", "t4", "--function", "login", "s.py"]) == 0
    meta = json.loads((tmp_path / "t4" / "trace_metadata.json").read_text())
    assert meta["ct_jupyter"]["meta"]["counters"]["value_redactions"]["argument"] >= 1


def test_trace_filter_flag_and_env_order(tmp_path: pathlib.Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.toml").write_text('[meta]\nname = "a"\nversion = 1\n')
    (tmp_path / "b.toml").write_text('[meta]\nname = "b"\nversion = 1\n')
    (tmp_path / "e.toml").write_text('[meta]\nname = "e"\nversion = 1\n')
    monkeypatch.setenv("CODETRACER_TRACE_FILTER", str(tmp_path / "e.toml"))
    assert main(["record", "--trace-dir", "t", "--trace-filter", "a.toml::b.toml", "s.py"]) == 0
    meta = json.loads((tmp_path / "t" / "trace_metadata.json").read_text())
    names = [f["name"] for f in meta["ct_jupyter"]["meta"]["trace_filter"]["filters"]]
    assert names == ["builtin-default", "e", "a", "b"]


def test_bad_values_exit_2_with_field_and_source(tmp_path: pathlib.Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "--json-errors", "--trace-dir", "t", "--max-steps", "-4", "s.py"]) == 2
    trailer = _trailer(capsys.readouterr().err)
    assert trailer["error_code"] == "ERR_INVALID_POLICY_VALUE"
    assert trailer["context"] == {"field": "max_steps", "value": -4,
                                  "source": "command line (--max-steps)"}
    assert isinstance(trailer["run_id"], str) and trailer["trace_id"] is None
    monkeypatch.setenv("CODETRACER_ON_RECORDER_ERROR", "explode")
    monkeypatch.setenv("CODETRACER_JSON_ERRORS", "1")
    assert main(["record", "--trace-dir", "t", "s.py"]) == 2
    trailer = _trailer(capsys.readouterr().err)
    assert trailer["context"]["source"] == "environment (CODETRACER_ON_RECORDER_ERROR)"
    (tmp_path / "bad.toml").write_text('[meta]\nname = "x"\nversion = 1\nextra = 2\n')
    monkeypatch.delenv("CODETRACER_ON_RECORDER_ERROR")
    assert main(["record", "--codetracer-json-errors", "--trace-filter", "bad.toml", "s.py"]) == 2
    trailer = _trailer(capsys.readouterr().err)
    assert trailer["context"]["line"] == 4 and trailer["context"]["file"].endswith("bad.toml")
    assert not (tmp_path / "t").exists() and not (tmp_path / "trace-out").exists()


def test_require_trace_and_log_file(tmp_path: pathlib.Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", "--json-errors", "--require-trace", "--function", "nothing_matches",
                 "--log-level", "info", "--log-file", "rec.log", "--trace-dir", "t", "s.py"])
    assert code == 1
    assert _trailer(capsys.readouterr().err)["error_code"] == "ERR_TRACE_MISSING"
    from ct_jupyter.logs import configure_logging

    configure_logging(None, None)
    lines = [json.loads(x) for x in (tmp_path / "rec.log").read_text().splitlines()]
    missing = [x for x in lines if x.get("error_code") == "ERR_TRACE_MISSING"]
    assert missing and missing[0]["level"] == "error" and missing[0]["run_id"]


def test_db_trace_path_and_codetracer_record(tmp_path: pathlib.Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODETRACER_DB_TRACE_PATH", str(tmp_path / "db"))
    assert codetracer_record(["s.py"]) == 0
    assert (tmp_path / "db" / "trace.json").is_file()


@pytest.mark.skipif(shutil.which("codetracer-record") is None
                    and not os.path.exists(os.path.join(os.path.dirname(sys.executable),
                                                        "codetracer-record")),
                    reason="console script not installed")
def test_console_script(tmp_path: pathlib.Path) -> None:
    exe = os.path.join(os.path.dirname(sys.executable), "codetracer-record")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODETRACER_")}
    env["CODETRACER_DB_TRACE_PATH"] = str(tmp_path / "cs")
    done = subprocess.run([exe, "s.py", "5"], cwd=tmp_path, env=env, check=False, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 5, done.stderr
    assert done.stdout.strip() == "11" and (tmp_path / "cs" / "trace.json").is_file()
