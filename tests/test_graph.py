"""The frames-and-objects graph (`model.graph.diagram_at`): structure, cycles, bounds, changes."""

from __future__ import annotations

from collections import Counter

import pytest

from ct_jupyter.model import FunctionInfo, Ref, Trace, TraceBuilder
from ct_jupyter.model.graph import Diagram, diagram_at
from ct_jupyter.model.heap import Heap
from tests.helpers import record_source


def step_after(trace: Trace, line: int) -> int:
    """Return the position where ``line`` (of the cell's top level) has just run: the first step
    of the next top-level line, or the end."""
    later = [s for s in range(len(trace)) if trace.frame_of(s) == 0 and trace.line_of(s) > line]
    return later[0] if later else len(trace)


def targets(d: Diagram, name: str, frame: int | None = None) -> str | None:
    slot = d.frame_slot(name, frame)
    assert slot is not None, name
    return slot.ref


def edges_to(d: Diagram, target: str) -> list[tuple[str, int]]:
    return [(e.source, e.slot) for e in d.edges if e.target == target]


def test_aliasing_two_names_one_box() -> None:
    t = record_source("""\
        a = [1, 2]
        b = a
        c = [1, 2]
        x = 0
    """)
    d = diagram_at(t, step_after(t, 3))
    assert targets(d, "a") == targets(d, "b") != targets(d, "c")
    box = d.node(targets(d, "a") or "")
    assert box is not None and box.kind == "list" and [s.text for s in box.slots] == ["1", "2"]
    assert len(edges_to(d, box.id)) == 2
    assert [n.id for n in d.nodes].count(box.id) == 1


def test_list_of_lists_and_dict_of_instances() -> None:
    t = record_source("""\
        class P:
            def __init__(self, x):
                self.x = x
        m = [[1, 2], [3, 4]]
        d = {"p": P(1), "q": P(2)}
        x = 0
    """)
    d = diagram_at(t, step_after(t, 5))
    outer = d.node(targets(d, "m") or "")
    assert outer is not None and outer.kind == "list"
    inner = [d.node(s.ref or "") for s in outer.slots]
    assert [[s.text for s in n.slots] for n in inner if n] == [["1", "2"], ["3", "4"]]
    dn = d.node(targets(d, "d") or "")
    assert dn is not None and [s.key for s in dn.slots] == ["'p'", "'q'"]
    objs = [d.node(s.ref or "") for s in dn.slots]
    assert all(o is not None and o.kind == "object" and o.type_name == "P" for o in objs)
    assert [[(s.key, s.text) for s in o.slots] for o in objs if o] == [[("x", "1")], [("x", "2")]]
    klass = d.node(targets(d, "P") or "")
    assert klass is not None and klass.kind == "class"


def test_self_referencing_list_is_one_box_with_an_arrow_to_itself() -> None:
    t = record_source("""\
        a = [1]
        a.append(a)
        b = {"me": None}
        b["me"] = b
        x = 0
    """)
    d = diagram_at(t, step_after(t, 4))
    la, db = targets(d, "a"), targets(d, "b")
    assert la and db
    assert (la, 1) in edges_to(d, la)
    assert (db, 0) in edges_to(d, db)
    assert len(d.nodes) == 2


def test_recursion_one_frame_per_level_with_its_own_n() -> None:
    t = record_source("""\
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)
        r = fact(4)
    """)
    pos = t.steps_at_line(3)[0]          # the base case: deepest point
    d = diagram_at(t, pos)
    assert [f.function for f in d.frames] == ["<module>", "fact", "fact", "fact", "fact"]
    assert [s.text for f in d.frames[1:] for s in f.slots if s.key == "n"] == ["4", "3", "2", "1"]
    assert [f.current for f in d.frames] == [False] * 4 + [True]
    assert d.frames[1].line == 4 and d.frames[-1].line == 3


def test_mutation_through_an_alias_is_marked_through_every_name() -> None:
    t = record_source("""\
        a = [1, 2]
        b = a
        c = [9]
        b.append(3)
        x = 0
    """)
    d = diagram_at(t, step_after(t, 4))
    box = d.node(targets(d, "a") or "")
    assert box is not None and box.mutated and not box.new
    assert [s.changed for s in box.slots] == [False, False, True]
    a, b, c = (d.frame_slot(n) for n in "abc")
    assert a and b and c
    assert not a.changed and not b.changed                  # not rebound
    assert a.reaches_changed and b.reaches_changed and not c.reaches_changed


def test_nested_write_marks_the_names_that_reach_it() -> None:
    t = record_source("""\
        inner = [0]
        outer = {"k": inner}
        other = [outer]
        inner[0] = 5
        x = 0
    """)
    d = diagram_at(t, step_after(t, 4))
    for name in ("inner", "outer", "other"):
        slot = d.frame_slot(name)
        assert slot is not None and slot.reaches_changed, name
    outer = d.node(targets(d, "outer") or "")
    assert outer is not None and not outer.mutated


def test_rebinding_new_objects_and_gone_objects() -> None:
    t = record_source("""\
        a = [1]
        a = [2]
        b = 1
    """)
    first = targets(diagram_at(t, step_after(t, 1)), "a")
    d = diagram_at(t, step_after(t, 2))
    slot = d.frame_slot("a")
    assert slot and slot.changed and slot.ref != first
    node = d.node(slot.ref or "")
    assert node is not None and node.new
    assert [g.id for g in d.gone] == [first]
    assert diagram_at(t, step_after(t, 3)).gone == ()


def test_caller_list_passed_to_a_function_is_one_box_for_both_frames() -> None:
    t = record_source("""\
        def add(xs, v):
            xs.append(v)
            return xs
        data = [1]
        add(data, 2)
    """)
    d = diagram_at(t, t.steps_at_line(3)[0])       # xs.append(v) has just run
    assert [f.function for f in d.frames] == ["<module>", "add"]
    shared = targets(d, "data", d.frames[0].frame)
    assert shared and shared == targets(d, "xs", d.frames[1].frame)
    assert {src for src, _ in edges_to(d, shared)} == {d.frames[0].id, d.frames[1].id}
    data = d.frame_slot("data", d.frames[0].frame)
    assert data is not None and data.reaches_changed


def test_functions_are_boxes_shared_by_name() -> None:
    t = record_source("""\
        def g():
            return 1
        h = g
        x = 0
    """)
    d = diagram_at(t, step_after(t, 3))
    assert targets(d, "g") == targets(d, "h") == "fn:<function g>"
    node = d.node("fn:<function g>")
    assert node is not None and node.kind == "function"


def test_big_container_shows_its_head_and_a_count_then_pages() -> None:
    t = record_source("""\
        big = list(range(1000))
        x = 0
    """)
    pos = step_after(t, 1)
    d = diagram_at(t, pos)
    box = d.node(targets(d, "big") or "")
    assert box is not None and box.length == 1000
    assert [s.text for s in box.slots] == [str(i) for i in range(10)]
    assert box.more == 990
    assert box.oid is not None
    paged = diagram_at(t, pos, limits={box.oid: 40}).node(box.id)
    assert paged is not None and len(paged.slots) == 40 and paged.more == 960


def test_depth_limit_collapses_and_open_expands() -> None:
    t = record_source("""\
        chain = [0]
        for _ in range(10):
            chain = [chain]
        x = 0
    """)
    pos = step_after(t, 4) - 1
    d = diagram_at(t, pos, max_depth=3)
    full = [n for n in d.nodes if not n.collapsed]
    stubs = [n for n in d.nodes if n.collapsed]
    assert len(full) == 3 and len(stubs) == 1
    stub = stubs[0]
    assert stub.oid is not None and stub.slots == ()
    opened = diagram_at(t, pos, max_depth=3, open=[stub.oid])
    node = opened.node(stub.id)
    assert node is not None and not node.collapsed and len(node.slots) == 1


def test_node_budget_cuts_with_stubs_and_a_flag() -> None:
    t = record_source("""\
        rows = [[i] for i in range(50)]
        x = 0
    """)
    d = diagram_at(t, step_after(t, 1), max_items=50, max_nodes=10)
    assert d.truncated
    assert sum(not n.collapsed for n in d.nodes) == 10
    assert all(e.target in {n.id for n in d.nodes} for e in d.edges)


def test_deep_stack_keeps_outermost_and_innermost_frames() -> None:
    t = record_source("""\
        def down(n):
            if n == 0:
                return 0
            return down(n - 1)
        down(100)
    """)
    pos = t.steps_at_line(3)[0]
    d = diagram_at(t, pos)
    assert len(d.frames) == 30 and d.frames_left_out == 102 - 30
    assert d.frames[0].function == "<module>" and d.frames[-1].current
    assert [s.text for s in d.frames[-1].slots] == ["0"]
    assert d.frames[d.gap_at].frame < d.frames[d.gap_at + 1].frame


def test_end_position_shows_the_final_globals() -> None:
    t = record_source("""\
        a = [1]
        b = 2
    """)
    d = diagram_at(t, len(t))
    assert [f.function for f in d.frames] == ["<module>"]
    assert [s.key for s in d.frames[0].slots] == ["a", "b"]
    assert diagram_at(t, 10**9).step == len(t)


# -- cost: bounded by the window, not the trace length --------------------------------------------
def _generated(steps: int) -> Trace:
    """A synthetic loop of ``steps`` steps: ``i`` rebinds every step, list ``xs`` grows every 50."""
    b = TraceBuilder()
    pid = b.add_path("gen.py", "x\n")
    fid = b.add_function(FunctionInfo("<module>", "<module>", pid, 1, "__main__", True))
    gfid = b.add_function(FunctionInfo("g", "g", pid, 1, "__main__", False, ("v",)))
    frame = b.add_frame(fid, -1)
    xs = b.heap.new_object("list", "list")
    items: list[object] = []
    for step in range(steps):
        b.add_step(frame, 1 + step % 3)
        b.add_change(step, frame, "i", step)
        if step == 0:
            b.add_change(step, frame, "xs", Ref(xs))
        if step % 50 == 0:
            items = items + [step] if len(items) < 30 else items
            b.heap.add_version(xs, step, (step // 50 + 1, tuple(items)))
    call = b.add_frame(gfid, frame)
    b.add_step(call, 2)
    b.add_change(steps, call, "v", Ref(xs))
    b.end_frame(call, "return", None)
    return b.freeze()


def _count_work(monkeypatch: pytest.MonkeyPatch, trace: Trace, pos: int) -> Counter[str]:
    diagram_at(trace, pos)                  # warm the per-frame change index (as the viewer does)
    counts: Counter[str] = Counter()
    for cls, name in ((Heap, "snapshot_at"), (Heap, "full_version"), (Trace, "decode"),
                      (Trace, "frame_changes")):
        orig = getattr(cls, name)

        def wrapped(*args: object, _orig: object = orig, _name: str = name, **kw: object) -> object:
            counts[_name] += 1
            return _orig(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(cls, name, wrapped)
    diagram_at(trace, pos)
    monkeypatch.undo()
    return counts


def test_work_per_diagram_does_not_grow_with_the_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = _generated(2_000), _generated(400_000)
    for trace in (small, large):
        d = diagram_at(trace, len(trace) - 1)
        assert [f.function for f in d.frames] == ["<module>", "g"]
        assert len(d.node("0").slots) == 10  # type: ignore[union-attr]
    work_small = _count_work(monkeypatch, small, len(small) - 1)
    work_large = _count_work(monkeypatch, large, len(large) - 1)
    assert work_small == work_large and sum(work_small.values()) < 40
    mid_small = _count_work(monkeypatch, small, 1_000)
    mid_large = _count_work(monkeypatch, large, 200_000)
    assert mid_small == mid_large
