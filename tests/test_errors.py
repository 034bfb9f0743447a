"""The error tree: CodeTracer's names and kinds, typed context, and the JSON trailer."""

from __future__ import annotations

import builtins

import pytest

import ct_jupyter
from ct_jupyter import errors


def test_kinds_and_aliases() -> None:
    assert ct_jupyter.RecorderError is errors.CodetraceError
    assert ct_jupyter.EnvironmentError is errors.EnvironmentError_
    assert errors.EnvironmentError is errors.EnvironmentError_
    assert builtins.EnvironmentError is OSError  # never shadowed
    for cls, kind in ((ct_jupyter.UsageError, "Usage"), (ct_jupyter.EnvironmentError, "Environment"),
                      (ct_jupyter.TargetError, "Target"), (ct_jupyter.InternalError, "Internal")):
        assert issubclass(cls, ct_jupyter.RecorderError) and cls.kind == kind
    assert ct_jupyter.TargetError.code == "ERR_TRACE_INCOMPLETE"
    assert ct_jupyter.InternalError.code == "ERR_UNKNOWN"
    assert issubclass(errors.TraceFormatError, ct_jupyter.TargetError)
    assert issubclass(errors.BackendUnavailable, ct_jupyter.EnvironmentError)


def test_code_written_against_the_recorder_catches_ours() -> None:
    try:
        ct_jupyter.record("x = 1", max_steps=-3)
    except ct_jupyter.RecorderError as err:
        assert err.code == "ERR_INVALID_POLICY_VALUE" and err.kind == "Usage"
        assert err.context["value"] == "-3"  # context is str -> str, as the recorder's
        trailer = err.to_json()
        assert trailer["context"]["value"] == -3  # the trailer keeps the JSON type
        assert set(trailer) == {"context", "error_code", "error_kind", "message", "run_id",
                                "trace_id"}
    else:
        pytest.fail("no error")


def test_context_types_survive() -> None:
    err = errors.UsageError("m", context={"n": 3, "ok": True, "f": 1.5, "none": None,
                                          "items": ["a", 1], "obj": object()})
    ctx = err.to_json()["context"]
    assert ctx["n"] == 3 and ctx["ok"] is True and ctx["f"] == 1.5 and ctx["none"] is None
    assert ctx["items"] == ["a", 1] and isinstance(ctx["obj"], str)
    assert err.context["n"] == "3" and err.context["items"] == "a, 1"
