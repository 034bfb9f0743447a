"""What a student sees (issue 9 items 1-4 and 8), in JupyterLab 4 and Notebook 7.

One notebook: a cell ending in ``print`` (one frame, only the last assignment marked changed,
the trace table's last row), a recursion (every frame's return in the table, the stack with
arguments and locals), a deep recursion (the current frame scrolled into view) and a stopped
recording (End says so). The viewer is moved by setting its ``step`` in the kernel, so the test
does not depend on key handling (covered by test_viewer_e2e.py). Screenshots go to
test-results/e2e/.
"""

from __future__ import annotations

import time
import uuid

import pytest
from _ctj_server import ARTIFACTS, JupyterServer, kernel_eval, write_notebook
from test_viewer_e2e import WAIT, _open, _var

pytestmark = pytest.mark.e2e

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture reports what to install
    expect = None

CELLS = [
    "%load_ext ct_jupyter",
    ("def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n"
     "def down(k):\n    return 0 if k == 0 else down(k - 1)"),
    "%%codetrace\na = 1\nb = [a, 2]\nc = a + 10\nprint(c)",          # viewer 0
    "%%codetrace\nr = fact(3)\nr",                                    # viewer 1
    "%%codetrace\nd = down(40)",                                      # viewer 2
    "%%codetrace --max-steps 15\ni = 0\nwhile i < 1000:\n    i += 1\nprint('done', i)",  # 3
]

_WIDGETS = ("[w for w in __import__('ipywidgets').widgets.widget._instances.values()"
            " if type(w).__name__ == 'TraceWidget']")


def _set_step(server: JupyterServer, kernel_id: str, index: int, expr: str) -> int:
    """Set viewer ``index``'s step to ``expr`` (evaluated with ``w`` and ``t`` = its trace)."""
    code = (f"(lambda w: (setattr(w, 'step', (lambda t: {expr})(w.trace)), w.step)[1])"
            f"({_WIDGETS}[{index}])")
    return int(kernel_eval(server, kernel_id, {"s": code})["s"])


def _run(page, server: JupyterServer, url_of, name: str, seen, prefix: str) -> None:
    path = write_notebook(server, name, CELLS)
    kernel_id = _open(page, server, url_of(path), path, seen)
    deadline = time.monotonic() + 60
    while page.locator(".ctj-root[data-ready='1']").count() < 4:
        assert time.monotonic() < deadline, "not every viewer rendered"
        page.wait_for_timeout(200)
    views = [page.locator(".ctj-root").nth(i) for i in range(4)]

    # 1. a cell ending in print(...): one frame; at its last step only c is marked changed
    cell = views[0]
    last = _set_step(server, kernel_id, 0, "len(t) - 1")
    expect(cell).to_have_attribute("data-step", str(last), timeout=WAIT)
    expect(cell.locator(".ctj-frame .ctj-fn")).to_have_text(["<module>"], timeout=WAIT)
    expect(cell.locator(".ctj-vars > .ctj-var.ctj-changed .ctj-name")).to_have_text(["c"])
    expect(_var(cell, "c")).to_have_text("11")
    # 2. the trace table's last row holds what the last assignment left, no <unbound>
    cell.locator(".ctj-table-btn").click()
    rows = cell.locator(".ctj-table tbody tr")
    expect(rows).to_have_count(4, timeout=WAIT)
    expect(rows.last).not_to_contain_text("unbound")
    expect(rows.nth(2)).to_contain_text("11")
    cell.screenshot(path=str(ARTIFACTS / f"{prefix}-views-cell-table.png"))

    # 8. the stack at the deepest fact() call: arguments and each frame's locals
    rec = views[1]
    _set_step(server, kernel_id, 1, "max(range(len(t)), key=lambda i: t.step(i).depth)")
    expect(rec.locator(".ctj-frame .ctj-fn")).to_have_text(
        ["<module>", "fact(n=3)", "fact(n=2)", "fact(n=1)"], timeout=WAIT)
    expect(rec.locator(".ctj-stack-item").nth(2).locator(".ctj-locals")).to_contain_text("n = 2")
    rec.screenshot(path=str(ARTIFACTS / f"{prefix}-views-stack.png"))
    # 3. every recursive frame's last row in its trace table says what it returned
    rec.locator(".ctj-table-btn").click()
    for frame, value in (("fact(n=2)", "returns 2"), ("fact(n=3)", "returns 6")):
        rec.locator(".ctj-frame", has_text=frame).click()
        expect(rec.locator(".ctj-table tbody tr").last.locator(".ctj-rnote")).to_have_text(
            value, timeout=WAIT)
    rec.screenshot(path=str(ARTIFACTS / f"{prefix}-views-recursion-table.png"))

    # 8. a 40-level stack keeps the current (innermost) frame in view
    deep = views[2]
    _set_step(server, kernel_id, 2, "max(range(len(t)), key=lambda i: t.step(i).depth)")
    expect(deep.locator(".ctj-frame .ctj-fn").last).to_have_text("down(k=0)", timeout=WAIT)
    visible = deep.locator(".ctj-stack").evaluate(
        "el => { const on = el.querySelector('.ctj-frame-on'); const a = el.getBoundingClientRect();"
        " const b = on.getBoundingClientRect(); return b.top >= a.top - 1 && b.bottom <= a.bottom + 1; }")
    assert visible, "the current frame is scrolled out of the stack pane"
    deep.screenshot(path=str(ARTIFACTS / f"{prefix}-views-deep-stack.png"))

    # 4. a stopped recording: End says plainly that later values are not known
    stopped = views[3]
    _set_step(server, kernel_id, 3, "len(t)")
    banner = stopped.locator(".ctj-banner")
    expect(banner).to_contain_text("Recording stopped after 15 steps", timeout=WAIT)
    expect(banner).to_contain_text("not known")
    expect(banner).to_contain_text("as recorded after the recording stopped")
    stopped.screenshot(path=str(ARTIFACTS / f"{prefix}-views-stopped.png"))
    assert [e for e in seen.ours() if "ctj" in e or "ct_jupyter" in e] == []


def test_views_jupyterlab(page, jupyter):
    pg, seen = page
    _run(pg, jupyter, lambda p: f"/lab/workspaces/ctj-{uuid.uuid4().hex[:8]}/tree/{p}?reset",
         "lab_views", seen, "lab")


def test_views_notebook7(page, jupyter):
    pg, seen = page
    _run(pg, jupyter, lambda p: f"/notebooks/{p}", "nb7_views", seen, "nb7")
