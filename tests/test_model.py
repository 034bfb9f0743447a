"""The trace model built by hand: heap versions, deltas, keyframes, queries."""

from __future__ import annotations

from ct_jupyter.model import UNBOUND, Cut, Err, FunctionInfo, Ref, TraceBuilder
from ct_jupyter.model.heap import KEYFRAME, Heap


def _builder_with_steps(n: int) -> TraceBuilder:
    b = TraceBuilder()
    pid = b.add_path("/prog.py", "x = 1\n")
    fid = b.add_function(FunctionInfo("<module>", "<module>", pid, 1, "__main__", True))
    frame = b.add_frame(fid, -1)
    for i in range(n):
        b.add_step(frame, 1 + i % 3)
    return b


def test_list_deltas_rebuild_every_version() -> None:
    heap = Heap()
    oid = heap.new_object("list", "list")
    heap.add_version(oid, 0, (3, (1, 2, 3)))
    expected = [1, 2, 3]
    for step in range(1, KEYFRAME * 3):
        idx = step % 3
        expected[idx] = step
        heap.add_version(oid, step, [3, idx, step])
        assert heap.snapshot_at(oid, step) == (3, tuple(expected))
    for step in range(1, KEYFRAME * 3):
        assert heap.snapshot_at(oid, step)[1][step % 3] == step


def test_list_delta_grow_and_shrink() -> None:
    heap = Heap()
    oid = heap.new_object("list", "list")
    heap.add_version(oid, 0, (2, ("a", "b")))
    heap.add_version(oid, 1, [3, 2, "c"])
    assert heap.snapshot_at(oid, 1) == (3, ("a", "b", "c"))
    heap.add_version(oid, 2, [1])
    assert heap.snapshot_at(oid, 2) == (1, ("a",))
    assert heap.snapshot_at(oid, 0) == (2, ("a", "b"))


def test_dict_delta_set_add_remove() -> None:
    heap = Heap()
    oid = heap.new_object("dict", "dict")
    heap.add_version(oid, 0, (2, ("a", "b"), (1, 2)))
    heap.add_version(oid, 3, [3, "a", 10, "c", 3])
    assert heap.snapshot_at(oid, 3) == (3, ("a", "b", "c"), (10, 2, 3))
    heap.add_version(oid, 4, [2, "b", UNBOUND])
    assert heap.snapshot_at(oid, 4) == (2, ("a", "c"), (10, 3))
    assert heap.snapshot_at(oid, 2) == (2, ("a", "b"), (1, 2))


def test_two_versions_at_one_step_keep_the_later() -> None:
    heap = Heap()
    oid = heap.new_object("list", "list")
    heap.add_version(oid, 5, (1, (1,)))
    heap.add_version(oid, 6, [1, 0, 2])
    heap.add_version(oid, 6, [2, 1, 3])
    assert heap.snapshot_at(oid, 6) == (2, (2, 3))
    assert heap.snapshot_at(oid, 5) == (1, (1,))


def test_trace_queries_on_a_hand_built_trace() -> None:
    b = _builder_with_steps(6)
    oid = b.heap.new_object("list", "list")
    b.heap.add_version(oid, 1, (1, ("x" * 3,)))
    b.heap.add_version(oid, 4, [2, 1, Cut("y" * 5, 500)])
    b.add_change(1, 0, "items", Ref(oid))
    b.add_change(2, 0, "n", 5)
    b.add_change(3, 0, "n", UNBOUND)
    b.add_change(3, 0, "bad", Err("Evil", "repr failed"))
    b.add_exception(2, 0, "raise", "ValueError", "boom")
    b.add_io(2, "stdout", "hello\n")
    trace = b.freeze()
    assert len(trace) == 6
    assert trace.variables(0) == {}
    assert set(trace.variables(2)) == {"items", "n"}
    assert "n" not in trace.variables(3)  # deleted
    assert trace.variables(3)["bad"].kind == "error"
    items = trace.variables(4)["items"]
    assert items.length == 2 and items.items[1].truncated and items.items[1].length == 500
    assert trace.changed_at(4) == {"items"}
    assert [s for s, _ in trace.history("items", 0)] == [1, 4]
    assert trace.steps_at_line(1) == [0, 3]
    assert trace.exceptions[0].type_name == "ValueError"
    assert trace.io[0].text == "hello\n"
    assert trace.object_at(oid, 1).plain() == ["xxx"]
    assert trace.stack(5)[0].function == "<module>"


def test_value_json_and_text_are_bounded() -> None:
    b = _builder_with_steps(1)
    oid = b.heap.new_object("list", "list")
    b.heap.add_version(oid, 0, (500, tuple(range(500))))
    b.add_change(0, 0, "big", Ref(oid))
    value = b.freeze().variables(1)["big"]
    assert len(value.text) <= 130 and value.text.endswith("…]")
    assert value.to_json()["length"] == 500


def test_object_attribute_deltas() -> None:
    heap = Heap()
    oid = heap.new_object("object", "P")
    heap.add_version(oid, 0, (None, ("a",), (1,)))
    heap.add_version(oid, 1, [None, "b", 2])
    heap.add_version(oid, 2, [None, "a", 5])
    assert heap.snapshot_at(oid, 1) == (None, ("a", "b"), (1, 2))
    assert heap.snapshot_at(oid, 2) == (None, ("a", "b"), (5, 2))


def test_trace_does_not_import_the_builder():
    # the builder fills a trace; the trace reads columns: the record types sit in records.py
    import ast
    import pathlib

    import ct_jupyter.model.trace as trace_module

    tree = ast.parse(pathlib.Path(trace_module.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "builder" not in imported and "records" in imported


def test_step_effect_next_step_and_first_step_changes():
    import ct_jupyter

    trace = ct_jupyter.record("def add(a, b):\n    s = a + b\n    return s\n"
                              "x = add(1, 2)\ny = [x]\ny.append(4)\n")
    lines = [trace.line_of(i) for i in range(len(trace))]
    call = lines.index(4)
    # the call line's effect is seen at the caller's next step, after the callee returned
    assert trace.next_step_in_frame(call) == lines.index(5)
    assert [(n, v.text) for n, v in trace.step_effect(call).changed] == [("x", "3")]
    body = lines.index(2)
    assert trace.changed_names(body) == []          # a frame's first step changes nothing
    ret = lines.index(3)
    assert trace.next_step_in_frame(ret) is None and trace.step_effect(ret).returned == "returns 3"
    # the last line of the run: its change is in its own effect (the final state)
    assert [(n, v.text) for n, v in trace.step_effect(len(trace) - 1).changed] == [("y", "[3, 4]")]
    assert trace.call_count == 1 and trace.call_text(1) == "add(a=1, b=2)"
    assert trace.path_label(trace.paths[0]) == trace.paths[0]     # <ct_jupyter-N> stays as is


def test_index_finds_lines_and_previous_frame_steps():
    import ct_jupyter

    trace = ct_jupyter.record("t = 0\nfor k in range(3):\n    t += k\n")
    first, counts = trace.index.line_facts(0)
    assert first == {1: 0, 2: 1, 3: 2} and counts == {1: 1, 2: 4, 3: 3}
    assert trace.index.line_step(0, 3, 2) == 4 and trace.index.line_step(0, 3, 4, backward=True) == 2
    assert trace.index.prev_in_frame(0, 3) == 2 and trace.index.prev_in_frame(0, 0) is None
