"""The C core and the pure-Python core record identical traces (every sample, every backend).

`CT_JUPYTER_CORE` picks the core per recording. Every column of the trace is compared: steps,
frames, variable changes (names and encoded values), exceptions, the heap's versions, and the
run's facts (limits, dropped steps, outcome).
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import sysconfig
import textwrap
from typing import Any

import pytest

import ct_jupyter
from ct_jupyter.core import ccore
from ct_jupyter.errors import BackendUnavailable, CodetraceWarning, UsageError

HERE = pathlib.Path(__file__).parent
SAMPLES = sorted((HERE / "samples").glob("*.py"))
BENCH = HERE.parent / "benchmarks" / "programs"
#: the benchmark programs at tiny sizes (their first line is `N = ...`)
TINY = {"fib": 9, "matmul": 4, "sieve": 200, "wordcount": 60, "objects": 30, "bubble": 1,
        "reprclass": 40, "replace": 150, "generators": 60, "closures": 60,
        "comprehensions": 12, "strbuild": 120, "library": 10}

needs_c = pytest.mark.skipif(not ccore.AVAILABLE, reason="the C core was not built here")

# Programs of our own for the paths the C core takes itself and the hand-overs around them.
CASES = {
    "atoms": """\
        def f(a, b=2.5, *args, c=None, **kw):
            x = a + 1
            y = x * 1.0
            y = y * 1.0          # an equal float is still a change
            z = x == 3
            x = x                # the same int: no change
            w = complex(x, 1)
            del x
            x = 7
            return y
        r = [f(i, 0.5, i, c=i) for i in range(3)]
        """,
    "atom_then_object": """\
        def g(n):
            k = n
            k = [n]              # a rebind to an object: the Python path takes over
            k = n + 1
            s = "text" * n       # str is not an atom here
            return k
        total = 0
        for i in range(4):
            total += g(i)
        """,
    "first_line_objects": """\
        def h(items, n, label):
            return len(items) + n
        out = [h([1, 2], 3, "a"), h((4,), 5.5, None)]
        """,
    "closures_cells": """\
        def outer(n):
            acc = 0
            def inner(k):
                nonlocal acc
                acc += k
                return acc
            for i in range(n):
                inner(i)
            return acc
        val = outer(5)
        """,
    "generators_yield": """\
        def gen(n):
            i = 0
            while i < n:
                yield i * 2
                i += 1
            return "done"
        got = []
        g = gen(4)
        for v in g:
            got.append(v)
        pairs = list(zip(gen(3), gen(2)))
        """,
    "exceptions": """\
        def bad(n):
            if n % 3 == 0:
                raise ValueError(n)
            return n
        def wrap(n):
            try:
                return bad(n)
            except ValueError as e:
                return -1
        vals = [wrap(i) for i in range(6)]
        try:
            bad(0)
        except ValueError:
            caught = True
        """,
    "recursion_returns": """\
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)
        def fl(n):
            return n / 3 if n else None
        big = fact(25)           # a big int: still an atom
        small = [fl(i) for i in range(3)]
        """,
    "globals_module_level": """\
        counter = 0
        def bump():
            global counter
            counter += 1
            return counter
        for _ in range(3):
            bump()
        x = y = 1.5
        x += 1
        """,
    "recheck_after_calls": """\
        class P:
            pass
        def touch(p, xs):
            p.v = len(xs)
            return p
        def work(n):
            p = P()
            xs = [1, 2]
            s = "ab"
            f = touch
            for i in range(n):
                q = touch(p, xs)      # the same object comes back: no change
                s = "".join(["a", "b"])  # an equal str, another object
                k = i * 2
                if i == 1:
                    p = P()           # a new object after a call
                if i == 2:
                    xs = None         # the list let go (a suspect)
                    xs = [i]
                    del q
            return k
        out = work(4)
        g = None
        def mk():
            return P()
        for j in range(3):
            g = mk()                  # module level: rebound after a call
            h = j
            w = mk() and j            # an atom after a call, the object dropped at once
        """,
    "list_item_stores": """\
        grid = [0] * 8
        def mark(xs, n):
            for i in range(n):
                xs[i % 8] = i            # a name index, many versions (keyframes)
                xs[i % 3 + 1] = 2.5      # an added constant
                xs[-1] = None            # a negative constant
                xs[i % 8] += 1           # in place
            alias = xs
            alias[0] = "text"            # a str item: Python encodes it
            alias[1] = [i]               # an object item
            alias[1] = 7                 # replacing a tracked object
            xs.append(99)                # its length changed
            xs[2] = True
            return xs[0]
        first = mark(grid, 60)
        shared = grid
        for j in range(3):
            grid[j] = j * j              # module level
            shared[j + 1] = -j
        big = list(range(300))
        def tail(ys):
            for k in range(250, 260):
                ys[k] = 0                # past the shown head (max_items)
        tail(big)
        """,
    "attr_stores_and_calls": """\
        class Acc:
            def __init__(self, owner, n):
                self.owner = owner
                self.n = n
            def add(self, k):
                self.n += k
                self.last = "odd" if k % 2 else "even"
                return self.n
        class Slotted:
            __slots__ = ("v",)
            def __init__(self):
                self.v = 0
        def helper(x):
            return x + 1
        accts = [Acc("a", 1), Acc("b", 2)]
        s = Slotted()
        for i in range(60):
            a = accts[i % 2]
            a.add(helper(i))             # a user method and a user function
            a.n = len(accts) + i         # a pure builtin
            s.v = i                      # slots: Python's path
            a.tag = [i]                  # an object attribute
            a.owner = "x" * (i % 3)      # a str attribute
            a.f = float(i) / 2           # a float
        del accts[0].tag
        accts[0].n = 5                   # an attribute removed: the full check
        Acc.count = 3                    # a class attribute
        """,
    "dicts_tails_strings": """\
        counts = {}
        words = []
        text = "the cat and the hat and a cat"
        for i, word in enumerate(text.split() * 9):
            w = word.strip(".").upper()          # a new str each time
            counts[w] = counts.get(w, 0) + 1     # a dict item: new keys, then replaced
            words.append(w)                      # a list grown at its end
            words.extend([i, None])
            counts[i % 4] = i / 2                # int keys, float values
            counts[b"k"] = w                     # bytes key, str value
            if i == 20:
                del counts["THE"]                # a removal: the full check
                counts["THE"] = 0
        def local(n):
            d = {}
            out = []
            for k in range(n):
                d[k] = "v" * k                   # a function frame
                out.append(d.get(k))
                label = "item-" + str(k)
            return len(out), label
        res = local(70)
        long = "x" * 20_000                      # longer than max_str: Python cuts it
        tags = {}
        tags["a"] = long
        """,
    "generator_objects": """\
        class Box:
            def __init__(self, v):
                self.v = v
        def gen(items):
            total = 0
            for b in items:
                total += b.v
                got = yield b            # yields a tracked object
                if got is not None:
                    b.v = got
            return total
        boxes = [Box(i) for i in range(5)]
        g = gen(boxes)
        first = next(g)
        second = g.send(10)
        rest = list(g)
        def pipe(n):
            yield from (Box(i) for i in range(n))
        out = [b.v for b in pipe(4)]
        def stopper():
            try:
                yield 1
                yield 2
            finally:
                done = True
        s = stopper()
        next(s)
        s.close()
        """,
    "new_instances": """\
        from dataclasses import dataclass
        class P:
            def __init__(self, x, y):
                self.x = x
                self.y = y
            def moved(self, d):
                return P(self.x + d, self.y - d)
            def __repr__(self):
                return f"P({self.x}, {self.y})"
        @dataclass
        class D:
            a: int
            b: str = "s"
        class Pre:
            def __new__(cls, v):
                obj = super().__new__(cls)
                obj.early = [v]            # an attribute before __init__ runs
                return obj
            def __init__(self, v):
                self.v = v
        class E(Exception):
            def __init__(self, m):
                self.m = m
        p = P(0, 0)
        for i in range(30):
            p = p.moved(1)                 # the old one dies: its weak reference is settled
            d = D(i)
            q = Pre(i)
            if i % 7 == 0:
                e = E("x")
        keep = [P(i, i) for i in range(5)]
        """,
    "containers_replaced": """\
        class Tracked:
            log = []
            def __init__(self, n):
                self.n = n
            def __del__(self):
                Tracked.log.append(self.n)
        class H:
            pass
        d = {}
        h = H()
        slots = [None] * 5
        for i in range(120):
            d[i % 30] = [i, "s"]            # a new list replaces one only we held: released
            h.items = [i, i + 1]
            slots[i % 5] = [i]
            slots[-1 - i % 2] = (i,)        # a tuple: Python captures it
            if i % 10 == 0:
                d["t"] = [Tracked(i)]       # a list holding an object with a finalizer
            h.obj = Tracked(-i) if i % 15 == 0 else None
            total = len(d[i % 30]) + len(h.items)
        gone = list(Tracked.log)
        """,
    "uncaught": """\
        def boom(n):
            m = n * 2
            return m // (n - n)
        z = 1
        boom(z)
        """,
}


def _record(src: str, backend: str, core: str, monkeypatch: pytest.MonkeyPatch,
            filename: str | None = None, **options: Any) -> ct_jupyter.Trace:
    monkeypatch.setenv("CT_JUPYTER_CORE", core)
    kwargs: dict[str, Any] = {"backend": backend, "io": "off", **options}
    if filename is not None:
        kwargs["filename"] = filename
    try:
        trace = ct_jupyter.record(src, **kwargs)
    except ZeroDivisionError:
        trace = ct_jupyter.last_trace()
    assert trace is not None
    assert trace.meta["core"] == core
    return trace


def _text(value: object) -> str:
    text = re.sub(r"0x[0-9a-f]+", "0xADDR", repr(value))  # reprs of live objects: addresses
    return re.sub(r"<ct_jupyter-\d+>", "<ct_jupyter-N>", text)  # a filename per recording


def _columns(trace: ct_jupyter.Trace) -> dict[str, object]:
    cols = trace.columns
    out: dict[str, object] = {}
    for name in ("step_line", "step_frame", "frame_func", "frame_parent", "frame_depth",
                 "frame_call_step", "frame_first_step", "frame_end_step", "frame_kind",
                 "frame_end_kind", "ch_step", "ch_frame", "ch_name", "exc_step", "exc_frame",
                 "exc_kind", "exc_type", "exc_msg", "dropped_steps", "stop_reason", "failure"):
        value = getattr(cols, name)
        out[name] = list(value) if not isinstance(value, (int, str, type(None))) else value
    out["ch_val"] = [_text(v) for v in cols.ch_val]
    out["frame_result"] = [_text(v) for v in cols.frame_result]
    heap = cols.heap
    out["heap"] = [(heap.kinds[oid], heap.version_steps(oid),
                    [_text(heap.snapshot_at(oid, s)) for s in heap.version_steps(oid)])
                   for oid in range(len(heap))]
    out["outcome"] = _text(cols.outcome)
    out["exact"] = trace.dropped_steps_exact
    return out


def _assert_same(src: str, backend: str, monkeypatch: pytest.MonkeyPatch,
                 filename: str | None = None, **options: Any) -> ct_jupyter.Trace:
    py = _record(src, backend, "python", monkeypatch, filename, **options)
    c = _record(src, backend, "c", monkeypatch, filename, **options)
    a, b = _columns(py), _columns(c)
    for key in a:
        assert a[key] == b[key], key
    return c


@needs_c
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_samples_record_identically(sample: pathlib.Path, backend: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(sample.read_text(), backend, monkeypatch, filename=str(sample))


@needs_c
@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_programs_record_identically(name: str, backend: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    text = (BENCH / f"{name}.py").read_text()
    src = f"N = {TINY[name]}\n" + text.partition("\n")[2]
    trace = _assert_same(src, backend, monkeypatch)
    assert len(trace) > 20


@needs_c
@pytest.mark.parametrize("case", sorted(CASES))
def test_cases_record_identically(case: str, backend: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    trace = _assert_same(textwrap.dedent(CASES[case]), backend, monkeypatch)
    assert len(trace) > 3


@needs_c
@pytest.mark.parametrize("max_steps", [1, 7, 40])
def test_limits_record_identically(max_steps: int, backend: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src = textwrap.dedent(CASES["closures_cells"]) + "more = [outer(k) for k in range(3)]\n"
    with pytest.warns(CodetraceWarning, match="max_steps"):
        trace = _assert_same(src, backend, monkeypatch, max_steps=max_steps)
    assert len(trace) == max_steps and trace.dropped_steps > 0


def test_core_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CT_JUPYTER_CORE", "python")
    assert ccore.chosen() == "python"
    assert ct_jupyter.record("x = 1", io="off").meta["core"] == "python"
    monkeypatch.setenv("CT_JUPYTER_CORE", "auto")
    assert ccore.chosen() == ("c" if ccore.AVAILABLE else "python")
    monkeypatch.setenv("CT_JUPYTER_CORE", "fast")
    with pytest.raises(UsageError) as info:
        ccore.chosen()
    assert info.value.code and "CT_JUPYTER_CORE" in str(info.value)
    monkeypatch.setenv("CT_JUPYTER_CORE", "c")
    if ccore.AVAILABLE:
        assert ccore.chosen() == "c"
    else:
        with pytest.raises(BackendUnavailable):
            ccore.chosen()


def test_c_core_is_built_where_a_compiler_is() -> None:
    # `pip install -e .` builds the extension when a C compiler and Python.h are present (as on
    # CI); without them the install still works, on the Python core.
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    include = sysconfig.get_paths()["include"]
    if shutil.which(cc) is None or not os.path.exists(os.path.join(include, "Python.h")):
        pytest.skip("no C compiler or Python headers: the Python core is the one installed")
    assert ccore.AVAILABLE, "the C core was not built although a compiler is available"


@needs_c
def test_a_recorder_of_another_shape_falls_back_to_python(backend: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # The C core reads the recorder's slots; if they change, recording goes on in Python.
    from types import SimpleNamespace

    from ct_jupyter.core import _ccore  # type: ignore[attr-defined]
    from ct_jupyter.core.analysis import LineEffects
    from ct_jupyter.core.recorder import CodeInfo
    from ct_jupyter.model.encoded import Ref

    class Other:
        __slots__ = ("fid", "info")

    rec = SimpleNamespace()
    with pytest.raises((TypeError, AttributeError), match="effects"):
        _ccore.Core(rec, None, None, Other, LineEffects, CodeInfo, frozenset(), None,
                    frozenset(), Ref)

    def mismatched(*args: object) -> None:
        raise TypeError("_FrameState.objs is not a slot")

    monkeypatch.setattr(ccore, "_CCORE", SimpleNamespace(Core=mismatched))
    monkeypatch.setenv("CT_JUPYTER_CORE", "auto")
    trace = ct_jupyter.record("x = 1\ny = x + 1\n", backend=backend, io="off")
    assert trace.meta["core"] == "python" and "slot" in str(trace.meta["core_fallback"])
    assert [trace.line_of(i) for i in range(len(trace))] == [1, 2]
    monkeypatch.setenv("CT_JUPYTER_CORE", "c")
    with pytest.raises(BackendUnavailable):
        ct_jupyter.record("x = 1\n", backend=backend, io="off")


@needs_c
@pytest.mark.parametrize("max_memory", [20_000, 60_000])
def test_memory_limit_records_identically(max_memory: int, backend: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # item stores counted in C must reach the memory mark exactly where Python's do
    src = textwrap.dedent("""\
        def fill(xs, n):
            for i in range(n):
                xs[i % 50] = i * 0.5
        data = [0.0] * 50
        for r in range(40):
            fill(data, 200)
        """)
    with pytest.warns(CodetraceWarning, match="max_memory"):
        trace = _assert_same(src, backend, monkeypatch, max_memory=max_memory)
    assert trace.stop_reason == "max_memory"


@needs_c
def test_user_labels_record_identically(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # repr_user: instances get their __repr__ as a label, which only the Python path computes
    trace = _assert_same(textwrap.dedent(CASES["new_instances"]), backend, monkeypatch,
                         repr_user=True)
    assert len(trace) > 3
