"""Shared fixtures: leak guards after every test, and the backend fixture."""

from __future__ import annotations

import sys

import pytest

from ct_jupyter.core import recorder as _recorder

_recorder.TESTING = True


def _claimed_tool_ids() -> list[int]:
    mon = getattr(sys, "monitoring", None)
    if mon is None:
        return []
    return [i for i in range(6) if mon.get_tool(i) == "ct_jupyter"]


@pytest.fixture(autouse=True)
def no_leaks():
    """Fail a test that leaves a monitoring tool id, a trace function or a patched stream."""
    trace_before = sys.gettrace()
    out, err, inp = sys.stdout, sys.stderr, sys.stdin
    yield
    assert _claimed_tool_ids() == [], "a sys.monitoring tool id is still claimed by ct_jupyter"
    assert sys.gettrace() is trace_before, "sys.settrace was not restored"
    assert sys.stdout is out and sys.stderr is err and sys.stdin is inp, "streams not restored"


def available_backends() -> list[str]:
    """Return the backends this interpreter can run."""
    return ["sysmon", "settrace"] if hasattr(sys, "monitoring") else ["settrace"]


@pytest.fixture(params=available_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """Each available backend in turn."""
    return request.param
