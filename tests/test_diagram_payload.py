"""The diagram request/response (`payload.diagram_payload`, the widget's "diagram" message)."""

from __future__ import annotations

import json
import os

import orjson

from ct_jupyter.widget import TraceWidget
from ct_jupyter.widget import payload as P
from tests.helpers import load_fixture

DT = load_fixture("diagram_trace")


def test_shared_diagram_fixture_is_current() -> None:
    """The JSON the JS diagram tests render is what payload.py produces (CT_JUPYTER_REGEN=1 rewrites)."""
    text = DT.fixture_text()
    if os.environ.get("CT_JUPYTER_REGEN"):
        DT.FIXTURE.write_text(text, encoding="utf-8")
    assert DT.FIXTURE.read_text(encoding="utf-8") == text, (
        "tests/fixtures/diagram_payloads.json is stale: run CT_JUPYTER_REGEN=1 pytest "
        "tests/test_diagram_payload.py")
    assert json.loads(text)["schema"] == P.SCHEMA


def test_payload_is_json_safe_and_describes_the_step() -> None:
    trace = DT.build_trace()
    body = P.diagram_payload(trace, 8)
    assert orjson.loads(orjson.dumps(body)) == body
    assert body["schema"] == P.SCHEMA and body["step"] == 8 and body["steps"] == len(trace)
    frame = body["frames"][0]
    names = {s["key"]: s for s in frame["slots"]}
    assert names["a"]["ref"] == names["b"]["ref"]
    nodes = {n["id"]: n for n in body["nodes"]}
    la = nodes[names["a"]["ref"]]
    assert la["mutated"] == 1 and la["slots"][3] == {"key": "3", "kind": "list", "text": "list",
                                                      "ref": la["id"], "changed": 1}
    assert names["a"].get("reach") and names["b"].get("reach") and names["m"].get("reach")
    assert {"from": la["id"], "slot": 3, "to": la["id"]} in body["edges"]
    pobj = next(n for n in body["nodes"] if n["type"] == "P")
    assert [s["text"] for s in pobj["slots"]] == ["1", repr(DT.HOSTILE)]


def test_recursion_frames_and_gone_objects() -> None:
    trace = DT.build_trace()
    body = P.diagram_payload(trace, 12)
    assert [(f["function"], f["slots"][0]["text"] if f["function"] == "f" else None)
            for f in body["frames"]] == [("<module>", None), ("f", "3"), ("f", "2"), ("f", "1")]
    end = P.diagram_payload(trace, len(trace))
    gone = {g["id"] for g in end["gone"]}
    assert len(gone) == 2 and all(g not in {n["id"] for n in end["nodes"]} for g in gone)


def test_paging_and_opening_are_validated_and_capped() -> None:
    trace = DT.build_trace()
    base = P.diagram_payload(trace, 10)
    big = next(n for n in base["nodes"] if n.get("length") == 50)
    assert len(big["slots"]) == 10 and big["more"] == 40
    paged = P.diagram_payload(trace, 10, limits={str(big["oid"]): 10**9})
    again = next(n for n in paged["nodes"] if n["id"] == big["id"])
    assert len(again["slots"]) == 50 and "more" not in again
    assert P.diagram_payload(trace, -5)["step"] == 0
    assert P.diagram_payload(trace, 10**6)["step"] == len(trace)


class _Wire:
    def __init__(self, widget: TraceWidget) -> None:
        self.sent: list[tuple[dict, object]] = []
        widget.send = self.capture  # type: ignore[method-assign]
        self.widget = widget

    def capture(self, content, buffers=None):  # type: ignore[no-untyped-def]
        self.sent.append((content, orjson.loads(bytes(buffers[0])) if buffers else None))

    def ask(self, **msg: object) -> list[tuple[dict, object]]:
        self.sent.clear()
        self.widget._handle_custom_msg({"req": 3, **msg}, [])
        return list(self.sent)


def test_widget_answers_diagram_requests_and_rejects_bad_ones() -> None:
    w = TraceWidget(DT.build_trace())
    wire = _Wire(w)
    [(msg, body)] = wire.ask(type="diagram", step=5)
    assert msg == {"type": "diagram", "req": 3}
    assert body == P.diagram_payload(w.trace, 5)  # type: ignore[comparison-overlap]
    [(msg, body)] = wire.ask(type="diagram", step=10, open=["x"])
    assert msg["type"] == "error" and body["error"] == "ValueError"  # type: ignore[index]
    [(msg, body)] = wire.ask(type="diagram", step=10, limits=[1, 2])
    assert msg["type"] == "error"


def _unpack(pack: dict, step: int) -> dict | None:
    """The Python twin of js/src/views/diagram-saved.js unpackDiagram (tested on the same data)."""
    s = pack["steps"].get(str(step))
    if s is None:
        return None
    return {"schema": pack["schema"], "step": s["step"], "steps": s["steps"],
            "frames": [pack["frames"][i] for i in s["f"]], "gap": s["gap"],
            "nodes": [pack["nodes"][i] for i in s["n"]], "edges": s["edges"], "gone": s["gone"],
            "truncated": s["truncated"]}


def test_packed_diagrams_rebuild_every_step_exactly_and_share_tables() -> None:
    from ct_jupyter.widget.saved_diagrams import pack_diagrams

    trace = DT.build_trace()
    steps = list(range(len(trace) + 1))
    pack = pack_diagrams(trace, steps)
    assert pack["left_out"] == 0
    for step in steps:
        assert _unpack(pack, step) == P.diagram_payload(trace, step)
    total_nodes = sum(len(P.diagram_payload(trace, s)["nodes"]) for s in steps)
    assert len(pack["nodes"]) < total_nodes / 3            # unchanged objects are stored once
    plain = sum(len(orjson.dumps(P.diagram_payload(trace, s))) for s in steps)
    assert len(orjson.dumps(pack)) < plain * 0.7


def test_pack_respects_its_byte_budget_and_keeps_a_contiguous_prefix() -> None:
    from ct_jupyter.widget.saved_diagrams import pack_diagrams

    trace = DT.build_trace()
    steps = list(range(len(trace) + 1))
    pack = pack_diagrams(trace, steps, max_bytes=6_000)
    kept = sorted(int(k) for k in pack["steps"])
    assert kept == list(range(len(kept))) and 0 < len(kept) < len(steps)
    assert pack["left_out"] == len(steps) - len(kept)
    assert len(orjson.dumps(pack)) <= 6_000


def test_the_saved_recording_carries_the_diagrams_of_its_steps_within_its_budget() -> None:
    from ct_jupyter.widget.saved import saved_recording

    trace = DT.build_trace()
    rec = saved_recording(trace, "id", "t")
    pack = rec["diagrams"]
    for key in rec["views"]:
        assert _unpack(pack, int(key)) == P.diagram_payload(trace, int(key))
    small = saved_recording(trace, "id", "t", budget=4_000)
    assert len(orjson.dumps(small, option=orjson.OPT_NON_STR_KEYS)) <= 4_000 + 3_000
    assert set(small["diagrams"]["steps"]) <= set(small["views"])


def test_the_comm_and_widget_share_the_diagram_answer() -> None:
    from ct_jupyter.widget.serve import answer

    trace = DT.build_trace()
    kind, body = answer(trace, {"type": "diagram", "step": 6, "limits": {}})
    assert kind == "diagram" and body == P.diagram_payload(trace, 6)
