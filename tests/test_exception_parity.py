"""Both backends report the same steps and exception events for every exception flow."""

from __future__ import annotations

import sys
import textwrap

import pytest

import ct_jupyter

PROGRAMS = {
    "comprehension_uncaught": """\
        def f(x):
            return 1 / x
        vals = [f(v) for v in [1, 0]]
        """,
    "comprehension_caught_outside": """\
        def f(x):
            return 1 / x
        try:
            vals = [f(v) for v in [1, 0]]
        except ZeroDivisionError:
            vals = None
        done = 1
        """,
    "nested_comprehensions": """\
        grid = [[1, 1], [1, 0]]
        try:
            inv = [[1 / x for x in row] for row in grid]
        except ZeroDivisionError as e:
            inv = str(e)
        """,
    "set_dict_generator_expressions": """\
        def check(v):
            if v > 2:
                raise ValueError(v)
            return v
        try:
            s = {check(v) for v in range(5)}
        except ValueError:
            s = set()
        try:
            d = {v: check(v) for v in range(5)}
        except ValueError:
            d = {}
        try:
            total = sum(check(v) for v in range(5))
        except ValueError:
            total = -1
        """,
    "try_except_finally": """\
        log = []
        def risky(n):
            try:
                if n:
                    raise KeyError(n)
                log.append("ok")
            except KeyError:
                log.append("caught")
            finally:
                log.append("finally")
        risky(0)
        risky(1)
        """,
    "finally_without_except": """\
        def g():
            try:
                raise RuntimeError("x")
            finally:
                cleanup = 1
        try:
            g()
        except RuntimeError:
            seen = 1
        """,
    "reraise_and_chain": """\
        def inner():
            raise ValueError("inner")
        def middle():
            try:
                inner()
            except ValueError:
                raise
        def outer():
            try:
                middle()
            except ValueError as e:
                raise TypeError("outer") from e
        try:
            outer()
        except TypeError:
            done = True
        """,
    "generator_close_and_throw": """\
        def gen():
            try:
                yield 1
                yield 2
            except KeyError:
                yield "recovered"
            finally:
                closing = True
        g = gen()
        a = next(g)
        b = g.throw(KeyError("k"))
        g.close()
        g2 = gen()
        next(g2)
        try:
            g2.throw(ValueError("v"))
        except ValueError:
            c = 3
        """,
    "with_suppress": """\
        import contextlib
        def boom():
            raise OSError("disk")
        with contextlib.suppress(OSError):
            boom()
        after = 1
        """,
    "deep_unwind": """\
        def a(n):
            if n == 0:
                raise LookupError("bottom")
            return a(n - 1)
        try:
            a(4)
        except LookupError:
            caught = True
        """,
    "uncaught_at_top": """\
        def f():
            return [1 / x for x in (1, 0)]
        f()
        """,
}


def events(src: str, backend: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    trace = ct_jupyter.record(textwrap.dedent(src), backend=backend, io="off")
    steps = [(trace.line_of(i), trace.frame_of(i)) for i in range(len(trace))]
    exc = [(e.step, e.frame, e.kind, e.type_name) for e in trace.exceptions]
    return steps, exc


@pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="one backend only before 3.12")
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_backends_agree_event_for_event(name: str) -> None:
    assert events(PROGRAMS[name], "sysmon") == events(PROGRAMS[name], "settrace")


@pytest.mark.parametrize("name", ["comprehension_uncaught", "uncaught_at_top"])
def test_an_uncaught_exception_is_never_reported_caught(name: str, backend: str) -> None:
    _, exc = events(PROGRAMS[name], backend)
    assert "caught" not in [e[2] for e in exc]
    assert exc[-1][2] == "unwind"


def test_finally_and_reraise_are_not_catches(backend: str) -> None:
    _, exc = events(PROGRAMS["finally_without_except"], backend)
    kinds = [e[2] for e in exc]
    # raised in g, left g through its finally, caught once by the module's except
    assert kinds == ["raise", "unwind", "caught"]
