"""Recording never changes the program: each program runs recorded and unrecorded, and what it
observed (results, files, lifetimes, calls into its own code, timers) must be the same."""

from __future__ import annotations

import gc
import sys
import textwrap
import threading
from typing import Any

import pytest

import ct_jupyter


def observe(src: str, backend: str, **options: Any) -> tuple[list[object], list[object]]:
    """Run ``src`` unrecorded, then recorded; return what each run appended to ``OUT``."""
    code = textwrap.dedent(src)
    plain: dict[str, Any] = {"__name__": "__main__", "OUT": []}
    exec(compile(code, "<plain>", "exec"), plain)
    gc.collect()
    recorded: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__, "OUT": []}
    options.setdefault("io", "off")
    trace = ct_jupyter.record(code, namespace=recorded, backend=backend, **options)
    assert trace.outcome.status == "returned", trace.outcome
    return plain["OUT"], recorded["OUT"]


def assert_same(src: str, backend: str, **options: Any) -> list[object]:
    plain, recorded = observe(src, backend, **options)
    assert recorded == plain
    return plain


# -- 1. object lifetimes ------------------------------------------------------------------------
LIFETIMES = {
    "file_flushed_on_del": """\
        import os, tempfile
        p = os.path.join(tempfile.mkdtemp(), "f.txt")
        f = open(p, "w")
        f.write("data")
        del f
        OUT.append(open(p).read())
        """,
    "del_order": """\
        class D:
            def __init__(self, n):
                self.n = n
            def __del__(self):
                OUT.append("del " + self.n)
        a = D("a")
        b = D("b")
        del a
        OUT.append("after a")
        b = None
        OUT.append("end")
        """,
    "weakref_dies": """\
        import weakref
        class C:
            pass
        o = C()
        o.x = 1
        r = weakref.ref(o)
        del o
        OUT.append(r() is None)
        """,
    "generator_finally_on_drop": """\
        def g():
            try:
                yield 1
                yield 2
            finally:
                OUT.append("finally")
        it = g()
        OUT.append(next(it))
        del it
        OUT.append("after")
        """,
    "lock_released_in_del": """\
        import threading
        lock = threading.Lock()
        class Holder:
            def __init__(self):
                lock.acquire()
            def __del__(self):
                lock.release()
        h = Holder()
        h = None
        OUT.append(lock.acquire(blocking=False))
        """,
    "item_popped_from_list": """\
        class D:
            def __del__(self):
                OUT.append("del")
        items = [D(), 1, "x"]
        items.pop(0)
        OUT.append("popped")
        """,
    "list_dropped": """\
        class D:
            def __del__(self):
                OUT.append("del")
        items = [D(), [D()]]
        del items
        OUT.append("dropped")
        """,
    "dict_value_removed": """\
        class D:
            def __del__(self):
                OUT.append("del")
        d = {"k": D(), "n": 1}
        del d["k"]
        OUT.append("removed")
        d["k"] = {"inner": [D()]}
        d.clear()
        OUT.append("cleared")
        """,
    "attribute_replaced": """\
        class D:
            def __del__(self):
                OUT.append("del")
        class Box:
            pass
        b = Box()
        b.res = D()
        b.res = None
        OUT.append("replaced")
        """,
    "replaced_in_loops": """\
        class D:
            def __init__(self, n):
                self.n = n
            def __del__(self):
                OUT.append(("del", self.n))
        class H:
            pass
        d = {}
        h = H()
        for i in range(6):
            d[i % 2] = [D(i)]           # a list holding an object replaced: both let go
            d[3] = [i, "x"]             # a list of atoms replaced (the C core's own path)
            h.items = [i]
            h.keep = D(10 + i)          # an instance replaced
            OUT.append(("step", i))
        """,
    "local_of_returned_function": """\
        class D:
            def __del__(self):
                OUT.append("del")
        def f():
            x = D()
            y = [D(), (D(),)]
            return 1
        f()
        OUT.append("after f")
        """,
    "set_and_tuple": """\
        class D:
            def __del__(self):
                OUT.append("del")
        s = {D()}
        s.clear()
        OUT.append("set cleared")
        t = (D(), 2)
        del t
        OUT.append("tuple dropped")
        """,
    "slots_without_weakref": """\
        class D:
            def __del__(self):
                OUT.append("del")
        class P:
            __slots__ = ("v",)
        p = P()
        p.v = D()
        p = None
        OUT.append("dropped")
        """,
    "str_subclass_with_del": """\
        class S(str):
            def __del__(self):
                OUT.append("del")
        names = [S("a")]
        names.clear()
        OUT.append("cleared")
        """,
    "dropped_through_a_library_call": """\
        import collections
        class D:
            def __del__(self):
                OUT.append("del")
        q = collections.deque([D()])
        q.popleft()
        OUT.append("popped")
        """,
}


@pytest.mark.parametrize("name", sorted(LIFETIMES))
def test_objects_die_when_the_program_drops_them(name: str, backend: str) -> None:
    out = assert_same(LIFETIMES[name], backend)
    assert out  # the program did observe something


def test_a_freed_address_reused_is_a_new_object(backend: str) -> None:
    trace = ct_jupyter.record(textwrap.dedent("""\
        class C:
            pass
        seen = []
        for i in range(40):
            o = C()
            o.v = i
            seen.append(id(o))
        reused = len(set(seen)) < len(seen)
        """), backend=backend, io="off")
    fin = trace.variables(len(trace))
    assert dict(fin["o"].attrs)["v"].py == 39
    # every new C is shown with its own value at the step after it was made
    values = []
    for step in range(len(trace)):
        v = trace.variables(step).get("o")
        if v is not None and v.attrs:
            values.append(dict(v.attrs)["v"].py)
    assert sorted(set(values)) == list(range(40))


def test_list_slot_refilled_at_a_reused_address_is_a_change(backend: str) -> None:
    trace = ct_jupyter.record(textwrap.dedent("""\
        def churn(a):
            for _ in range(3):
                a[0] = a[0] + 1000
        a = [5000]
        churn(a)
        done = a[0]
        """), backend=backend, io="off")
    fin = trace.variables(len(trace))
    assert fin["a"].plain() == [8000] and fin["done"].py == 8000


# -- 2. the recorder calls none of the program's code -------------------------------------------
USER_CODE = """\
    import collections
    CALLS = collections.Counter()
    class Loud:
        def __repr__(self):
            CALLS["repr"] += 1
            return "Loud()"
        def __hash__(self):
            CALLS["hash"] += 1
            return 1
        def __eq__(self, other):
            CALLS["eq"] += 1
            return self is other
        def __len__(self):
            CALLS["len"] += 1
            return 0
        def __getattr__(self, name):
            CALLS["getattr"] += 1
            raise AttributeError(name)
        @property
        def prop(self):
            CALLS["property"] += 1
            return 1
    class L(list):
        def __iter__(self):
            CALLS["list iter"] += 1
            return list.__iter__(self)
        def __len__(self):
            CALLS["list len"] += 1
            return list.__len__(self)
        def __getitem__(self, i):
            CALLS["list getitem"] += 1
            return list.__getitem__(self, i)
    class M(dict):
        def keys(self):
            CALLS["keys"] += 1
            return dict.keys(self)
        def __iter__(self):
            CALLS["dict iter"] += 1
            return dict.__iter__(self)
        def items(self):
            CALLS["items"] += 1
            return dict.items(self)
        def values(self):
            CALLS["values"] += 1
            return dict.values(self)
        def get(self, k, d=None):
            CALLS["get"] += 1
            return dict.get(self, k, d)
    class St(set):
        def __iter__(self):
            CALLS["set iter"] += 1
            return set.__iter__(self)
    class T(tuple):
        def __iter__(self):
            CALLS["tuple iter"] += 1
            return tuple.__iter__(self)
    class Msg(Exception):
        def __str__(self):
            CALLS["exc str"] += 1
            return "msg"
    c = Loud()
    c.x = 1
    c.x = 2
    lst = L([1, 2, c])
    lst.append(3)
    lst[0] = 9
    m = M(a=1, b=[2])
    m["c"] = c
    m[c] = 5
    m["a"] = 7
    s = St({1, 2})
    s.add(3)
    t = T((1, c))
    keys = {c: 1, Loud(): 2}
    keys[c] = 3
    try:
        raise Msg()
    except Msg:
        pass
    def f(x):
        y = [x, x]
        return len(y)
    f(c)
    OUT.append(sorted(CALLS.items()))
    """


def test_no_user_code_runs_while_recording(backend: str) -> None:
    out = assert_same(USER_CODE, backend)
    assert out[0]  # the program's own calls are counted, the same number of times


def test_custom_locals_mapping_is_not_called(backend: str) -> None:
    assert_same("""\
        CALLS = []
        class Spy(dict):
            def get(self, k, d=None):
                CALLS.append(("get", k))
                return dict.get(self, k, d)
            def __getitem__(self, k):
                CALLS.append(("getitem", k))
                return dict.__getitem__(self, k)
        class Meta(type):
            @classmethod
            def __prepare__(mcs, name, bases):
                return Spy()
        class K(metaclass=Meta):
            a = 1
            b = a + 1
        OUT.append(list(CALLS))
        """, backend)


def test_user_repr_labels_are_opt_in_and_counted(backend: str) -> None:
    src = textwrap.dedent("""\
        class P:
            def __init__(self, x):
                self.x = x
            def __repr__(self):
                return f"P({self.x})"
        p = P(1)
        p.x = 2
        """)
    off = ct_jupyter.record(src, backend=backend, io="off")
    assert off.variables(len(off))["p"].text != "P(2)" and off.meta["user_repr_calls"] == 0
    on = ct_jupyter.record(src, backend=backend, io="off", repr_user=True)
    assert on.variables(len(on))["p"].text == "P(2)" and on.meta["user_repr_calls"] >= 2


# -- 3. exceptions from what the recorder calls never reach the program ------------------------
def test_base_exceptions_from_user_reprs_stay_inside_the_recorder(backend: str) -> None:
    out = assert_same("""\
        class Exits:
            def __repr__(self):
                raise SystemExit(9)
        class Interrupts:
            def __repr__(self):
                raise KeyboardInterrupt
        class Generator:
            def __repr__(self):
                raise GeneratorExit
        a = Exits()
        b = Interrupts()
        c = Generator()
        OUT.append("still running")
        """, backend, repr_user=True)
    assert out == ["still running"]


def test_exception_str_is_not_called_for_messages(backend: str) -> None:
    trace = ct_jupyter.record(textwrap.dedent("""\
        class Bad(Exception):
            def __str__(self):
                raise SystemExit(3)
        try:
            raise Bad("x")
        except Bad:
            pass
        ok = 1
        """), backend=backend, io="off")
    assert trace.variables(len(trace))["ok"].py == 1
    assert [e.kind for e in trace.exceptions] == ["raise", "caught"]


def test_uncaught_exception_traceback_does_not_call_user_str(backend: str) -> None:
    trace = ct_jupyter.record(textwrap.dedent("""\
        class Bad(Exception):
            def __str__(self):
                raise SystemExit(3)
        raise Bad("boom")
        """), backend=backend, io="off")
    assert trace.outcome.status == "raised" and trace.outcome.exc_type == "Bad"
    assert "boom" in trace.outcome.traceback


# -- 4. signals and timers ----------------------------------------------------------------------
FOREIGN = """\
import time
class SlowRepr:
    def __repr__(self):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pass
        return "slow"
"""


@pytest.fixture
def foreign_module(tmp_path, monkeypatch):
    """A library module (outside the recorded files) whose class has a slow repr."""
    (tmp_path / "slowlib_ct.py").write_text(FOREIGN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "slowlib_ct"
    sys.modules.pop("slowlib_ct", None)


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="POSIX timers")
def test_repr_budget_leaves_the_programs_alarm_alone(backend: str, foreign_module: str) -> None:
    trace = ct_jupyter.record(textwrap.dedent(f"""\
        import signal
        from {foreign_module} import SlowRepr
        fired = []
        old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
        signal.setitimer(signal.ITIMER_REAL, 50)
        x = SlowRepr()
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        handler_kept = signal.getsignal(signal.SIGALRM) is not old
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        """), backend=backend, io="off", repr_timeout=0.1)
    fin = trace.variables(len(trace))
    assert "longer than" in fin["x"].text
    assert 40 < fin["left"].py <= 50 and fin["handler_kept"].py is True


def test_repr_budget_works_outside_the_main_thread(backend: str, foreign_module: str) -> None:
    result: dict[str, object] = {}

    def run() -> None:
        trace = ct_jupyter.record(textwrap.dedent(f"""\
            from {foreign_module} import SlowRepr
            x = SlowRepr()
            y = 1
            """), backend=backend, io="off", repr_timeout=0.1)
        result["x"] = trace.variables(len(trace))["x"].text
        result["calls"] = trace.meta["repr_calls"]

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert "longer than" in str(result["x"])
    assert result["calls"] == 1  # a type that ran out of time is not asked again


# -- 5. locals() ------------------------------------------------------------------------------
def test_an_early_locals_dict_does_not_grow(backend: str) -> None:
    from ct_jupyter.core import ccore

    if sys.version_info < (3, 12) or (sys.version_info < (3, 13) and backend == "settrace"
                                      and ccore.get_var is None):
        pytest.skip("impossible: CPython itself syncs f_locals around every settrace call")
    assert_same("""\
        def f():
            a = 1
            loc = locals()
            b = 2
            c = [a, b]
            OUT.append(sorted(loc))
            loc2 = locals()
            d = 3
            OUT.append(sorted(loc2))
        f()
        """, backend)


# -- 6. other tracers --------------------------------------------------------------------------
def test_settrace_refuses_to_replace_a_running_tracer() -> None:
    def other(frame: Any, event: str, arg: Any) -> Any:
        return other

    previous = sys.gettrace()
    sys.settrace(other)
    try:
        with pytest.raises(ct_jupyter.CodetraceError) as info:
            ct_jupyter.record("x = 1\n", backend="settrace", io="off")
    finally:
        sys.settrace(previous)
    assert info.value.code == "ERR_TRACER_ACTIVE" and "other" in str(info.value)


def test_a_tracer_installed_by_the_program_is_reported() -> None:
    with pytest.warns(ct_jupyter.CodetraceWarning, match="sys.settrace"):
        trace = ct_jupyter.record(textwrap.dedent("""\
            import sys
            def mine(frame, event, arg):
                return None
            def g():
                return 1
            sys.settrace(mine)
            g()
            sys.settrace(None)
            done = 1
            """), backend="settrace", io="off")
    assert trace.meta["tracer_replaced"]


# -- 7. max_memory ---------------------------------------------------------------------------
def test_max_memory_holds_whatever_the_values(backend: str) -> None:
    import tracemalloc

    limit = 4 * 1024 * 1024
    src = textwrap.dedent("""\
        rows = []
        for i in range(3000):
            s = str(i) * 900
            rows.append(s[:5000])
        """)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        trace = ct_jupyter.record(src, backend=backend, io="off", max_memory=limit)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert trace.stop_reason == "max_memory"
    assert held <= limit * 1.1, held
