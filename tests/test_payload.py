"""Payload windows for the viewer (ct_jupyter.widget.payload): semantics, bounds, shared fixture."""

from __future__ import annotations

import json
import os

import pytest

import ct_jupyter
from ct_jupyter.widget import payload as P
from ct_jupyter.widget import table as T
from tests.helpers import load_fixture

VT = load_fixture("viewer_trace")


@pytest.fixture(scope="module")
def trace():
    return VT.build_trace()


def _vars(view):
    return {row["name"]: row for row in view["vars"]}


def test_shared_fixture_is_current():
    """The JSON the JS tests replay is exactly what payload.py produces (CT_JUPYTER_REGEN=1 rewrites)."""
    text = VT.fixture_text()
    if os.environ.get("CT_JUPYTER_REGEN"):
        VT.FIXTURE.write_text(text, encoding="utf-8")
    assert VT.FIXTURE.read_text(encoding="utf-8") == text, (
        "tests/fixtures/viewer_payloads.json is stale: run CT_JUPYTER_REGEN=1 pytest tests/test_payload.py")
    assert json.loads(text)["schema"] == P.SCHEMA


def test_summary_opens_a_failed_run_at_the_raising_step(trace):
    s = P.summary_payload(trace, "demo")
    assert s["steps"] == 17 and s["start"] == 16 == s["raised_step"]
    assert s["outcome"] == {"status": "raised", "exc_type": "ZeroDivisionError",
                            "exc_message": "division by zero"}
    assert [p["label"] for p in s["paths"]] == ["In [2]", "In [1]"]
    assert s["io_chunks"] == 3 and s["title"] == "demo"


def test_view_variables_changes_and_aliases(trace):
    v = P.view_payload(trace, 5)
    rows = _vars(v)
    assert rows["data"]["value"]["x"] == "[3, 1, 2]"
    # data.append(2) ran at step 4: both names bound to the list count as changed at step 5
    assert rows["data"].get("changed") and rows["alias"].get("changed")
    assert not rows["evil"].get("changed")
    assert rows["data"]["aliases"] == ["alias"] and rows["alias"]["aliases"] == ["data"]
    assert rows["data"]["value"]["o"] == rows["alias"]["value"]["o"]
    assert rows["data"]["value"]["s"] == 1
    items = rows["data"]["value"]["items"]
    assert [i["x"] for i in items] == ["3", "1", "2"]
    assert [i.get("d") for i in items] == [None, None, 1]          # the appended item
    assert v["current"] == {"path": 0, "line": 6, "function": "<module>", "frame": 0}
    assert v["prev"] == {"path": 0, "line": 5}


def test_view_inside_a_call_from_another_cell(trace):
    v = P.view_payload(trace, 10)
    assert v["current"]["path"] == 1 and v["current"]["line"] == 4
    assert [(e["function"], e["line"]) for e in v["stack"]] == [("<module>", 6), ("total", 4)]
    rows = _vars(v)
    assert rows["s"]["value"]["x"] == "3" and rows["x"]["value"]["x"] == "1"
    assert rows["x"].get("changed") and not rows["s"].get("changed")
    # the argument is the caller's list: shown as the same object
    assert rows["xs"]["aliases"] == ["data (<module>)", "alias (<module>)"]
    # selecting the caller frame: its calling line and its variables
    caller = P.view_payload(trace, 10, frame=0)
    assert caller["frame"] == 0 and not caller["auto_frame"]
    assert caller["where"] == {"path": 0, "line": 6}
    assert set(_vars(caller)) == {"data", "alias", "evil", "deep"}


def test_returns_exceptions_and_end(trace):
    v = P.view_payload(trace, 15)
    assert [(r["function"], r["kind"], r["value"]["x"]) for r in v["returned"]] == [("total", "return", "6")]
    v = P.view_payload(trace, 16)
    assert [(e["type"], e["message"], e["when"]) for e in v["exceptions"]] == [
        ("ZeroDivisionError", "division by zero", "now")]
    end = P.view_payload(trace, 17)
    assert end["end"] and end["stack"] == [] and end["current"] is None
    assert _vars(end)["t"]["value"]["x"] == "6"
    assert P.view_payload(trace, 99)["step"] == 17                 # clamped
    assert P.view_payload(trace, -3)["step"] == 0


def test_output_window_up_to_the_position(trace):
    assert P.view_payload(trace, 3)["io"]["chunks"] == []
    io = P.view_payload(trace, 4)["io"]
    assert [(c["stream"], c["text"], c["new"]) for c in io["chunks"]] == [
        ("stdout", VT.HOSTILE_IMG + "\n", True)]
    io = P.view_payload(trace, 16)["io"]
    assert [(c["stream"], c["step"], c["new"]) for c in io["chunks"]] == [
        ("stdout", 3, False), ("stdout", 15, True), ("stderr", 15, True)]
    assert io["chunks"][2]["text"] == VT.HOSTILE_SCRIPT + "\n"     # data stays raw; the JS uses textContent


def test_navigation_targets(trace):
    assert P.nav_targets(trace, 5) == {"over": 15, "out": 17, "back_over": 4, "back_out": None}
    assert P.nav_targets(trace, 8) == {"over": 9, "out": 15, "back_over": 7, "back_out": 5}
    assert P.nav_targets(trace, 6)["back_over"] == 5                # first line of a call: back to the caller
    assert P.nav_targets(trace, 14)["over"] == 15                   # last line: over returns to the caller
    assert P.nav_targets(trace, 15)["back_over"] == 5               # back over the whole call
    assert P.nav_targets(trace, 17) == {"over": None, "out": None, "back_over": 16, "back_out": None}


def test_line_targets_and_source(trace):
    assert P.line_target(trace, 0, 1, 4) == 8
    assert P.line_target(trace, 8, 1, 4) == 10
    assert P.line_target(trace, 12, 1, 4) is None
    assert P.line_target(trace, 10, 1, 4, backward=True) == 8
    assert P.line_target(trace, 8, 1, 4, backward=True) is None
    assert P.line_target(trace, 17, 0, 8, backward=True) == 16
    assert P.line_target(trace, 0, 0, 4) == 3                       # line 4 of the *other* cell
    src = P.source_payload(trace, 1)
    assert src["label"] == "In [1]" and src["lines"][0] == "def total(xs):"
    assert src["first"] == {"2": 6, "3": 7, "4": 8, "5": 14}
    assert src["counts"] == {"2": 1, "3": 4, "4": 3, "5": 1}
    with pytest.raises(IndexError):
        P.source_payload(trace, 7)


def test_history_and_expand(trace):
    h = P.history_payload(trace, "s", 1, 12)
    assert [(e["step"], e["text"]) for e in h["entries"]] == [(7, "0"), (9, "3"), (11, "4"), (13, "6")]
    assert h["function"] == "total"
    h = P.history_payload(trace, "data", 0, 16)
    assert [(e["step"], e["text"]) for e in h["entries"]] == [(1, "[3, 1]"), (5, "[3, 1, 2]")]
    assert P.history_payload(trace, "nope", 0, 3)["entries"] == []
    e = P.expand_payload(trace, 0, 2)
    assert e["value"]["x"] == "[3, 1]" and len(e["value"]["items"]) == 2
    with pytest.raises(IndexError):
        P.expand_payload(trace, 5, 2)


def test_deep_values_are_sent_collapsed_and_expand_on_demand(trace):
    deep = _vars(P.view_payload(trace, 5))["deep"]["value"]
    assert deep["x"] == "{'k': [[[…]]]}"
    leaf = deep["entries"][0][1]["items"][0]["items"][0]
    assert leaf["more"] and leaf["cut"] and "items" not in leaf
    opened = P.expand_payload(trace, leaf["o"], 5)["value"]
    assert [i["x"] for i in opened["items"]] == ["'x'"]


def test_trace_table_rows_and_changed_cells(trace):
    t = T.table_payload(trace, 1, 10)
    assert t["function"] == "total" and t["names"] == ["xs", "s", "x"]
    cells = [[c and c["v"] for c in r["cells"]] for r in t["rows"]]
    assert [r["line"] for r in t["rows"]] == [2, 3, 4, 3, 4, 3, 4, 3, 5]
    assert cells[0] == ["[3, 1, 2]", "0", None]                  # first row: every value
    assert cells[1:3] == [[None, None, "3"], [None, "3", None]]    # then only what each line changed
    assert t["rows"][-1]["note"] == "returns 6"
    assert [r["after"] for r in t["rows"][:2]] == [7, 8]
    module = T.table_payload(trace, 0, 16)
    call = next(r for r in module["rows"] if r["line"] == 6)
    assert call["after"] == 15                                    # after the call returned
    assert [c and c["v"] for c in call["cells"]][-1] == "6"
    assert module["rows"][-1]["note"] == "raises ZeroDivisionError"
    with pytest.raises(IndexError):
        T.table_payload(trace, 9, 0)


def test_value_json_caps_children():
    from ct_jupyter.model import Value

    big = Value("list", "list", "[…]", oid=1, length=500,
                items=tuple(Value("int", "int", str(i), py=i) for i in range(500)))
    node = P.value_json(big)
    assert len(node["items"]) == P.MAX_CHILDREN and node["more"]
    assert P.value_json(big, max_children=1000)["items"][-1]["x"] == "499"


def test_real_recording_sort_example():
    src = (
        "def insertion_sort(xs):\n"
        "    for i in range(1, len(xs)):\n"
        "        j = i\n"
        "        while j > 0 and xs[j - 1] > xs[j]:\n"
        "            xs[j - 1], xs[j] = xs[j], xs[j - 1]\n"
        "            j -= 1\n"
        "    return xs\n"
        "data = [3, 1, 2]\n"
        "result = insertion_sort(data)\n"
        "print(result)\n"
    )
    trace = ct_jupyter.record(src)
    n = len(trace)
    call = next(i for i in range(n) if trace.step(i).function == "insertion_sort")
    v = P.view_payload(trace, call)
    assert _vars(v)["xs"]["aliases"] == ["data (<module>)"]
    # after the last swap the list is sorted, seen through both names
    end = P.view_payload(trace, n)
    assert _vars(end)["data"]["value"]["x"] == "[1, 2, 3]"
    assert _vars(end)["result"]["value"]["o"] == _vars(end)["data"]["value"]["o"]
    swaps = [i for i in range(n) if trace.line_of(i) == 5]
    first_after = P.view_payload(trace, swaps[0] + 1)
    xs = _vars(first_after)["xs"]
    assert xs.get("changed") and xs["value"]["x"] == "[1, 3, 2]"
    assert [i.get("d") for i in xs["value"]["items"]] == [1, 1, None]
    over = P.nav_targets(trace, call - 1)["over"]
    assert trace.step(over).function == "<module>" and trace.line_of(over) == 10
    printed = "".join(c["text"] for c in end["io"]["chunks"] if c["stream"] == "stdout")
    if trace.io:                                   # IO capture on (default)
        assert printed == "[1, 2, 3]\n"


# -- a 1,000,000-step trace: nothing scales with the trace ------------------------------------
@pytest.fixture(scope="module")
def big():
    return load_fixture("big_trace").build_big_trace()


def test_big_trace_payloads_are_bounded(big):
    n = len(big)
    assert n == 1_000_002
    summary = json.dumps(P.summary_payload(big))
    assert len(summary) < 2_000
    for pos in (0, 1, 500_000, 500_003, n - 1, n):
        for frame in (-1, 0):
            view = P.view_payload(big, pos, frame)
            size = len(json.dumps(view))
            assert size < 100_000, (pos, frame, size)
            assert len(view["io"]["chunks"]) <= P.MAX_IO_CHUNKS
            assert len(view["stack"]) <= P.MAX_STACK
    view = P.view_payload(big, 700_000)
    assert view["io"]["skipped"] + len(view["io"]["chunks"]) == view["io"]["total"] == 69_999
    assert view["io"]["skipped"] > 60_000
    hist = P.history_payload(big, "c", 0, 700_000)
    assert len(hist["entries"]) == P.HISTORY_WINDOW and hist["total"] == 100_000
    assert hist["before"] > 60_000 and hist["after"] > 20_000
    assert any(e["step"] <= 700_000 < e2["step"]
               for e, e2 in zip(hist["entries"], hist["entries"][1:]))
    expand = P.expand_payload(big, 0, n)
    assert len(json.dumps(expand)) < 100_000 and expand["value"]["n"] == 1000
    table = T.table_payload(big, 0, 500_000)
    assert len(table["rows"]) == T.TABLE_ROWS and len(json.dumps(table)) < 20_000
    assert table["rows"][0]["step"] < 500_000 < table["rows"][-1]["step"]
    inner = T.table_payload(big, 50_000, 500_003)
    assert [r["line"] for r in inner["rows"]] == list(range(21, 30))
    src = P.source_payload(big, 0)
    assert src["counts"]["2"] == 100_000 and src["counts"]["21"] == 100_000


def test_big_trace_navigation(big):
    n = len(big)
    # module line 2 calls work(): over jumps the 9 body steps, out leaves work()
    assert P.nav_targets(big, 11)["over"] == 21
    assert P.nav_targets(big, 13) == {"over": 14, "out": 21, "back_over": 12, "back_out": 11}
    assert P.line_target(big, 0, 0, 3) == n - 1
    assert P.line_target(big, n - 1, 0, 2, backward=True) == n - 11
    assert P.line_target(big, 5, 0, 2, backward=True) == 1
    assert P.line_target(big, 2, 0, 39) is None


@pytest.mark.parametrize("src, frame_last", [
    # a frame's last line: what it assigned shows, never <unbound>
    ("a = 1\nb = [a, 2]\nc = a + 10\n", ("c", "11")),
    ("def f(x):\n    return x * 2\nr = f(3)\n", ("r", "6")),
    ("def g():\n    t = 5\n    u = t + 1\n    return u\nv = g()\nw = v\n", ("w", "6")),
])
def test_trace_table_last_row_shows_what_the_last_line_left(src, frame_last):
    trace = ct_jupyter.record(src)
    t = T.table_payload(trace, 0, len(trace))
    name, text = frame_last
    last = t["rows"][-1]
    assert last["cells"][t["names"].index(name)] == {"v": text, "c": 1}
    assert all(c is None or "unbound" not in c["v"] for r in t["rows"] for c in r["cells"])
    lines = [trace.line_of(i) for i in range(len(trace)) if trace.frame_of(i) == 0]
    assert [r["line"] for r in t["rows"]] == lines          # no line missing


def test_trace_table_every_recursive_frame_returns_its_value():
    trace = ct_jupyter.record("def fact(n):\n    if n <= 1:\n        return 1\n"
                              "    return n * fact(n - 1)\nr = fact(3)\n")
    notes = {}
    for f in range(1, trace.frame_count):
        rows = T.table_payload(trace, f, trace.frame(f).first_step)["rows"]
        n = trace.arguments(f)["n"].text
        notes[n] = rows[-1].get("note")
    assert notes == {"3": "returns 6", "2": "returns 2", "1": "returns 1"}
    # the model query behind it, on the recursive call's line
    f2 = next(f for f in range(trace.frame_count) if trace.arguments(f).get("n") and
              trace.arguments(f)["n"].text == "2")
    last2 = max(i for i in range(len(trace)) if trace.frame_of(i) == f2)
    assert trace.step_effect(last2).returned == "returns 2"


def test_stack_shows_each_frames_arguments_and_locals():
    trace = ct_jupyter.record("def fact(n):\n    if n <= 1:\n        return 1\n"
                              "    k = n - 1\n    return n * fact(k)\nr = fact(3)\n")
    deepest = next(i for i in range(len(trace)) if trace.step(i).depth == 3)
    stack = P.stack_payload(trace, deepest)
    assert [e["call"] for e in stack] == ["<module>", "fact(n=3)", "fact(n=2)", "fact(n=1)"]
    assert stack[1]["locals"] == [["n", "3"], ["k", "2"]]     # every frame's locals, not only one
    assert stack[3]["locals"] == [["n", "1"]]
    cls = ct_jupyter.record("class Account:\n    rate = 2\n")
    assert P.stack_payload(cls, 1)[-1]["call"] == "class Account"


def test_history_says_which_line_made_each_change():
    trace = ct_jupyter.record("x = 1\ny = 0\nx = 2\nz = 3\n")
    hist = P.history_payload(trace, "x", 0, len(trace))
    # x = 2 is stored at step 3 (when line 4 is about to run) but was made by step 2's line
    assert [(e["step"], e["by"]) for e in hist["entries"]] == [(1, 0), (3, 2)]
    last = P.history_payload(trace, "z", 0, len(trace))["entries"][-1]
    assert last["step"] == len(trace) and last["by"] == len(trace) - 1
