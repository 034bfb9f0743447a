"""The kernel keeps recordings within a memory budget; a re-run releases its cell's old one."""

from __future__ import annotations

import gc
import weakref

import orjson
import pytest

from ct_jupyter.errors import UsageError
from ct_jupyter.widget import TraceWidget
from ct_jupyter.widget.comm import _on_open
from ct_jupyter.widget.store import STORE, RecordingStore, estimate_bytes
from tests.helpers import load_fixture

VT = load_fixture("viewer_trace")


def test_rerunning_a_cell_releases_its_previous_recording():
    store = RecordingStore(budget=10**9)
    released = []
    first = store.add(VT.build_trace(), cell="cell-1")
    store.on_release(first, lambda: released.append(first))
    other = store.add(VT.build_trace(), cell="cell-2")
    second = store.add(VT.build_trace(), cell="cell-1")
    assert released == [first]
    assert store.get(first) is None and store.status(first) == "released"
    assert store.get(second) is not None and store.get(other) is not None
    assert store.status("never-seen") == "unknown"


def test_oldest_recordings_go_first_past_the_budget_but_never_the_newest():
    one = estimate_bytes(VT.build_trace())
    store = RecordingStore(budget=int(one * 2.5))
    ids = [store.add(VT.build_trace()) for _ in range(4)]
    assert store.ids() == ids[2:]
    assert store.used() <= store.budget
    store.set_budget(1)                               # smaller than any: the newest stays
    assert store.ids() == ids[3:]
    with pytest.raises(UsageError):
        store.set_budget(0)


def test_a_released_widget_drops_its_trace_and_says_so():
    w = TraceWidget(VT.build_trace(), cell="test-release-cell")
    ref = weakref.ref(w.trace)
    sent = []
    w.send = lambda content, buffers=None: sent.append((content, orjson.loads(bytes(buffers[0]))))  # type: ignore[method-assign]
    TraceWidget(VT.build_trace(), cell="test-release-cell")          # the cell ran again
    gc.collect()
    assert w.trace is None and ref() is None
    w._handle_custom_msg({"type": "view", "req": 3, "step": 0, "frame": -1}, [])
    content, body = sent[-1]
    assert content == {"type": "error", "req": 3} and body["code"] == "released"


class FakeComm:
    def __init__(self):
        self.sent, self.closed, self.handler = [], False, None

    def send(self, data, buffers=None):
        self.sent.append((data, orjson.loads(bytes(buffers[0])) if buffers else None))

    def close(self):
        self.closed = True

    def on_msg(self, fn):
        self.handler = fn

    def on_close(self, fn):
        self.close_handler = fn


def test_the_comm_pages_a_kept_recording_and_refuses_others():
    w = TraceWidget(VT.build_trace())
    comm = FakeComm()
    _on_open(comm, {"content": {"data": {"trace_id": w.trace_id}}})
    assert comm.sent[-1][0]["type"] == "ready" and not comm.closed
    comm.handler({"content": {"data": {"type": "view", "req": "r1", "step": 4, "frame": -1}}})
    data, body = comm.sent[-1]
    assert data == {"type": "view", "req": "r1"} and body["step"] == 4
    comm.handler({"content": {"data": {"type": "nope", "req": "r2"}}})
    assert comm.sent[-1][0] == {"type": "error", "req": "r2"}
    assert (w.step, w.frame) == (4, -1)                 # the widget follows the renderer
    w.step = 2                                         # ... and the renderer follows the kernel
    data, body = comm.sent[-1]
    assert data == {"type": "view", "req": None} and body["step"] == 2
    STORE.release(w.trace_id)
    comm.handler({"content": {"data": {"type": "view", "req": "r3", "step": 4}}})
    assert comm.sent[-1][1]["code"] == "released"
    gone = FakeComm()
    _on_open(gone, {"content": {"data": {"trace_id": "another-kernels-id"}}})
    assert gone.sent == [({"type": "gone", "req": None, "reason": "unknown"}, None)] and gone.closed
