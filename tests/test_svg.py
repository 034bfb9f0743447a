"""The static frames-and-objects SVG (render/svg.py) and its place in the HTML snapshot."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ct_jupyter.render.html import trace_to_html
from ct_jupyter.render.svg import diagram_svg, snapshot_position
from tests.helpers import record_source

HOSTILE = "</svg><script>window.__pwned=1</script><img src=x onerror=alert(1)>"
NS = ""


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_svg_is_well_formed_has_no_scripts_and_escapes_text() -> None:
    t = record_source(f"""\
        a = [1, {HOSTILE!r}]
        b = a
        d = {{{HOSTILE!r}: a}}
        x = 0
    """)
    svg = diagram_svg(t)
    root = _parse(svg)
    tags = {el.tag.replace(NS, "") for el in root.iter()}
    assert "script" not in tags and "foreignObject" not in tags and "img" not in tags
    assert not any(k.lower().startswith("on") for el in root.iter() for k in el.attrib)
    assert "<script" not in svg and "<img" not in svg and "href" not in svg
    texts = "".join(el.text or "" for el in root.iter(f"{NS}text"))
    assert "<script>" in texts                         # shown as text, after unescaping
    # aliasing: two arrows from the frame to one list box
    oid = next(g.attrib["data-ct-oid"] for g in root.iter(f"{NS}g")
               if g.attrib.get("class") == "ct-svg-obj" and "list" in "".join(g.itertext()))
    arrows = [g for g in root.iter(f"{NS}g") if g.attrib.get("data-ct-to") == oid]
    assert sorted(g.attrib["data-ct-from"] for g in arrows)[1:] == ["f0", "f0"]
    assert len(arrows) == 3                                # a, b and the dict's value


def test_snapshot_draws_the_raising_step_with_every_frame() -> None:
    t = record_source("""\
        def f(n):
            xs = [n]
            return 1 / n + f(n - 1)
        f(2)
    """)
    pos = snapshot_position(t)
    assert pos == t.raised_step()
    root = _parse(diagram_svg(t))
    frames = [g for g in root.iter(f"{NS}g") if g.attrib.get("class") == "ct-svg-frame"]
    assert len(frames) == 4
    assert len([g for g in root.iter(f"{NS}g") if g.attrib.get("class") == "ct-svg-obj"]) == 4


def test_snapshot_of_a_clean_run_draws_the_end_and_is_bounded() -> None:
    t = record_source("""\
        rows = [[i, [i]] for i in range(300)]
        big = list(range(10_000))
    """)
    assert snapshot_position(t) == len(t)
    svg = diagram_svg(t)
    assert len(svg) < 60_000
    assert "… 9992 more" in svg


def test_html_snapshot_contains_the_svg_once_and_survives_a_tiny_budget() -> None:
    t = record_source(f"""\
        a = [{HOSTILE!r}]
        b = a
    """)
    page = trace_to_html(t)
    assert page.count("<svg") == 1 and "Frames and objects at the end of the run" in page
    assert not re.search(r"<script|<img|<[^>]*\son\w+=|url\(|href", page)
    small = trace_to_html(t, max_bytes=4_000)
    assert len(small.encode()) <= 4_000
