"""The static snapshot (`render.html`) and the text summary (`render.text`) of real recordings."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

import pytest

import ct_jupyter
from ct_jupyter.errors import CodetraceWarning
from ct_jupyter.model import Trace
from ct_jupyter.render.html import trace_to_html
from ct_jupyter.render.text import trace_to_text

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_CLOSE = "</div><script>alert(2)</script>"
SAFE_TAGS = {"div", "style", "span", "b", "em", "details", "summary", "table", "thead", "tbody",
             "tr", "th", "td", "pre"}
# the inline frames-and-objects picture (render/svg.py): drawing elements and attributes only
SAFE_TAGS |= {"svg", "title", "g", "rect", "text", "path", "circle"}
SVG_ATTRS = {"role", "width", "height", "viewbox", "font-family", "font-size", "font-weight", "fill",
             "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "x", "y", "rx", "d", "cx",
             "cy", "r", "text-anchor", "data-ct-frame", "data-ct-oid", "data-ct-from", "data-ct-to"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(doc: str) -> _Collector:
    parser = _Collector()
    parser.feed(doc)
    parser.close()
    return parser


def rec(src: str, **options: object) -> Trace:
    options.setdefault("io", "off")
    return ct_jupyter.record(textwrap.dedent(src), **options)


SORT = """\
def bubble(xs):
    xs = list(xs)
    for i in range(len(xs)):
        for j in range(len(xs) - 1 - i):
            if xs[j] > xs[j + 1]:
                xs[j], xs[j + 1] = xs[j + 1], xs[j]
    return xs
result = bubble([5, 2, 9, 1])
"""


def test_snapshot_shows_code_steps_and_changes() -> None:
    trace = rec(SORT)
    doc = trace_to_html(trace)
    page = parse(doc)
    text = "".join(page.text)
    assert set(page.tags) <= SAFE_TAGS
    assert "for j in range(len(xs) - 1 - i):" in text
    assert "result = [1, 2, 5, 9]" in text
    assert "xs = [2, 5, 9, 1]" in text
    assert "returns [1, 2, 5, 9]" in text
    # one table row per step, plus the code rows and the header
    assert doc.count("class='ct-s-num'") == len(trace)
    assert "not shown" not in text


def test_hostile_strings_stay_text() -> None:
    trace = rec(f"""\
        a = {HOSTILE_IMG!r}
        b = {HOSTILE_CLOSE!r}
        d = {{a: b}}
        print(a, b)
        raise ValueError(b)
        """, io="proxies")
    doc = trace_to_html(trace)
    page = parse(doc)
    assert set(page.tags) <= SAFE_TAGS, set(page.tags) - SAFE_TAGS
    names = {name for name, _ in page.attrs}
    assert names <= {"class", "style", "open", "colspan", "title"} | SVG_ATTRS
    assert not any(name.startswith("on") for name in names)
    text = "".join(page.text)
    assert HOSTILE_IMG in text and HOSTILE_CLOSE in text
    assert "<script" not in doc and "<img" not in doc
    assert "http:" not in doc and "https:" not in doc and "url(" not in doc
    assert trace_to_text(trace).count("ValueError") == 1


def test_exception_is_shown_at_its_step() -> None:
    trace = rec("""\
        def risky(n):
            return 10 / n
        values = [risky(2), risky(0)]
        """)
    doc = trace_to_html(trace)
    text = "".join(parse(doc).text)
    assert "ZeroDivisionError" in text and "division by zero" in text
    raised = trace.raised_step()
    assert raised is not None
    assert f"at step {raised + 1}" in text      # numbered from 1, as in the viewer
    assert "Traceback" in text
    assert "ct-s-raise" in doc
    summary = trace_to_text(trace)
    assert "raised ZeroDivisionError: division by zero" in summary
    assert f"step {raised + 1}" in summary


def test_size_is_bounded_and_says_what_was_left_out() -> None:
    trace = rec("""\
        total = 0
        for i in range(20000):
            total += i
        raise RuntimeError("end of a long run")
        """)
    assert len(trace) > 40000
    limit = 60_000
    doc = trace_to_html(trace, max_bytes=limit)
    assert len(doc.encode("utf-8")) <= limit
    text = "".join(parse(doc).text)
    assert "not shown (size limit)" in text
    # the head of the run and the raising step are both kept
    assert ">1</td>" in doc
    raised = trace.raised_step()
    assert raised is not None and f">{raised + 1:,}</td>" in doc
    assert "RuntimeError" in text


def test_default_budget_holds_for_a_big_recording() -> None:
    trace = rec("""\
        rows = []
        for i in range(3000):
            rows.append("<td>" * 20 + str(i))
        """)
    doc = trace_to_html(trace)
    assert len(doc.encode("utf-8")) <= 300_000
    assert "not shown" in doc


def test_output_is_shown_per_step_and_bounded() -> None:
    trace = rec("""\
        print("first <line>")
        import sys
        print("oops", file=sys.stderr)
        for k in range(200):
            print("x" * 500)
        """, io="proxies")
    doc = trace_to_html(trace, max_bytes=50_000)
    assert len(doc.encode("utf-8")) <= 50_000
    text = "".join(parse(doc).text)
    assert "first <line>" in text
    assert "ct-s-stderr" in doc and "oops" in text
    assert "characters of output not shown" in text


def test_truncated_recording_says_so() -> None:
    with pytest.warns(CodetraceWarning, match="max_steps"):
        trace = rec("""\
            n = 0
            while n < 1000:
                n += 1
            """, max_steps=30)
    doc = trace_to_html(trace)
    text = "".join(parse(doc).text)
    assert "Recording stopped after 30 steps (the max_steps limit)" in text
    assert "values after that point are not known" in text
    assert "Variables when recording stopped" in text and "Variables at the end" not in text
    assert "Recording stopped after 30 steps" in trace_to_text(trace)


def test_long_source_is_cut_with_a_note() -> None:
    body = "".join(f"v{i} = {i}\n" for i in range(6000))
    with pytest.warns(CodetraceWarning):
        trace = rec(body, max_steps=10)
    doc = trace_to_html(trace, max_bytes=40_000)
    assert len(doc.encode("utf-8")) <= 40_000
    assert "not shown (size limit)" in doc
    assert "v0 = 0" in doc


def test_effects_of_a_line_include_mutation_through_an_alias() -> None:
    trace = rec("""\
        a = [1]
        b = a
        b.append(2)
        c = 0
        """)
    lines = [trace.line_of(i) for i in range(len(trace))]
    step = lines.index(3)
    changed = {k: v.text for k, v in trace.step_effect(step).changed if v is not None}
    assert changed == {"a": "[1, 2]", "b": "[1, 2]"}


def test_empty_recording() -> None:
    trace = rec("")
    doc = trace_to_html(trace)
    assert "<div class='ct-static'>" in doc
    assert "codetrace" in trace_to_text(trace)


def test_code_keeps_its_layout_without_the_stylesheet() -> None:
    # untrusted notebooks and GitHub drop <style>; the code must still read correctly
    import re

    trace = rec(SORT)
    doc = re.sub(r"<style>.*?</style>", "", trace_to_html(trace), flags=re.S)

    class PreText(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside = 0
            self.chunks: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.inside += tag == "pre"

        def handle_endtag(self, tag: str) -> None:
            self.inside -= tag == "pre"

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.chunks.append(data)

    parser = PreText()
    parser.feed(doc)
    code = "".join(parser.chunks)
    assert "            if xs[j] > xs[j + 1]:\n" in code
    assert "        for j in range(len(xs) - 1 - i):\n" in code
    assert "4    ×10          for j" in code  # line number and hit count stay readable


def test_snapshot_never_builds_the_whole_trace_index() -> None:
    # the viewer's output carries this snapshot; on a huge recording it must stay cheap
    trace = rec("def f(k):\n    return k + 1\ns = 0\nfor i in range(2000):\n    s = f(s)\n")
    html = trace_to_html(trace, max_bytes=30_000)
    assert len(html.encode()) <= 30_000
    # frames are indexed one at a time from their own step range, never all changes at once
    assert trace._frame_changes in (None, {"sorted": True})
