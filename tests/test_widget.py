"""TraceWidget without a browser: traits, custom-message handlers, paging over a big trace, mimebundle."""

from __future__ import annotations

import json
import pathlib

import orjson
import pytest

import ct_jupyter
from ct_jupyter.errors import UsageError
from ct_jupyter.widget import TraceWidget
from ct_jupyter.widget import payload as P
from tests.helpers import load_fixture

ROOT = pathlib.Path(__file__).parent.parent


VT = load_fixture("viewer_trace")


class Wire:
    """Capture what the widget sends to the browser, decoded."""

    def __init__(self, widget: TraceWidget) -> None:
        self.sent: list[tuple[dict, object, int]] = []
        widget.send = self.capture  # type: ignore[method-assign]
        self.widget = widget

    def capture(self, content, buffers=None):
        body = orjson.loads(bytes(buffers[0])) if buffers else None
        self.sent.append((content, body, len(bytes(buffers[0])) if buffers else 0))

    def ask(self, **msg):
        """Send a request the way the front end does; return the replies it produced."""
        self.sent.clear()
        self.widget._handle_custom_msg({"req": 7, **msg}, [])
        return list(self.sent)


@pytest.fixture
def widget():
    w = TraceWidget(VT.build_trace(), title="fixture")
    return w, Wire(w)


def test_initial_state_opens_at_the_raising_step(widget):
    w, _ = widget
    assert w.step == 16 and w.frame == -1
    assert w.summary["steps"] == 17 and w.summary["title"] == "fixture"
    state = w.get_state()
    synced = {k: v for k, v in state.items() if k not in ("_esm", "_css")}
    assert len(json.dumps(synced, default=str)) < 3_000             # no trace in the synced state


def test_rejects_what_is_not_a_trace():
    with pytest.raises(UsageError) as info:
        TraceWidget("print(1)")  # type: ignore[arg-type]
    assert info.value.code == "ERR_INVALID_OPTION"


def test_view_source_history_expand_replies(widget):
    w, wire = widget
    [(msg, body, _)] = wire.ask(type="view", step=10, frame=-1)
    assert msg == {"type": "view", "req": 7}
    assert body["step"] == 10 and body["current"]["line"] == 4
    [(msg, body, _)] = wire.ask(type="source", path=1)
    assert msg["type"] == "source" and body["label"] == "In [1]"
    [(msg, body, _)] = wire.ask(type="history", name="s", frame=1, step=12)
    assert [e["text"] for e in body["entries"]] == ["0", "3", "4", "6"]
    [(msg, body, _)] = wire.ask(type="table", frame=1, step=10)
    assert msg["type"] == "table" and body["names"] == ["xs", "s", "x"]
    [(msg, body, _)] = wire.ask(type="expand", oid=0, step=5)
    assert body["value"]["x"] == "[3, 1, 2]"
    assert w.step == 16                                              # requests never move the viewer


def test_bad_requests_get_error_replies(widget):
    _, wire = widget
    [(msg, body, _)] = wire.ask(type="source", path=99)
    assert msg["type"] == "error" and body["error"] == "IndexError"
    [(msg, body, _)] = wire.ask(type="expand")
    assert msg["type"] == "error" and body["error"] == "KeyError"
    [(msg, body, _)] = wire.ask(type="bogus")
    assert msg["type"] == "error" and "unknown request" in body["message"]
    [(msg, body, _)] = wire.ask(type="nav", action="sideways")
    assert msg["type"] == "error"


def test_navigation_moves_the_kernel_side_position(widget):
    w, wire = widget
    w.frame = 0
    replies = wire.ask(type="nav", action="over", step=5)
    assert [m["type"] for m, _, _ in replies] == ["nav", "view"]         # exactly one view pushed
    assert replies[0][1]["target"] == 15
    assert w.step == 15 and w.frame == -1 and replies[1][1]["step"] == 15
    replies = wire.ask(type="nav", action="line", path=1, line=4, step=0)
    assert w.step == 8 and replies[1][1]["current"]["path"] == 1
    replies = wire.ask(type="nav", action="line", path=1, line=4, step=8, backward=True)
    assert [m["type"] for m, _, _ in replies] == ["nav"] and replies[0][1]["target"] is None
    assert w.step == 8


def test_kernel_side_changes_push_a_view_but_browser_updates_do_not(widget):
    w, wire = widget
    wire.sent.clear()
    w.step = 3
    assert [(m["type"], b["step"]) for m, b, _ in wire.sent] == [("view", 3)]
    wire.sent.clear()
    w.set_state({"step": 4, "frame": -1})                             # what a browser update does
    assert w.step == 4 and wire.sent == []
    w.step = 1000
    assert w.step == 17                                               # clamped to the end


def test_mimebundle_has_widget_html_and_text(widget):
    w, _ = widget
    data, _meta = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    html = data["text/html"]
    assert "<img src=x" not in html and "<script>window" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "&lt;img" in html
    assert "17 steps" in data["text/plain"] and "ZeroDivisionError" in data["text/plain"]


def test_assets_come_from_the_package_static_folder():
    from ct_jupyter.widget import _asset

    js = _asset("widget.js")
    assert js.is_file() and "as default" in js.read_text(encoding="utf-8")
    assert _asset("widget.css").is_file()
    assert f"SCHEMA = {P.SCHEMA};" in js.read_text(encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        _asset("nope.js")


def test_js_package_version_matches_python():
    pkg = json.loads((ROOT / "js" / "package.json").read_text(encoding="utf-8"))
    assert pkg["version"] == ct_jupyter.__version__


def test_big_trace_paging_sends_windows_only():
    """A 1,000,000-step trace: every reply is a bounded window; nothing syncs the trace."""
    big = load_fixture("big_trace").build_big_trace()
    w = TraceWidget(big)
    wire = Wire(w)
    state = {k: v for k, v in w.get_state().items() if k not in ("_esm", "_css")}
    assert len(json.dumps(state, default=str)) < 3_000
    sizes = []
    for msg in ({"type": "view", "step": 0, "frame": -1}, {"type": "source", "path": 0},
                {"type": "view", "step": 500_000, "frame": -1}, {"type": "view", "step": 500_000, "frame": 0},
                {"type": "nav", "action": "over", "step": 500_001}, {"type": "nav", "action": "out", "step": 700_005},
                {"type": "nav", "action": "line", "path": 0, "line": 3, "step": 10},
                {"type": "nav", "action": "line", "path": 0, "line": 2, "step": 999_000, "backward": True},
                {"type": "history", "name": "c", "frame": 0, "step": 800_000},
                {"type": "expand", "oid": 0, "step": len(big)}, {"type": "view", "step": len(big), "frame": -1}):
        replies = wire.ask(**msg)
        assert replies and all(m["type"] != "error" for m, _, _ in replies), (msg, replies)
        assert len(replies) <= 2
        sizes.extend(size for _, _, size in replies)
    assert max(sizes) < 100_000
    assert w.step == 998_991                                           # the last nav: line 2 before 999000


def test_mimebundle_survives_a_failing_static_renderer(widget, monkeypatch):
    import ct_jupyter.render.html as render_html

    def boom(trace, *args, **kwargs):
        raise RuntimeError("<b>no</b>")

    monkeypatch.setattr(render_html, "trace_to_html", boom)
    w, _ = widget
    data, _meta = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/html"].startswith("<pre>&lt;Trace 17 steps")
    assert "<b>" not in data["text/html"]
