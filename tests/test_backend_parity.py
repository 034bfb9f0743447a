"""Every sample program gives the same steps and values through every backend."""

from __future__ import annotations

import pathlib
import sys

import pytest

import ct_jupyter
from tests.helpers import signature

SAMPLES = sorted((pathlib.Path(__file__).parent / "samples").glob("*.py"))


def _record(path: pathlib.Path, backend: str) -> ct_jupyter.Trace:
    return ct_jupyter.record(path.read_text(), filename=str(path), backend=backend, io="off")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_records_completely(sample: pathlib.Path, backend: str) -> None:
    trace = _record(sample, backend)
    assert len(trace) > 5
    assert not trace.truncated
    # calls and returns balance: every frame ended
    assert all(f.end_kind is not None for f in trace.frames())
    # the final state matches a plain run of the same program
    plain: dict[str, object] = {"__name__": "__main__"}
    try:
        exec(compile(sample.read_text(), str(sample), "exec"), plain)
    except ZeroDivisionError:
        assert trace.outcome.exc_type == "ZeroDivisionError"
    for name, value in trace.variables(len(trace)).items():
        if value.type_name == "Redacted":  # a secret-looking name (`token`): redacted by default
            continue
        if isinstance(plain.get(name), (int, str, list, tuple)) and value.kind != "function":
            if "<cycle" not in repr(value.plain()):
                assert value.plain() == plain[name], name


@pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="one backend only before 3.12")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_backends_agree(sample: pathlib.Path) -> None:
    a = _record(sample, "sysmon")
    b = _record(sample, "settrace")
    assert a.meta["backend"] == "sysmon" and b.meta["backend"] == "settrace"
    assert signature(a) == signature(b)
    assert [(f.function.qualname, f.kind, f.end_kind, f.parent) for f in a.frames()] == \
        [(f.function.qualname, f.kind, f.end_kind, f.parent) for f in b.frames()]
    assert [(e.step, e.kind, e.type_name) for e in a.exceptions] == \
        [(e.step, e.kind, e.type_name) for e in b.exceptions]


def test_sample_expectations(backend: str) -> None:
    samples = {p.stem: p for p in SAMPLES}
    t = _record(samples["aliasing"], backend)
    fin = t.variables(len(t))
    assert fin["a"].plain() == [99, 2, 3] and fin["a"].oid == fin["b"].oid
    assert [item.oid for item in fin["c"].items[:2]] == [fin["a"].oid] * 2
    t = _record(samples["exception_in_loop"], backend)
    assert t.variables(len(t))["bad"].plain() == [
        "invalid literal for int() with base 10: 'x'", "invalid literal for int() with base 10: ''"]
    kinds = [e.kind for e in t.exceptions]
    assert kinds.count("raise") == 2 and kinds.count("caught") == 2
    t = _record(samples["generators"], backend)
    fin = t.variables(len(t))
    assert (fin["first"].py, fin["second"].py, fin["rest"].plain()) == (5, 2, [1])
    assert fin["tens"].plain() == [0, 10, 20]
    t = _record(samples["uncaught"], backend)
    assert t.outcome.status == "raised" and t.line_of(t.raised_step()) == 2
    t = _record(samples["objects"], backend)
    acct = t.variables(len(t))["acct"]
    attrs = dict(acct.attrs)
    assert attrs["balance"].py == 15.5 and len(attrs["history"].items) == 3
