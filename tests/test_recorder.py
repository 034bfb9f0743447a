"""The recorder through its public entry point: steps, calls, values, exceptions, limits."""

from __future__ import annotations

import sys
import textwrap
import threading

import pytest

import ct_jupyter
from ct_jupyter.errors import CodetraceWarning
from tests.helpers import at, final, record_source, step_lines


def test_lines_and_calls(backend: str) -> None:
    trace = record_source("""\
        def add(a, b):
            c = a + b
            return c
        x = add(1, 2)
        y = x * 2
        """, backend)
    assert step_lines(trace) == [1, 4, 2, 3, 5]
    assert [trace.step(i).depth for i in range(len(trace))] == [0, 0, 1, 1, 0]
    assert trace.step(2).function == "add"
    assert at(trace, 2) == {"a": 1, "b": 2}
    assert at(trace, 3) == {"a": 1, "b": 2, "c": 3}
    assert final(trace) == {"add": "<function add>", "x": 3, "y": 6}
    frame = trace.frame(1)
    assert frame.function.qualname == "add" and frame.end_kind == "return"
    assert frame.result is not None and frame.result.py == 3
    assert frame.call_step == 1 and frame.parent == 0
    assert trace.outcome is not None and trace.outcome.status == "returned"


def test_values_are_the_state_before_the_line(backend: str) -> None:
    trace = record_source("""\
        n = 1
        n = n + 1
        n = n * 10
        """, backend)
    assert [at(trace, i).get("n") for i in range(len(trace) + 1)] == [None, 1, 2, 20]


def test_module_level_shows_only_touched_names(backend: str) -> None:
    import os  # noqa: F401  (a module in the namespace must not show)

    ns = {"__name__": "__main__", "unrelated": 42, "os": os}
    trace = ct_jupyter.record("import math\nz = math.floor(2.5)\nw = z\n", namespace=ns,
                              backend=backend, io="off")
    names = set(trace.variables(len(trace)))
    assert names == {"z", "w"}
    assert "__builtins__" not in names and "unrelated" not in names


def test_recursion_call_stack(backend: str) -> None:
    trace = record_source("""\
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)
        r = fact(4)
        """, backend)
    deepest = max(range(len(trace)), key=lambda i: trace.step(i).depth)
    stack = trace.stack(deepest)
    assert [e.function for e in stack] == ["<module>", "fact", "fact", "fact", "fact"]
    assert [trace.variables(deepest, e.frame)["n"].py for e in stack[1:]] == [4, 3, 2, 1]
    assert [e.line for e in stack] == [5, 4, 4, 4, 2]
    assert final(trace)["r"] == 24
    results = [f.result.py for f in trace.frames() if f.function.name == "fact"]
    assert results == [24, 6, 2, 1]


def test_closures_and_globals_rebound_in_functions(backend: str) -> None:
    trace = record_source("""\
        counter = 0
        def bump():
            global counter
            counter += 1
        def make():
            k = 10
            def inner(v):
                return v + k
            return inner
        bump()
        bump()
        f = make()
        out = f(5)
        """, backend)
    assert final(trace)["counter"] == 2
    assert final(trace)["out"] == 15
    inner_frame = next(f for f in trace.frames() if f.function.name == "inner")
    assert at(trace, inner_frame.first_step, inner_frame.id) == {"v": 5, "k": 10}
    # the module frame sees counter change right after the callee's line ran
    bump_frame = next(f for f in trace.frames() if f.function.name == "bump")
    assert trace.variable("counter", bump_frame.end_step + 1, 0).py == 1


def test_aliasing_and_in_place_mutation(backend: str) -> None:
    trace = record_source("""\
        a = [3, 1, 2]
        b = a
        a.append(4)
        a.sort()
        d = {}
        d["k"] = a
        class P:
            pass
        p = P()
        p.x = 1
        p.x += 1
        done = True
        """, backend)
    s_append = 3  # step at line 4: append has happened
    v = trace.variables(s_append)
    assert v["a"].plain() == [3, 1, 2, 4] and v["b"].plain() == [3, 1, 2, 4]
    assert v["a"].oid == v["b"].oid
    assert "a" in trace.changed_at(s_append) and "b" in trace.changed_at(s_append)
    assert at(trace, 4)["a"] == [1, 2, 3, 4]
    fin = trace.variables(len(trace))
    assert fin["d"].entries[0][1].oid == fin["a"].oid
    assert fin["p"].attrs == (("x", fin["p"].attrs[0][1]),) and fin["p"].attrs[0][1].py == 2
    hist = [val.plain() for _, val in trace.history("a", 0)]
    assert hist == [[3, 1, 2], [3, 1, 2, 4], [1, 2, 3, 4]]


def test_nested_mutation_inside_function(backend: str) -> None:
    trace = record_source("""\
        grid = [[0, 0], [0, 0]]
        def mark(g, i, j):
            g[i][j] = 1
        mark(grid, 1, 0)
        after = grid
        """, backend)
    step = step_lines(trace).index(5)
    assert at(trace, step)["grid"] == [[0, 0], [1, 0]]
    assert at(trace, 1)["grid"] == [[0, 0], [0, 0]]


def test_cycles_are_references(backend: str) -> None:
    trace = record_source("""\
        a = [1]
        a.append(a)
        d = {"self": None}
        d["self"] = d
        end = 0
        """, backend)
    fin = trace.variables(len(trace))
    inner = fin["a"].items[1]
    assert inner.kind == "ref" and inner.oid == fin["a"].oid
    assert fin["d"].entries[0][1].kind == "ref"


def test_scalar_values(backend: str) -> None:
    trace = record_source("""\
        big = 10 ** 40
        huge = 7 ** 20000
        nan = float("nan")
        inf = float("-inf")
        negz = -0.0
        c = 2 + 3j
        t = True
        n = None
        s = "x" * 20000
        b = b"\\x00\\xff"
        ba = bytearray(b"ab")
        r = range(0, 100, 3)
        fs = frozenset({1})
        st = {2}
        tp = (1, "a")
        end = 0
        """, backend)
    fin = trace.variables(len(trace))
    assert fin["big"].py == 10 ** 40 and fin["big"].kind == "int"
    assert fin["huge"].py == 7 ** 20000 and "digits" in fin["huge"].text
    assert fin["nan"].text == "nan" and fin["inf"].text == "-inf" and fin["negz"].text == "-0.0"
    assert fin["c"].py == 2 + 3j and fin["t"].py is True and fin["n"].kind == "none"
    assert fin["s"].truncated and fin["s"].length == 20000 and len(fin["s"].py) == 10_000
    assert fin["b"].py == b"\x00\xff" and fin["ba"].kind == "bytearray"
    assert fin["r"].kind == "range" and fin["r"].length == 34 and fin["r"].items[1].py == 3
    assert fin["fs"].kind == "frozenset" and fin["st"].kind == "set"
    assert fin["tp"].plain() == (1, "a")


def test_user_objects_enums_dataclasses_slots(backend: str) -> None:
    trace = record_source("""\
        import dataclasses, enum, collections
        class Color(enum.Enum):
            RED = 1
        @dataclasses.dataclass
        class Pt:
            x: int
            y: int
        class S:
            __slots__ = ("a", "b")
            def __init__(self):
                self.a = 1
        NT = collections.namedtuple("NT", "u v")
        c = Color.RED
        p = Pt(1, 2)
        s = S()
        nt = NT(5, 6)
        end = 0
        """, backend)
    fin = trace.variables(len(trace))
    assert fin["c"].kind == "enum" and fin["c"].text == "Color.RED"
    assert fin["p"].kind == "object" and [(n, v.py) for n, v in fin["p"].attrs] == [("x", 1), ("y", 2)]
    assert [(n, v.py) for n, v in fin["s"].attrs] == [("a", 1)]
    assert [(n, v.py) for n, v in fin["nt"].attrs] == [("u", 5), ("v", 6)]


def test_hostile_objects_do_not_break_recording(backend: str) -> None:
    trace = record_source("""\
        import time
        class Raises:
            def __repr__(self):
                raise RuntimeError("nope")
        class Sleeps:
            def __repr__(self):
                end = time.monotonic() + 5
                while time.monotonic() < end:
                    pass
                return "late"
        class Recurses:
            def __repr__(self):
                return repr(self)
        class Prop:
            @property
            def bad(self):
                raise ValueError("prop")
        a = Raises()
        b = Sleeps()
        c = Recurses()
        d = Prop()
        ok = 1
        """, backend, repr_timeout=0.05, repr_user=True)
    fin = trace.variables(len(trace))
    assert fin["ok"].py == 1
    assert trace.meta["user_repr_calls"] >= 3
    assert "RuntimeError" in fin["a"].text
    assert "longer than" in fin["b"].text
    assert "recursed" in fin["c"].text
    assert fin["d"].kind == "object"


def test_huge_container_is_bounded(backend: str) -> None:
    trace = record_source("""\
        big = list(range(100000))
        m = {i: i for i in range(5000)}
        end = 0
        """, backend, max_items=50)
    fin = trace.variables(len(trace))
    assert fin["big"].length == 100000 and len(fin["big"].items) == 50 and fin["big"].truncated
    assert fin["m"].length == 5000 and len(fin["m"].entries) == 50


def test_generators_balance_calls_and_returns(backend: str) -> None:
    trace = record_source("""\
        def gen(n):
            for i in range(n):
                got = yield i
        g = gen(3)
        out = [v for v in g]
        """, backend)
    frames = [f for f in trace.frames() if f.function.name == "gen"]
    assert [f.kind for f in frames] == ["call", "resume", "resume", "resume"]
    assert [f.end_kind for f in frames] == ["yield", "yield", "yield", "return"]
    assert [f.result.py for f in frames] == [0, 1, 2, None]
    assert final(trace)["out"] == [0, 1, 2]


def test_coroutines_each_await_is_an_activation(backend: str) -> None:
    trace = record_source("""\
        import asyncio
        async def work(n):
            await asyncio.sleep(0)
            return n * 2
        res = asyncio.run(work(21))
        """, backend)
    frames = [f for f in trace.frames() if f.function.name == "work"]
    assert frames[0].kind == "call" and frames[-1].end_kind == "return"
    assert frames[-1].result.py == 42
    assert any(f.end_kind == "yield" for f in frames)
    assert final(trace)["res"] == 42


def test_exceptions_raised_propagated_caught(backend: str) -> None:
    trace = record_source("""\
        def inner():
            raise ValueError("bad")
        def outer():
            inner()
        try:
            outer()
        except ValueError as e:
            msg = str(e)
        """, backend)
    kinds = [(e.kind, e.type_name, trace.frame(e.frame).function.name) for e in trace.exceptions]
    assert kinds == [("raise", "ValueError", "inner"), ("unwind", "ValueError", "inner"),
                     ("unwind", "ValueError", "outer"), ("caught", "ValueError", "<module>")]
    caught = trace.exceptions[-1]
    assert trace.line_of(caught.step) == 7
    assert final(trace)["msg"] == "bad"
    assert trace.frame(1).end_kind == "exception"


def test_uncaught_exception_outcome(backend: str) -> None:
    trace = record_source("""\
        x = 1
        def f():
            return 1 / 0
        f()
        """, backend)
    assert trace.outcome.status == "raised" and trace.outcome.exc_type == "ZeroDivisionError"
    assert "ZeroDivisionError" in trace.outcome.traceback
    raised = trace.raised_step()
    assert raised is not None and trace.line_of(raised) == 3


def test_library_code_is_not_stepped_into(backend: str) -> None:
    trace = record_source("""\
        import json, collections
        data = json.dumps({"a": [1, 2]})
        c = collections.Counter("abca")
        srt = sorted([3, 1, 2], key=lambda v: -v)
        """, backend)
    paths = {trace.step(i).path for i in range(len(trace))}
    assert len(paths) == 1
    assert [f.function.name for f in trace.frames()].count("<lambda>") == 3
    assert final(trace)["srt"] == [3, 2, 1]


def test_step_limit_keeps_running_and_counts(backend: str) -> None:
    with pytest.warns(CodetraceWarning, match="max_steps"):
        trace = record_source("""\
            total = 0
            for i in range(300):
                total += i
            result = total
            """, backend, max_steps=50)
    assert len(trace) == 50
    assert trace.truncated and trace.stop_reason == "max_steps"
    assert trace.dropped_steps == 603 - 50  # 1 + 301 + 300 + 1 steps in all
    assert trace.dropped_steps_exact
    assert trace.outcome.status == "returned"


def test_keyboard_interrupt_stops_recording_and_propagates(backend: str) -> None:
    with pytest.raises(KeyboardInterrupt):
        record_source("""\
            x = 1
            raise KeyboardInterrupt
            """, backend)
    trace = ct_jupyter.last_trace()
    assert trace is not None and trace.outcome.exc_type == "KeyboardInterrupt"
    assert [trace.line_of(i) for i in range(len(trace))] == [1, 2]


def test_program_behaves_as_without_recording(backend: str) -> None:
    src = """\
        import random
        random.seed(5)
        items = [random.randint(0, 100) for _ in range(20)]
        items.sort(key=lambda v: (v % 7, v))
        res = sum(items)
        """
    plain: dict[str, object] = {"__name__": "__main__"}
    exec(compile(__import__("textwrap").dedent(src), "<plain>", "exec"), plain)
    ns: dict[str, object] = {"__name__": "__main__"}
    ct_jupyter.record(__import__("textwrap").dedent(src), namespace=ns, backend=backend, io="off")
    assert ns["items"] == plain["items"] and ns["res"] == plain["res"]


def test_record_a_callable(backend: str) -> None:
    def work(n: int) -> list[int]:
        out = []
        for i in range(n):
            out.append(i * i)
        return out

    trace = ct_jupyter.record(work, 3, backend=backend, io="off")
    assert trace.frame(0).function.name == "work"
    assert trace.frame(0).result.plain() == [0, 1, 4]
    assert trace.outcome.status == "returned"


def test_recording_context_manager(backend: str) -> None:
    with ct_jupyter.recording(backend=backend, io="off") as rec:
        values = [1, 2]
        values.append(3)
        total = sum(values)
    trace = rec.trace
    assert trace is not None and len(trace) >= 3
    assert trace.variables(len(trace))["total"].py == 6
    assert total == 6


def test_recording_context_manager_propagates_exceptions(backend: str) -> None:
    with pytest.raises(ZeroDivisionError):
        with ct_jupyter.recording(backend=backend, io="off") as rec:
            boom = 1 / 0  # noqa: F841
    assert rec.trace is not None and rec.trace.outcome.status == "raised"


def test_only_the_recording_thread_is_recorded(backend: str) -> None:
    seen: list[int] = []

    def other() -> None:
        for i in range(50):
            seen.append(i)

    def main() -> int:
        t = threading.Thread(target=other)
        t.start()
        t.join()
        return len(seen)

    trace = ct_jupyter.record(main, backend=backend, io="off")
    assert {f.function.name for f in trace.frames()} == {"main"}
    assert trace.meta["thread"] == threading.get_ident()


def test_steps_at_line_and_history(backend: str) -> None:
    trace = record_source("""\
        acc = []
        for i in range(3):
            acc.append(i)
        """, backend)
    assert trace.steps_at_line(3) == [2, 4, 6]
    hist = trace.history("i", 0)
    assert [v.py for _, v in hist] == [0, 1, 2]


def test_failure_inside_recorder_is_soft_outside_tests(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ct_jupyter.core import recorder as rmod

    monkeypatch.setattr(rmod, "TESTING", False)
    original = rmod.Recorder._apply

    def broken(self, st, eff, step):  # type: ignore[no-untyped-def]
        if step > 3:
            raise RuntimeError("injected")
        return original(self, st, eff, step)

    monkeypatch.setattr(rmod.Recorder, "_apply", broken)
    with pytest.warns(CodetraceWarning, match="internal error"):
        trace = record_source("""\
            a = {1}
            b = {2}
            c = {3}
            d = {4}
            e = {5}
            f = {6}
            """, backend)  # sets: captured by the Python path on either core
    assert trace.stop_reason == "failure" and "injected" in (trace.failure or "")
    assert trace.outcome.status == "returned"
    assert len(trace) >= 4 and trace.dropped_steps >= 1


def test_failure_inside_recorder_raises_under_tests(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ct_jupyter.core import recorder as rmod

    def broken(self, st, step):  # type: ignore[no-untyped-def]
        raise RuntimeError("injected")

    monkeypatch.setattr(rmod.Recorder, "_capture_all", broken)
    with pytest.raises(RuntimeError, match="injected"):
        record_source("a = 1\n", backend)


@pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="needs sys.monitoring (3.12+)")
def test_busy_tool_ids_fall_back_or_fail_clearly() -> None:
    from ct_jupyter.errors import BackendUnavailable

    mon = sys.monitoring
    taken = [i for i in (3, 4) if mon.get_tool(i) is None]
    for i in taken:
        mon.use_tool_id(i, "someone-else")
    try:
        with pytest.raises(BackendUnavailable) as info:
            record_source("a = 1\n", "sysmon")
        assert info.value.code == "ERR_BACKEND_UNAVAILABLE" and "someone-else" in str(info.value)
        trace = record_source("a = 1\n", "auto")
        assert trace.meta["backend"] == "settrace"
    finally:
        for i in taken:
            mon.free_tool_id(i)


def test_bad_options_are_typed_errors() -> None:
    from ct_jupyter.errors import UsageError

    with pytest.raises(UsageError) as info:
        ct_jupyter.record("a = 1", max_steps=-1)
    assert info.value.code == "ERR_INVALID_POLICY_VALUE" and info.value.kind == "Usage"
    with pytest.raises(UsageError) as info:
        ct_jupyter.record("a = 1", nonsense=True)
    assert info.value.code == "ERR_UNKNOWN_OPTION"
    with pytest.raises(UsageError):
        ct_jupyter.record(42)  # type: ignore[arg-type]


def test_long_mutation_history_uses_keyframes(backend: str) -> None:
    trace = record_source("""\
        data = [0] * 300
        for i in range(600):
            data[i % 300] = i
        """, backend)
    from ct_jupyter.model.heap import KEYFRAME

    oid = trace.variables(len(trace))["data"].oid
    snaps = trace._b.heap.vsnaps[oid]
    fulls = sum(isinstance(s, tuple) for s in snaps)
    assert 600 // KEYFRAME <= fulls <= 600 // KEYFRAME + 2
    for step in (5, 301, len(trace) - 3, len(trace)):
        value = trace.variables(step)["data"].plain()
        ran: list[int] = [0] * 300
        for i in range((step - 1) // 2):
            ran[i % 300] = i
        assert value == ran


def test_item_stores_are_tracked_exactly(backend: str) -> None:
    trace = record_source("""\
        a = [5, 3, 8, 1]
        n = len(a)
        for i in range(n):
            for j in range(n - 1 - i):
                if a[j] > a[j + 1]:
                    a[j], a[j + 1] = a[j + 1], a[j]
        a[-1] = 99
        grid = [[0, 0], [0, 0]]
        r = 1
        grid[r][0] = 7
        d = {"x": 1}
        d["y"] = 2
        d["x"] += 10
        del d["y"]
        end = 0
        """, backend)
    # replay the program's effect on `a` line by line and compare at every step
    for i in range(len(trace)):
        a = trace.variable("a", i)
        if a is not None:
            assert sorted(a.plain()) == sorted([5, 3, 8, 1]) or a.plain()[-1] == 99
    fin = final(trace)
    assert fin["a"] == [1, 3, 5, 99]
    assert fin["grid"] == [[0, 0], [7, 0]]
    assert fin["d"] == {"x": 11}
    swaps = [s for s, _ in trace.history("a", 0)]
    assert len(swaps) == 1 + 4 + 1  # bound, four swaps, a[-1]


def test_shadowed_pure_names_still_detect_mutation(backend: str) -> None:
    trace = record_source("""\
        def len(x):
            x.append("surprise")
            return 0
        class Box:
            def __init__(self):
                self.items = []
            def get(self, k, default=None):
                self.items.append(k)
                return default
        a = []
        n = len(a)
        b = Box()
        v = b.get("k", 0)
        import collections
        sorted = collections.deque.append
        q = collections.deque()
        sorted(q, 5)
        class D(dict):
            get = dict.setdefault
        dd = D()
        got = dd.get("z", 1)
        end = 0
        """, backend)
    assert at(trace, step_lines(trace).index(12))["a"] == ["surprise"]
    fin = trace.variables(len(trace))
    assert dict(fin["b"].attrs)["items"].plain() == ["k"]
    assert fin["q"].plain() == [5]
    assert fin["dd"].plain() == {"z": 1}


def test_call_arguments(backend: str) -> None:
    trace = record_source("""\
        def f(a, b=2, *rest, key=None, **extra):
            local = a
            return local
        f(1, 5, 6, key="k", z=0)
        """, backend)
    args = trace.arguments(1)
    assert {k: v.plain() for k, v in args.items()} == {
        "a": 1, "b": 5, "rest": (6,), "key": "k", "extra": {"z": 0}}
    assert trace.arguments(0) == {}


def test_memory_budget_stops_recording(backend: str) -> None:
    with pytest.warns(CodetraceWarning, match="max_memory"):
        trace = record_source("""\
            rows = []
            for i in range(20000):
                rows.append(i)
            done = len(rows)
            """, backend, max_memory=100_000)
    assert trace.stop_reason == "max_memory" and trace.dropped_steps > 0
    assert trace.outcome.status == "returned"


def test_output_printed_by_a_repr_during_snapshots_is_neither_shown_nor_recorded(
        backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    trace = ct_jupyter.record(textwrap.dedent("""\
        import io
        class Chatty:
            def __repr__(self):
                print("repr called!")
                return "Chatty()"
        class Holder:
            pass
        h = Holder()
        h.c = Chatty()
        print("real output")
        """), backend=backend)
    out = capsys.readouterr().out
    assert out == "real output\n"
    assert [c.text for c in trace.io] == ["real output\n"]


def test_relative_filenames_are_not_user_code() -> None:
    from ct_jupyter.core.filters import CodeFilter

    filt = CodeFilter(())
    assert not filt.is_user(compile("0", "zmq/backend/cython/_zmq.py", "exec"), "zmq")
    assert filt.is_user(compile("0", "zmq/x.py", "exec"), "") is False


def test_module_bodies_in_one_namespace_share_their_names(backend: str) -> None:
    from ct_jupyter.api import compile_source, run_recorded

    body, f1 = compile_source("data = [3, 1, 2]\nout = sorted(data)\n")
    _, f2 = compile_source("out\n")
    last = compile("out\n", f2, "eval")
    ns: dict[str, object] = {"__name__": "__main__"}

    def run() -> object:
        exec(body, ns)
        return eval(last, ns)

    result = run_recorded(run, options=ct_jupyter.TraceOptions(backend=backend, io="off"),
                          user_files={f1, f2})
    trace = result.trace
    assert result.value == [1, 2, 3]
    assert [f.function.qualname for f in trace.frames()] == ["<module>", "<module>"]
    assert set(trace.variables(len(trace) - 1)) == {"data", "out"}


def test_repr_that_fails_during_init_works_afterwards(backend: str) -> None:
    trace = record_source("""\
        class Account:
            def __init__(self, owner):
                self.owner = owner
            def __repr__(self):
                return f"Account({self.owner!r})"
        a = Account("ada")
        b = Account("bob")
        """, backend, repr_user=True)
    fin = trace.variables(len(trace))
    assert fin["a"].text == "Account('ada')" and fin["b"].text == "Account('bob')"


def test_empty_program_records_no_step(backend: str) -> None:
    trace = record_source("", backend)
    assert len(trace) == 0 and trace.outcome.status == "returned"


def test_big_containers_track_changes_in_their_shown_head(backend: str) -> None:
    trace = record_source("""\
        flags = [True] * 50
        for m in range(0, 50, 7):
            flags[m] = False
        words = []
        for i in range(30):
            words.append("w%d" % i)
        counts = {}
        for i in range(30):
            counts[i % 25] = counts.get(i % 25, 0) + 1
        pairs = {}
        pairs[(1, 2)] = "a"
        pairs[(1, 2)] = "b"
        end = 0
        """, backend, max_items=10)
    fin = trace.variables(len(trace))
    assert fin["flags"].length == 50 and fin["flags"].plain() == [False] + [True] * 6 + [False, True, True]
    assert fin["words"].length == 30 and fin["words"].plain() == [f"w{i}" for i in range(10)]
    assert fin["counts"].length == 25
    assert fin["counts"].plain() == {i: (2 if i < 5 else 1) for i in range(10)}
    assert fin["pairs"].plain() == {(1, 2): "b"}
    for step in range(len(trace)):  # every intermediate state is a consistent head
        words = trace.variable("words", step)
        if words is not None:
            assert len(words.items) == min(words.length, 10)


def test_containers_are_read_through_their_base_type_not_their_overrides(backend: str) -> None:
    trace = record_source("""\
        class Weird(list):
            def __iter__(self):
                raise RuntimeError("no iterating me")
        w = Weird([1, 2])
        w.append(3)
        ok = len(w)
        """, backend)
    fin = trace.variables(len(trace))
    assert fin["ok"].py == 3
    first = trace.variable("w", step_lines(trace).index(5))
    assert first is not None and first.kind == "list" and first.plain() == [1, 2]
    assert fin["w"].kind == "list" and fin["w"].plain() == [1, 2, 3]


def test_class_bodies_show_only_the_users_names(backend: str) -> None:
    trace = record_source("""\
        class Point:
            \"\"\"A point.\"\"\"
            dims = 2
            def norm(self):
                return 0
        p = Point()
        """, backend)
    body = next(f for f in trace.frames() if f.function.name == "Point")
    assert set(trace.variables(body.end_step + 1, body.id)) == {"dims", "norm"}


def test_container_whose_len_starts_raising_is_read_all_the_same(backend: str) -> None:
    trace = record_source("""\
        class Fickle(list):
            broken = False
            def __len__(self):
                if self.broken:
                    raise ValueError("len is broken")
                return list.__len__(self)
        f = Fickle([1])
        Fickle.broken = True
        f.append(2)
        done = 1
        """, backend)
    fin = trace.variables(len(trace))
    assert fin["done"].py == 1 and not trace.truncated
    assert fin["f"].plain() == [1, 2]  # list.__len__, not the override, is what we call


@pytest.mark.parametrize("loops", [3, 20_000])
def test_after_a_limit_counting_stops_and_says_so(backend: str, loops: int) -> None:
    # Past COUNT_AFTER_STOP counted steps every event is switched off (the program runs at
    # plain speed); the count is then a lower bound, and the program still finishes.
    from ct_jupyter.core.recorder import COUNT_AFTER_STOP

    src = f"""\
        def f(k):
            return k + 1
        total = 0
        for i in range({loops}):
            total = f(total)
        result = total
        """
    steps = len(record_source(src, backend))
    limit = steps - 2 if loops == 3 else 10
    with pytest.warns(CodetraceWarning, match="at least" if loops > 3 else " 2 more steps"):
        trace = record_source(src, backend, max_steps=limit)
    assert trace.stop_reason == "max_steps" and trace.outcome.status == "returned"
    assert len(trace) == limit
    if loops > 3:
        assert not trace.dropped_steps_exact
        assert COUNT_AFTER_STOP <= trace.dropped_steps < steps - limit
    else:
        assert trace.dropped_steps_exact and trace.dropped_steps == 2
    assert final(trace) is not None


@pytest.mark.parametrize("store", [
    "d[i % 10] = [i]",          # index the plan evaluates
    "d[key(i)] = [i]",          # index it cannot: the whole container is re-checked
    "d[0] = {'v': [i]}",        # one slot, nested replacement
    "h.items = [i]",            # an attribute replaced
    "lst[i % 10] = (i, [i])",   # a list slot replaced
])
def test_replacing_contents_in_a_loop_costs_the_same_per_step(backend: str, store: str,
                                                              monkeypatch) -> None:
    # The class of bug: work per step that grows with the run (replaced children piling up
    # and being re-checked at every step). Count the snapshotter's work, never time it.
    from ct_jupyter.core import values

    calls = [0]
    real_check = values.Snapshotter.check

    def counting(self, oid, step, seen):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real_check(self, oid, step, seen)

    monkeypatch.setattr(values.Snapshotter, "check", counting)

    def work(n: int) -> int:
        calls[0] = 0
        trace = record_source(f"""\
            class H:
                pass
            def key(i):
                return i % 10
            d = {{}}
            h = H()
            lst = [0] * 10
            for i in range({n}):
                {store}
            """, backend)
        assert trace.stop_reason is None
        return calls[0]

    small, big = work(200), work(2000)
    assert big <= 12 * max(small, 1), (small, big)  # linear: 10x the steps, ~10x the work
