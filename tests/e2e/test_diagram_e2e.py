"""The frames-and-objects diagram in a real browser (JupyterLab 4 and Notebook 7, headless Chromium).

A notebook records one cell with aliasing, a list of lists, a dict of instances, a mutation
through an alias, a self-referencing list, a big list and a recursion; the test switches the
viewer to the diagram, moves to chosen steps (from the kernel, as a teacher's script would, and
with the step keys), and checks the structure through the documented hooks (`data-ct-oid` on
boxes, `data-ct-from`/`data-ct-to` on arrows), stable positions across back/forward, paging of
the big list, and takes screenshots (test-results/e2e/diagram-*.png).
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from _ctj_server import ARTIFACTS, OPEN_NOTEBOOK_JS, JupyterServer, kernel_eval, write_notebook

pytestmark = pytest.mark.e2e

try:  # collection must work without the e2e extra; the fixtures fail loudly
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover
    expect = None

WAIT = 60_000
ROOT = ".ctj-root"
SLIDER = ".ctj-slider"
NEXT, PREV = ".ctj-btn-next", ".ctj-btn-prev"
TOGGLE = ".ctj-diagram-btn"

TRACED = """%%codetrace
class P:
    def __init__(self, name):
        self.name = name
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)
a = [1, 2]
b = a
grid = [[1, 2], [3, 4]]
people = {"ann": P("Ann"), "bob": P("<b>Bob</b>")}
b.append(3)
me = [0]
me.append(me)
big = list(range(1000))
r = fact(3)
done = True"""

# lines of the traced cell body (the %%codetrace line is not part of it)
L_B, L_GRID, L_PEOPLE, L_APPEND, L_ME, L_ME_APPEND, L_BIG, L_R, L_DONE = 9, 10, 11, 12, 13, 14, 15, 16, 17
L_BASE = 6                                                   # return 1 (the deepest call)

WIDGET = ("[w for w in __import__('ipywidgets').widgets.widget._instances.values() "
          "if type(w).__name__ == 'TraceWidget'][0]")


def _write_notebook(server: JupyterServer, name: str) -> str:
    return write_notebook(server, name, ["%load_ext ct_jupyter", TRACED])


def _open(page, server: JupyterServer, url: str, path: str, seen) -> str:
    page.goto(server.url(url))
    page.wait_for_selector(".jp-Notebook", timeout=WAIT)
    kernel_id = page.evaluate(OPEN_NOTEBOOK_JS, [path, 120_000, True])
    deadline = time.monotonic() + 120
    while page.locator(f"{ROOT}[data-ready='1']").count() < 1:
        fatal = [e for e in seen.ours() if "ctj" in e or "ct_jupyter" in e or "Could not create a view" in e]
        assert not fatal, f"the viewer failed in the browser: {fatal}"
        assert time.monotonic() < deadline, f"viewer did not render; console: {seen.errors}"
        page.wait_for_timeout(200)
    return kernel_id


def _step_of_line(server, kernel_id, line: int) -> int:
    """The first step at ``line`` of the cell's own frame (the state before that line runs)."""
    expr = (f"(lambda t: next(i for i in range(len(t)) if t.frame_of(i) == 0 and t.line_of(i) == {line}))"
            f"({WIDGET}.trace)")
    return int(kernel_eval(server, kernel_id, {"s": expr})["s"])


def _goto(server, kernel_id, viewer, diagram, step: int) -> None:
    """Move the viewer to ``step`` with its slider (as a user does), wait for view and diagram."""
    viewer.locator(SLIDER).evaluate(
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }", step)
    expect(viewer).to_have_attribute("data-step", str(step), timeout=WAIT)
    expect(diagram).to_have_attribute("data-step", str(step), timeout=WAIT)


def _ref(diagram, name: str, frame: int = 0) -> str:
    """The node id the arrow from ``name`` (in frame ``frame``) points at."""
    frame_box = diagram.locator(f".ct-dg-frame[data-ct-frame='{frame}']")
    rows = frame_box.locator(".ct-dg-row")
    names = rows.evaluate_all("rs => rs.map(r => r.getAttribute('data-ct-name'))")
    slot = names.index(name)
    arrow = diagram.locator(f".ct-dg-arrow[data-ct-from='f{frame}'][data-ct-slot='{slot}']")
    expect(arrow).to_have_count(1)
    return arrow.get_attribute("data-ct-to")


def _positions(diagram) -> dict[str, tuple[float, float]]:
    boxes = diagram.locator(".ct-dg-obj:not(.ct-dg-gone)")
    return {b["id"]: (b["x"], b["y"]) for b in boxes.evaluate_all(
        "bs => bs.map(b => ({id: b.getAttribute('data-ct-oid'), x: b.offsetLeft, y: b.offsetTop}))")}


def _flow(page, server, kernel_id, seen, prefix: str) -> None:
    viewer = page.locator(ROOT).nth(0)
    viewer.locator(TOGGLE).click()
    diagram = viewer.locator(".ct-dg-pane")
    expect(diagram.locator(".ct-diagram")).to_be_visible(timeout=WAIT)
    expect(viewer.locator(TOGGLE)).to_have_attribute("aria-pressed", "true")
    expect(viewer.locator(".ctj-vars")).to_be_hidden()

    # aliasing: b = a -> two arrows into one box
    _goto(server, kernel_id, viewer, diagram, _step_of_line(server, kernel_id, L_GRID))
    box = _ref(diagram, "a")
    assert _ref(diagram, "b") == box
    expect(diagram.locator(f".ct-dg-obj[data-ct-oid='{box}']")).to_have_count(1)
    expect(diagram.locator(f".ct-dg-arrow[data-ct-to='{box}']")).to_have_count(2)
    start = _step_of_line(server, kernel_id, L_GRID)

    # list of lists and dict of instances
    _goto(server, kernel_id, viewer, diagram, _step_of_line(server, kernel_id, L_APPEND))
    grid = _ref(diagram, "grid")
    inner = diagram.locator(f".ct-dg-arrow[data-ct-from='{grid}']")
    expect(inner).to_have_count(2)
    for target in inner.evaluate_all("as => as.map(a => a.getAttribute('data-ct-to'))"):
        expect(diagram.locator(f".ct-dg-obj[data-ct-oid='{target}'] .ct-dg-title")).to_have_text("list · 2")
    people = _ref(diagram, "people")
    objs = diagram.locator(f".ct-dg-arrow[data-ct-from='{people}']").evaluate_all(
        "as => as.map(a => a.getAttribute('data-ct-to'))")
    assert len(objs) == 2
    for target in objs:
        expect(diagram.locator(f".ct-dg-obj[data-ct-oid='{target}'] .ct-dg-title")).to_have_text("P")
    expect(diagram.locator(f".ct-dg-obj[data-ct-oid='{objs[1]}']")).to_contain_text("'<b>Bob</b>'")
    assert diagram.locator("b").count() == 0

    # a mutation through an alias: highlighted in the box and in both names
    _goto(server, kernel_id, viewer, diagram, _step_of_line(server, kernel_id, L_ME))
    changed = diagram.locator(f".ct-dg-obj[data-ct-oid='{box}']")
    expect(changed).to_contain_class("ct-dg-mutated")
    expect(changed.locator(".ct-dg-row.ct-dg-changed")).to_have_count(1)
    for name in ("a", "b"):
        expect(diagram.locator(f".ct-dg-frame[data-ct-frame='0'] .ct-dg-row[data-ct-name='{name}']")
               ).to_contain_class("ct-dg-reach")
    expect(diagram.locator(".ct-dg-frame[data-ct-frame='0'] .ct-dg-row[data-ct-name='grid']")
           ).not_to_contain_class("ct-dg-reach")
    diagram.screenshot(path=str(ARTIFACTS / f"diagram-{prefix}-alias-mutation.png"))

    # a self-referencing list
    _goto(server, kernel_id, viewer, diagram, _step_of_line(server, kernel_id, L_BIG))
    me = _ref(diagram, "me")
    expect(diagram.locator(f".ct-dg-arrow[data-ct-from='{me}'][data-ct-to='{me}']")).to_have_count(1)

    # a big container: head + count, paged from the kernel
    _goto(server, kernel_id, viewer, diagram, _step_of_line(server, kernel_id, L_R))
    big = diagram.locator(f".ct-dg-obj[data-ct-oid='{_ref(diagram, 'big')}']")
    expect(big.locator(".ct-dg-more")).to_have_text("… 990 more")
    big.locator(".ct-dg-more").click()
    expect(big.locator(".ct-dg-more")).to_have_text("… 940 more", timeout=WAIT)
    expect(big.locator(".ct-dg-row")).to_have_count(61)

    # recursion: one frame per level, each with its own n
    base = int(kernel_eval(server, kernel_id, {"s": f"{WIDGET}.trace.steps_at_line({L_BASE})[0]"})["s"])
    _goto(server, kernel_id, viewer, diagram, base)
    frames = diagram.locator(".ct-dg-frame")
    expect(frames).to_have_count(4)
    expect(frames.locator(".ct-dg-title")).to_have_text(["<module>", "fact", "fact", "fact"])
    expect(diagram.locator(".ct-dg-frame .ct-dg-row[data-ct-name='n'] .ct-dg-val")).to_have_text(["3", "2", "1"])
    expect(frames.nth(3)).to_contain_class("ct-dg-current")
    diagram.screenshot(path=str(ARTIFACTS / f"diagram-{prefix}-recursion.png"))

    # stable positions: forward with the buttons, back again, same places
    _goto(server, kernel_id, viewer, diagram, start)
    before = _positions(diagram)
    for _ in range(4):
        viewer.locator(NEXT).click()
    expect(diagram).to_have_attribute("data-step", str(start + 4), timeout=WAIT)
    middle = _positions(diagram)
    for _ in range(4):
        viewer.locator(PREV).click()
    expect(diagram).to_have_attribute("data-step", str(start), timeout=WAIT)
    after = _positions(diagram)
    assert after == before, (before, after)
    assert all(middle[k] == v for k, v in before.items() if k in middle), (before, middle)

    # clicking a frame selects it in the other panes; clicking a name opens its history
    _goto(server, kernel_id, viewer, diagram, base)
    diagram.locator(".ct-dg-frame").nth(1).locator(".ct-dg-head").click()
    expect(viewer.locator(".ctj-frame-on .ctj-fn")).to_contain_text("fact", timeout=WAIT)
    diagram.locator(".ct-dg-frame").nth(2).locator(".ct-dg-row[data-ct-name='n'] .ct-dg-key").click()
    expect(viewer.locator(".ctj-hist-item").first).to_be_visible(timeout=WAIT)

    ours = [e for e in seen.ours() if "ctj" in e or "ct_jupyter" in e or "widget" in e.lower()]
    assert ours == [], ours


def test_diagram_jupyterlab(page, jupyter):
    pg, seen = page
    path = _write_notebook(jupyter, "lab_diagram")
    kernel_id = _open(pg, jupyter, f"/lab/workspaces/ctj-{uuid.uuid4().hex[:8]}/tree/{path}?reset", path, seen)
    _flow(pg, jupyter, kernel_id, seen, "lab")
    viewer = pg.locator(ROOT).nth(0)
    # the picture for the README (docs/diagram.png): the deepest call, every kind of box, light
    # theme, the file browser closed so the notebook has the width
    diagram = viewer.locator(".ct-dg-pane")
    pg.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    base = int(kernel_eval(jupyter, kernel_id, {"s": f"{WIDGET}.trace.steps_at_line({L_BASE})[0]"})["s"])
    _goto(jupyter, kernel_id, viewer, diagram, base)
    viewer.locator(".ctj-history .ctj-close").click()
    pg.wait_for_timeout(300)
    viewer.screenshot(path=str(ARTIFACTS / "diagram-lab-viewer.png"))
    # dark theme: the diagram follows JupyterLab's variables
    pg.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    pg.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=WAIT)
    pg.wait_for_timeout(500)
    bg = diagram.locator(".ct-dg-box").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert sum(int(x) for x in re.findall(r"\d+", bg)[:3]) < 300, bg
    diagram.screenshot(path=str(ARTIFACTS / "diagram-lab-dark.png"))


def test_diagram_notebook7(page, jupyter):
    pg, seen = page
    path = _write_notebook(jupyter, "nb7_diagram")
    kernel_id = _open(pg, jupyter, f"/notebooks/{path}", path, seen)
    _flow(pg, jupyter, kernel_id, seen, "nb7")
    pg.locator(ROOT).nth(0).screenshot(path=str(ARTIFACTS / "diagram-nb7-viewer.png"))
