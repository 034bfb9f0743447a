"""Recording only what matters: functions=[...] and with ct_jupyter.focus()."""

from __future__ import annotations

import pathlib

import ct_jupyter
from ct_jupyter.codetracer.validate import validate
from tests.helpers import record_source

PROGRAM = '''\
import ct_jupyter


def helper(x):
    y = x * 2
    return y


def chosen(n):
    s = 0
    for i in range(n):
        s += helper(i)
    return s


a = helper(1)
b = chosen(3)
c = helper(5)
with ct_jupyter.focus():
    d = helper(7)
e = helper(8)
'''


def _functions(trace: ct_jupyter.Trace) -> list[str]:
    return [trace.frame(f).function.qualname for f in range(trace.frame_count)]


def test_functions_record_only_chosen_calls_and_their_callees(tmp_path: pathlib.Path,
                                                              backend: str) -> None:
    trace = record_source(PROGRAM, backend, functions=["chosen"])
    assert _functions(trace) == ["chosen", "helper", "helper", "helper"]
    assert trace.frame(0).parent == -1 and all(trace.frame(f).parent == 0 for f in (1, 2, 3))
    assert trace.frame(0).result is not None and trace.frame(0).result.plain() == 6
    assert validate(ct_jupyter.export(trace, tmp_path / "t")).ok


def test_glob_and_module_qualified_names(backend: str) -> None:
    trace = record_source(PROGRAM, backend, functions=["__main__.help*"])
    assert set(_functions(trace)) == {"helper"} and trace.frame_count == 7


def test_focus_records_only_the_block(tmp_path: pathlib.Path, backend: str) -> None:
    trace = record_source(PROGRAM, backend, focus=True)
    assert _functions(trace) == ["<module>", "helper"]
    module_lines = {trace.line_of(i) for i in range(len(trace)) if trace.frame_of(i) == 0}
    assert 20 in module_lines and 21 not in module_lines and 16 not in module_lines
    assert trace.variables(len(trace), 1)["x"].plain() == 7
    assert validate(ct_jupyter.export(trace, tmp_path / "t")).ok


def test_focus_is_a_no_op_otherwise(backend: str) -> None:
    with ct_jupyter.focus():
        value = 3  # not recording at all
    trace = record_source(PROGRAM, backend)
    assert _functions(trace).count("helper") == 7 and value == 3


def test_code_first_seen_outside_the_gate_is_recorded_inside_it(backend: str) -> None:
    src = '''\
def leaf(v):
    return v + 1

def chosen():
    return leaf(10)

first = leaf(0)
second = leaf(1)
third = chosen()
'''
    trace = record_source(src, backend, functions=["chosen"])
    assert _functions(trace) == ["chosen", "leaf"]
    assert trace.frame(1).result.plain() == 11
