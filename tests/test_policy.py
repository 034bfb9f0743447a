"""The policy layer: one precedence for defaults, environment, config, API and run options."""

from __future__ import annotations

import json
import logging
import pathlib
from collections.abc import Iterator

import pytest

import ct_jupyter
from ct_jupyter.errors import PolicyError, RecorderError, UsageError
from ct_jupyter.policy import reset_policy, resolve


@pytest.fixture(autouse=True)
def clean_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("CODETRACER_ON_RECORDER_ERROR", "CODETRACER_REQUIRE_TRACE", "CODETRACER_LOG_LEVEL",
                "CODETRACER_LOG_FILE", "CODETRACER_JSON_ERRORS", "CODETRACER_CAPTURE_IO",
                "CODETRACER_TRACE_FILTER", "CT_JUPYTER_MAX_STEPS", "CT_JUPYTER_BACKEND",
                "CODETRACER_KEEP_PARTIAL_TRACE", "CODETRACER_PROPAGATE_SCRIPT_EXIT"):
        monkeypatch.delenv(var, raising=False)
    reset_policy()
    yield
    reset_policy()


def test_snapshot_has_the_recorders_fields_and_ours() -> None:
    snap = ct_jupyter.policy_snapshot()
    for name in ("on_recorder_error", "require_trace", "keep_partial_trace", "log_level",
                 "log_file", "json_errors", "propagate_script_exit", "module_name_from_globals",
                 "max_steps", "backend", "max_items", "max_str", "trace_filter", "functions"):
        assert name in snap
    assert snap["io_capture"] == {"line_proxies": True, "fd_fallback": False}
    assert snap["sources"] == {}


def test_precedence_env_then_config_then_api_then_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CT_JUPYTER_MAX_STEPS", "100")
    monkeypatch.setenv("CODETRACER_CAPTURE_IO", "off")
    assert resolve().max_steps == 100
    assert resolve(ipython={"max_steps": 200}).max_steps == 200
    ct_jupyter.configure_policy(max_steps=300)
    policy = resolve(ipython={"max_steps": 200})
    assert policy.max_steps == 300 and policy.sources["max_steps"] == "configure_policy()"
    assert policy.io == "off" and policy.sources["io"] == "environment"
    run = resolve(("start()", {"max_steps": 400}), ipython={"max_steps": 200})
    assert run.max_steps == 400 and run.sources["max_steps"] == "start()"
    # keyword options of record() are the run's layer too
    with pytest.warns(ct_jupyter.CodetraceWarning):
        trace = ct_jupyter.record("a = 1\nb = 2\nc = 3\n", max_steps=2)
    assert len(trace) == 2


def test_configure_policy_changes_only_named_fields_and_io_aliases() -> None:
    ct_jupyter.configure_policy(require_trace=True)
    snap = ct_jupyter.configure_policy(io_capture_fd_fallback=True)
    assert snap["require_trace"] is True and snap["io"] == "proxies+fd"
    snap = ct_jupyter.configure_policy(io_capture_line_proxies=False, io_capture_fd_fallback=True)
    assert snap["io"] == "off"  # proxies off turns the fd fallback off too
    assert ct_jupyter.TraceOptions.build().io == "off"


@pytest.mark.parametrize("var, value, field", [
    ("CODETRACER_REQUIRE_TRACE", "maybe", "require_trace"),
    ("CODETRACER_ON_RECORDER_ERROR", "explode", "on_recorder_error"),
    ("CODETRACER_CAPTURE_IO", "sockets", "io"),
    ("CODETRACER_LOG_LEVEL", "loud", "log_level"),
    ("CT_JUPYTER_MAX_STEPS", "-2", "max_steps"),
])
def test_bad_environment_values_name_field_and_variable(monkeypatch: pytest.MonkeyPatch,
                                                       var: str, value: str, field: str) -> None:
    monkeypatch.setenv(var, value)
    ran = []
    with pytest.raises(PolicyError) as info:
        ct_jupyter.record("ran.append(1)", namespace={"ran": ran})
    err = info.value
    assert ran == []  # raised before anything ran
    assert err.code == "ERR_INVALID_POLICY_VALUE" and err.kind == "Usage"
    assert err.context["field"] == field and err.context["source"] == f"environment ({var})"


@pytest.mark.parametrize("fields", [{"max_steps": -1}, {"on_recorder_error": "maybe"},
                                    {"keep_partial_trace": "sometimes"}, {"backend": "gpu"},
                                    {"repr_timeout": 0}, {"include": "json"}])
def test_bad_api_values(fields: dict[str, object]) -> None:
    with pytest.raises(UsageError) as info:
        ct_jupyter.configure_policy(**fields)
    assert info.value.code == "ERR_INVALID_POLICY_VALUE"
    assert info.value.context["source"] == "configure_policy()"
    assert ct_jupyter.policy_snapshot()["sources"] == {}  # nothing half-applied


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(RecorderError) as info:
        ct_jupyter.configure_policy(colour="blue")
    assert info.value.code == "ERR_INVALID_POLICY_VALUE" and info.value.context["field"] == "colour"


def test_log_file_gets_json_lines(tmp_path: pathlib.Path) -> None:
    log = tmp_path / "rec.log"
    ct_jupyter.configure_policy(log_level="info", log_file=str(log))
    with ct_jupyter.trace(tmp_path / "t"):
        pass
    logging.getLogger("ct_jupyter").warning("custom", extra={"error_code": "ERR_X"})
    reset_policy()  # closes the file handler
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines, "nothing was logged"
    started = [ln for ln in lines if "recording started" in ln["message"]]
    assert started and started[0]["trace_id"] and started[0]["level"] == "info"
    last = lines[-1]
    assert last["error_code"] == "ERR_X" and last["trace_id"] is None
    assert {"ts_micros", "level", "run_id", "message"} <= set(last)
    assert len({ln["run_id"] for ln in lines}) == 1


def test_nothing_is_logged_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("ct_jupyter").warning("should stay silent")
    assert capsys.readouterr().err == ""
