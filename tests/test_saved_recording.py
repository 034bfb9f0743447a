"""The recording saved in the notebook: bounded, gaps named, same payloads as the live viewer."""

from __future__ import annotations

import orjson
import pytest

from ct_jupyter.errors import UsageError
from ct_jupyter.widget import MIME, TraceWidget
from ct_jupyter.widget import payload as P
from ct_jupyter.widget.saved import gaps_of, saved_recording
from tests.helpers import load_fixture

VT = load_fixture("viewer_trace")


@pytest.fixture(scope="module")
def big():
    return load_fixture("big_trace").build_big_trace()


def test_a_small_recording_is_saved_whole_with_the_live_payloads():
    trace = VT.build_trace()
    rec = saved_recording(trace, "abc", "t")
    assert rec["version"] == 1 and rec["schema"] == P.SCHEMA and rec["trace_id"] == "abc"
    assert rec["gaps"] == []
    assert sorted(map(int, rec["views"])) == list(range(len(trace) + 1))
    assert rec["views"]["5"] == P.view_payload(trace, 5, -1)
    assert rec["sources"]["0"] == P.source_payload(trace, 0)
    assert rec["summary"] == P.summary_payload(trace, "t")


@pytest.mark.parametrize("budget", [4_000, 60_000])
def test_a_big_recording_keeps_start_end_and_exceptions_within_the_budget(big, budget):
    rec = saved_recording(big, "id", budget=budget)
    size = len(orjson.dumps(rec, option=orjson.OPT_NON_STR_KEYS))
    fixed = len(orjson.dumps({k: rec[k] for k in ("summary", "sources")})) + 2 * 3_000
    assert size <= max(budget, fixed) + 3_000          # the bound holds (within one view)
    saved = sorted(map(int, rec["views"]))
    n = len(big)
    assert saved[0] == 0 and saved[-1] == n
    assert rec["summary"]["start"] in saved
    for step in {e.step for e in big.exceptions}:
        assert step in saved
    # every position is either saved or inside exactly one gap
    covered = set(saved)
    for a, b in rec["gaps"]:
        assert a <= b and not covered & {a, b}
    assert sum(b - a + 1 for a, b in rec["gaps"]) + len(saved) == n + 1


def test_gaps_are_the_missing_inclusive_ranges():
    assert gaps_of([0, 1, 5, 9], 9) == [[2, 4], [6, 8]]
    assert gaps_of([0], 3) == [[1, 3]]
    assert gaps_of([0, 1, 2], 2) == []


def test_budget_is_checked():
    with pytest.raises(UsageError):
        saved_recording(VT.build_trace(), "x", budget=10)


def test_widget_output_carries_our_mime_type_with_hostile_strings_as_data():
    trace = VT.build_trace()
    w = TraceWidget(trace)
    data, _ = w._repr_mimebundle_()
    rec = data[MIME]
    assert rec["trace_id"] == w.trace_id
    text = orjson.dumps(rec).decode()
    # hostile strings travel as JSON strings; the renderer puts them in as text (JS tests)
    assert "<img src=x onerror=alert(1)>" in text
    assert "application/vnd.jupyter.widget-view+json" in data and "text/html" in data


SAVED_FIXTURE = VT.FIXTURE.parent / "saved_recording.json"


def saved_fixture_text() -> str:
    """Return the saved recordings the JS tests replay: whole, and cut to 1 KB (gaps)."""
    trace = VT.build_trace()
    both = {"full": saved_recording(trace, "fixture-id", "fixture"),
            "partial": saved_recording(trace, "fixture-id", "fixture", budget=1024)}
    return orjson.dumps(both, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def test_saved_fixture_is_current():
    """js/tests replays tests/fixtures/saved_recording.json (CT_JUPYTER_REGEN=1 rewrites it)."""
    import os

    text = saved_fixture_text()
    if os.environ.get("CT_JUPYTER_REGEN"):
        SAVED_FIXTURE.write_text(text, encoding="utf-8")
    assert SAVED_FIXTURE.read_text(encoding="utf-8") == text, (
        "tests/fixtures/saved_recording.json is stale: run CT_JUPYTER_REGEN=1 pytest tests/test_saved_recording.py")
