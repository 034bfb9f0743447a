"""The trace viewer in a real browser: JupyterLab 4 and Notebook 7, headless Debian Chromium.

Each test writes a notebook, opens it, runs all cells (``%%codetrace`` records a cell and shows
the viewer), then steps with buttons and keys, checks the variables pane at chosen steps, clicks
a source line, an output chunk and a stack frame, reads the widget's state in the kernel, checks
that hostile strings from the traced program ran nothing, and takes screenshots
(test-results/e2e/).
"""

from __future__ import annotations

import ast
import re
import time
import uuid

import pytest
from _ctj_server import ARTIFACTS, OPEN_NOTEBOOK_JS, JupyterServer, kernel_eval, write_notebook

pytestmark = pytest.mark.e2e

try:  # collection must work without the e2e extra (pytest -m "not e2e"); the fixtures fail loudly
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture reports what to install
    expect = None

WAIT = 60_000

HELPER = """def total(xs):
    s = 0
    for x in xs:
        s += x
    return s"""

TRACED = """%%codetrace
import sys
data = [3, 1]
alias = data
evil = "<img src=x onerror=alert(1)>"
print(evil)
data.append(2)
t = total(data)
print("t =", t)
print("</div><script>window.__ctj_pwned=1</script>", file=sys.stderr)
t"""

FAILING = """%%codetrace
def mean(xs):
    return sum(xs) / len(xs)
scores = []
mean(scores)"""

# Line numbers inside the traced cell body (the %%codetrace line is not part of it).
L_DATA, L_ALIAS, L_EVIL, L_PRINT_EVIL, L_APPEND, L_CALL, L_PRINT_T = 2, 3, 4, 5, 6, 7, 8


def _write_notebook(server: JupyterServer, name: str) -> str:
    return write_notebook(server, name, ["%load_ext ct_jupyter", HELPER, TRACED, FAILING])


def _open(page, server: JupyterServer, url: str, path: str, seen) -> str:
    page.goto(server.url(url))
    page.wait_for_selector(".jp-Notebook", timeout=WAIT)
    kernel_id = page.evaluate(OPEN_NOTEBOOK_JS, [path, 120_000, True])
    deadline = time.monotonic() + 120
    while page.locator(".ctj-root[data-ready='1']").count() < 2:
        fatal = [e for e in seen.ours() if "ctj" in e or "ct_jupyter" in e or "Could not create a view" in e]
        assert not fatal, f"the viewer failed in the browser: {fatal}"
        assert time.monotonic() < deadline, f"viewers did not render; console: {seen.errors}"
        page.wait_for_timeout(200)
    return kernel_id


def _viewer_state(server: JupyterServer, kernel_id: str) -> list[tuple[int, int]]:
    expr = ("[(w.step, w.frame) for w in __import__('ipywidgets').widgets.widget._instances.values()"
            " if type(w).__name__ == 'TraceWidget']")
    text = kernel_eval(server, kernel_id, {"v": expr})["v"]
    return [tuple(x) for x in ast.literal_eval(text)]


def _wait_kernel_step(server, kernel_id, index, step, frame=None, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        state = _viewer_state(server, kernel_id)
        if len(state) > index and state[index][0] == step and (frame is None or state[index][1] == frame):
            return state[index]
        assert time.monotonic() < deadline, f"kernel-side viewer state {state}, wanted step {step} frame {frame}"
        time.sleep(0.2)


def _step(viewer) -> int:
    return int(viewer.get_attribute("data-step"))


def _var(viewer, name: str):
    row = viewer.locator(".ctj-vars > .ctj-var").filter(
        has=viewer.page.locator(f".ctj-name:text-is('{name}')"))
    return row.locator(":scope > .ctj-var-line > .ctj-val")


def _line(viewer, n: int):
    return viewer.locator(f".ctj-code .ctj-line[data-line='{n}']")


def _at_line(viewer, n: int, path_label: str | None = None):
    expect(viewer.locator(".ctj-line.ctj-cur")).to_have_attribute("data-line", str(n), timeout=WAIT)
    if path_label:
        expect(viewer.locator(".ctj-tab-on")).to_have_text(path_label, timeout=WAIT)


def _check_hostile(page, viewer, seen) -> None:
    assert page.evaluate("() => window.__ctj_pwned") is None
    assert seen.dialogs == []
    assert viewer.locator("img").count() == 0 and viewer.locator("script").count() == 0
    expect(viewer.locator(".ctj-output")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(viewer.locator(".ctj-io-stderr")).to_contain_text("</div><script>window.__ctj_pwned=1</script>")
    expect(_var(viewer, "evil")).to_have_text("'<img src=x onerror=alert(1)>'")


def _check_failed_viewer(viewer) -> None:
    expect(viewer.locator(".ctj-banner")).to_contain_text("ZeroDivisionError", timeout=WAIT)
    expect(viewer.locator(".ctj-banner")).to_contain_text("division by zero")
    expect(viewer.locator(".ctj-line.ctj-cur.ctj-raise")).to_have_count(1)
    expect(viewer.locator(".ctj-status")).to_contain_text("raised ZeroDivisionError")
    expect(_var(viewer, "xs")).to_have_text("[]")


def _flow(page, server, kernel_id, seen, prefix: str) -> None:
    viewer = page.locator(".ctj-root").nth(0)
    failed = page.locator(".ctj-root").nth(1)
    steps = int(re.search(r"of (\d+)", viewer.locator(".ctj-counter").inner_text()).group(1))
    assert steps > 10
    expect(viewer).to_have_attribute("data-step", "0")
    _at_line(viewer, 1, None)
    assert _viewer_state(server, kernel_id)[0] == (0, -1)

    # buttons
    viewer.locator(".ctj-btn-next").click()
    expect(viewer).to_have_attribute("data-step", "1", timeout=WAIT)
    _wait_kernel_step(server, kernel_id, 0, 1)
    viewer.locator(".ctj-btn-last").click()
    expect(viewer.locator(".ctj-counter")).to_have_text(f"End · {steps} steps", timeout=WAIT)
    expect(_var(viewer, "data")).to_have_text("[3, 1, 2]", timeout=WAIT)
    expect(_var(viewer, "t")).to_have_text("6")
    expect(viewer.locator(".ctj-banner")).to_contain_text("The run finished")
    viewer.locator(".ctj-btn-first").click()
    expect(viewer).to_have_attribute("data-step", "0", timeout=WAIT)
    expect(_var(viewer, "data")).to_have_count(0)

    # keys (the viewer has focus once one of its buttons was clicked)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(viewer).to_have_attribute("data-step", "2", timeout=WAIT)
    _at_line(viewer, L_ALIAS)
    expect(_var(viewer, "data")).to_have_text("[3, 1]")
    page.keyboard.press("End")
    expect(viewer.locator(".ctj-counter")).to_have_text(f"End · {steps} steps", timeout=WAIT)
    page.keyboard.press("Home")
    expect(viewer).to_have_attribute("data-step", "0", timeout=WAIT)

    # click a source line: its next execution
    _line(viewer, L_CALL).click()
    _at_line(viewer, L_CALL, "In [3]")
    call_step = _step(viewer)
    _wait_kernel_step(server, kernel_id, 0, call_step)
    expect(_var(viewer, "data")).to_have_text("[3, 1, 2]")
    expect(viewer.locator(".ctj-vars > .ctj-var.ctj-changed .ctj-name")).to_have_text(["data", "alias"])
    expect(viewer.locator(".ctj-vars .ctj-alias").first).to_contain_text("same object as alias")
    assert _var(viewer, "t").count() == 0

    # step over the call (Shift+ArrowRight), back over it, then into it
    page.keyboard.press("Shift+ArrowRight")
    _at_line(viewer, L_PRINT_T)
    expect(_var(viewer, "t")).to_have_text("6")
    expect(viewer.locator(".ctj-banner")).to_contain_text("total() returned 6")
    page.keyboard.press("Shift+ArrowLeft")
    _at_line(viewer, L_CALL)
    assert _step(viewer) == call_step
    page.keyboard.press("ArrowRight")
    _at_line(viewer, 2, "In [2]")
    expect(viewer.locator(".ctj-frame .ctj-fn")).to_have_text(["<module>", "total(xs=[3, 1, 2])"])
    expect(_var(viewer, "xs")).to_have_text("[3, 1, 2]")
    expect(viewer.locator(".ctj-vars .ctj-alias")).to_contain_text("data (<module>)")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(viewer).to_have_attribute("data-step", str(call_step + 5), timeout=WAIT)
    expect(_var(viewer, "s")).to_have_text("3")
    # value history of s: click a change to jump there
    viewer.locator(".ctj-name:text-is('s')").click()
    expect(viewer.locator(".ctj-hist-item .ctj-val")).to_have_text(["0", "3", "4", "6"], timeout=WAIT)
    viewer.locator(".ctj-hist-item").nth(2).click()
    expect(_var(viewer, "s")).to_have_text("4", timeout=WAIT)
    viewer.screenshot(path=str(ARTIFACTS / f"{prefix}-viewer-in-call.png"))

    # select the caller's frame in the stack: its line and variables; the kernel sees it
    here = _step(viewer)
    viewer.locator(".ctj-frame", has_text="<module>").click()
    expect(viewer.locator(".ctj-frame-on .ctj-fn")).to_have_text("<module>", timeout=WAIT)
    _at_line(viewer, L_CALL, "In [3]")
    expect(_var(viewer, "data")).to_have_text("[3, 1, 2]")
    state = _wait_kernel_step(server, kernel_id, 0, here)
    assert state[1] >= 0

    # click an output chunk: jumps to just after the step that wrote it
    page.keyboard.press("End")
    expect(viewer.locator(".ctj-counter")).to_have_text(f"End · {steps} steps", timeout=WAIT)
    viewer.locator(".ctj-io-stdout").first.click()
    expect(viewer.locator(".ctj-line.ctj-prev")).to_have_attribute("data-line", str(L_PRINT_EVIL), timeout=WAIT)
    expect(viewer.locator(".ctj-io")).to_have_count(1)
    expect(viewer.locator(".ctj-io-new")).to_have_text("<img src=x onerror=alert(1)>\n")
    _at_line(viewer, L_APPEND)

    # kernel-side control: setting the step in the kernel moves the browser
    kernel_eval(server, kernel_id, {"x": "setattr([w for w in __import__('ipywidgets').widgets.widget"
                                          "._instances.values() if type(w).__name__ == 'TraceWidget'][0], 'step', 1)"})
    expect(viewer).to_have_attribute("data-step", "1", timeout=WAIT)
    page.keyboard.press("End")
    _check_hostile(page, viewer, seen)
    _check_failed_viewer(failed)

    ours = [e for e in seen.ours() if "ctj" in e or "ct_jupyter" in e or "widget" in e.lower()]
    assert ours == [], ours
    assert "Error displaying widget" not in page.content()


def test_jupyterlab(page, jupyter):
    pg, seen = page
    path = _write_notebook(jupyter, "lab_viewer")
    kernel_id = _open(pg, jupyter, f"/lab/workspaces/ctj-{uuid.uuid4().hex[:8]}/tree/{path}?reset", path, seen)
    # the failing cell still fails normally: its traceback is shown and Run All stopped there
    expect(pg.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").last
           ).to_contain_text("ZeroDivisionError", timeout=WAIT)
    _flow(pg, jupyter, kernel_id, seen, "lab")
    viewer = pg.locator(".ctj-root").nth(0)
    viewer.locator(".ctj-btn-first").click()
    _line(viewer, L_CALL).click()
    _at_line(viewer, L_CALL)
    for _ in range(5):
        pg.keyboard.press("ArrowRight")
    expect(_var(viewer, "x")).to_have_text("1", timeout=WAIT)           # about to run s += x with s=3, x=1
    expect(_var(viewer, "s")).to_have_text("3")
    # the history of s chosen in _flow stays open while stepping; it marks the current value
    expect(viewer.locator(".ctj-hist-item")).to_have_count(4, timeout=WAIT)
    expect(viewer.locator(".ctj-hist-on .ctj-val")).to_have_text("3")
    viewer.locator(".ctj-frame", has_text="total").click()
    viewer.locator(".ctj-vars .ctj-toggle").first.click()
    expect(viewer.locator(".ctj-kids .ctj-var")).to_have_count(3, timeout=WAIT)
    viewer.screenshot(path=str(ARTIFACTS / "lab-viewer.png"))
    pg.screenshot(path=str(ARTIFACTS / "lab-page.png"), full_page=False)
    # the trace table of total(): one row per line it ran, the values each line left
    viewer.locator(".ctj-table-btn").click()
    expect(viewer.locator(".ctj-table th")).to_have_text(["line", "xs", "s", "x", ""], timeout=WAIT)
    expect(viewer.locator(".ctj-table tbody tr").last.locator(".ctj-rnote")).to_have_text("returns 6")
    viewer.screenshot(path=str(ARTIFACTS / "lab-viewer-table.png"))
    viewer.locator(".ctj-table tbody tr").nth(6).click()
    expect(viewer.locator(".ctj-vars")).to_be_hidden()                  # the table replaces the tree
    viewer.locator(".ctj-table-btn").click()
    expect(_var(viewer, "s")).to_have_text("6", timeout=WAIT)
    # dark theme: the viewer follows JupyterLab's CSS variables
    pg.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    pg.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=WAIT)
    pg.wait_for_selector("#jupyterlab-splash", state="detached", timeout=WAIT)
    bg = viewer.evaluate("el => getComputedStyle(el).backgroundColor")
    rgb = [int(x) for x in re.findall(r"\d+", bg)[:3]]
    assert sum(rgb) < 200, f"dark theme background expected, got {bg}"
    viewer.screenshot(path=str(ARTIFACTS / "lab-viewer-dark.png"))
    # narrow: the panes stack in one column and nothing overflows the cell
    pg.set_viewport_size({"width": 560, "height": 1000})
    pg.wait_for_timeout(300)
    width = viewer.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert width[0] <= width[1] + 2, width
    cols = viewer.locator(".ctj-main").evaluate("el => getComputedStyle(el).gridTemplateColumns")
    assert len(cols.split()) == 1, cols
    viewer.screenshot(path=str(ARTIFACTS / "lab-viewer-narrow.png"))


def test_notebook7(page, jupyter):
    pg, seen = page
    path = _write_notebook(jupyter, "nb7_viewer")
    pg.goto(jupyter.url("/tree"))
    expect(pg.get_by_text("nb7_viewer.ipynb").first).to_be_visible(timeout=WAIT)
    kernel_id = _open(pg, jupyter, f"/notebooks/{path}", path, seen)
    _flow(pg, jupyter, kernel_id, seen, "nb7")
    pg.locator(".ctj-root").nth(0).screenshot(path=str(ARTIFACTS / "nb7-viewer.png"))
    pg.screenshot(path=str(ARTIFACTS / "nb7-page.png"))
