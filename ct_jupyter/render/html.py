"""A self-contained, size-bounded static HTML snapshot of a `Trace`.

This is the ``text/html`` part of a ``%%codetrace`` output: what a saved notebook shows in
nbconvert, on GitHub, and when it is reopened untrusted (no widget, no scripts). It holds the
code of every recorded cell/file with line numbers (executed lines shaded), a step table (step,
location, function, the line, the variables that line changed with their new values, the
output written at that step), the exception that ended the run, and all captured output.

Rules: no scripts, no external resources, every string from the traced program goes through
`html.escape`, and the whole document stays under ``max_bytes`` (steps that do not fit are left
out with a visible "steps N–M not shown" row; the head of the run and the steps leading to the
exception are kept first).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from operator import add

from ..model import StepEffect, Trace
from .text import stop_note

__all__ = ["trace_to_html"]

_ROOT = "ct-static"
_LINE_CLIP = 160
_VALUE_CLIP = 200
_OUT_CLIP = 400
_VARS_PER_ROW = 8
_TB_CLIP = 20_000
_MIN_BYTES = 4_000

_CSS = """
.ct-static{font-family:var(--jp-ui-font-family,system-ui,-apple-system,'Segoe UI',sans-serif);
 font-size:var(--jp-ui-font-size1,13px);color:var(--jp-content-font-color1,inherit);
 border:1px solid var(--jp-border-color2,rgba(128,128,128,.35));border-radius:6px;
 padding:8px 10px;margin:4px 0;max-width:100%;box-sizing:border-box;overflow-x:auto}
.ct-static .ct-s-head{font-weight:600;margin-bottom:4px}
.ct-static .ct-s-sub{color:var(--jp-content-font-color2,inherit);opacity:.85;font-weight:400}
.ct-static .ct-s-note{background:rgba(255,170,0,.14);border-left:3px solid rgba(255,170,0,.8);
 padding:3px 8px;margin:4px 0}
.ct-static .ct-s-exc{background:rgba(220,40,40,.10);border-left:3px solid
 var(--jp-error-color1,#d32f2f);padding:4px 8px;margin:6px 0}
.ct-static .ct-s-exc b{color:var(--jp-error-color1,#d32f2f)}
.ct-static pre,.ct-static code,.ct-static .ct-s-mono{
 font-family:var(--jp-code-font-family,ui-monospace,SFMono-Regular,Menlo,Consolas,monospace);
 font-size:var(--jp-code-font-size,12px)}
.ct-static pre{margin:2px 0;white-space:pre-wrap;word-break:break-word}
.ct-static details{margin:4px 0}
.ct-static summary{cursor:pointer;font-weight:600}
.ct-static table{border-collapse:collapse;margin:2px 0;width:100%;font-size:inherit;
 table-layout:auto}
.ct-static .ct-s-scroll{max-height:32em;overflow:auto}
.ct-static td,.ct-static th{padding:1px 6px;vertical-align:top;text-align:left;
 border-bottom:1px solid var(--jp-border-color3,rgba(128,128,128,.15))}
.ct-static th{font-weight:600;border-bottom:1px solid var(--jp-border-color1,rgba(128,128,128,.5))}
.ct-static pre.ct-s-src{white-space:pre;word-break:normal;line-height:1.35}
.ct-static .ct-s-ln{opacity:.6;user-select:none}
.ct-static .ct-s-hits{opacity:.6;user-select:none}
.ct-static .ct-s-num{text-align:right;width:1%;white-space:nowrap}
.ct-static .ct-s-loc{white-space:nowrap;width:1%}
.ct-static .ct-s-chg{color:var(--jp-content-font-color1,inherit)}
.ct-static .ct-s-chg span{background:rgba(255,200,0,.20);border-radius:3px;padding:0 3px;
 margin-right:4px;display:inline-block}
.ct-static .ct-s-ret{opacity:.85}
.ct-static .ct-s-gap td{text-align:center;font-style:italic;opacity:.8;
 background:rgba(128,128,128,.08)}
.ct-static .ct-s-out{white-space:pre-wrap}
.ct-static .ct-s-stderr{color:var(--jp-error-color1,#d32f2f)}
.ct-static .ct-s-stdin{color:var(--jp-brand-color1,#1976d2)}
.ct-static .ct-s-exc-row td{background:rgba(220,40,40,.10)}
"""

_STYLE_LINE = "display:block"
_STYLE_RUN_LINE = "display:block;background-color:rgba(80,160,255,0.10)"
_STYLE_RAISE_LINE = "display:block;background-color:rgba(220,40,40,0.18)"
_STYLE_CHANGED = "background-color:rgba(255,200,0,0.20)"
_STYLE_EXC_ROW = "background-color:rgba(220,40,40,0.10)"
_STYLE_STDERR = "color:#d32f2f"
_STYLE_OUT = "white-space:pre-wrap"
_STYLE_EXC_BOX = "border-left:3px solid #d32f2f;background-color:rgba(220,40,40,0.10);padding:4px 8px"
_STYLE_SCROLL = "max-height:32em;overflow:auto"
# table cells: front ends (JupyterLab) right-align rendered-HTML tables; keep ours readable
_L = " style='text-align:left'"
_LN = " style='text-align:left;white-space:nowrap'"
_R = " style='text-align:right'"

def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)

def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))

def _effect_texts(effect: StepEffect) -> list[tuple[str, str]]:
    """Return ``(name, value text)`` for each name a step changed (``<deleted>`` when unbound)."""
    return [(name, "<deleted>" if value is None else value.text) for name, value in effect.changed]

def _line_text(trace: Trace, path: str, line: int, cache: dict[str, list[str]]) -> str:
    lines = cache.get(path)
    if lines is None:
        lines = cache[path] = trace.sources.get(path, "").splitlines()
    if 1 <= line <= len(lines):
        return lines[line - 1].strip()
    return ""

def _summary(trace: Trace) -> str:
    n = len(trace)
    calls = trace.call_count
    parts = [f"{n:,} step{'s' if n != 1 else ''}", f"{calls:,} call{'s' if calls != 1 else ''}"]
    outcome = trace.outcome
    if outcome is not None and outcome.status == "raised":
        parts.append(f"raised {outcome.exc_type}")
    elif outcome is not None:
        parts.append("finished")
    return " · ".join(parts)

def _title(trace: Trace) -> str:
    main = trace.paths[0] if trace.paths else ""
    return f"codetrace — {trace.path_label(main)}" if main else "codetrace"

def _notes(trace: Trace) -> list[str]:
    notes = []
    note = stop_note(trace)
    if note:
        notes.append(_esc(note))
    if trace.failure:
        notes.append(f"The recorder failed and stopped: {_esc(_clip(trace.failure, 500))}")
    dropped = {k: v for k, v in trace.io_dropped.items() if v}
    if dropped:
        what = ", ".join(f"{v:,} characters of {_esc(k)}" for k, v in dropped.items())
        notes.append(f"Output left out of the recording: {what}.")
    return notes

def _exception_block(trace: Trace, tb_limit: int) -> str:
    outcome = trace.outcome
    if outcome is None or outcome.status != "raised":
        return ""
    raised = trace.raised_step()
    where = ""
    if raised is not None and raised < len(trace):
        st = trace.step(raised)
        where = (f" at step {raised + 1:,} ({_esc(trace.path_label(st.path))}, line {st.line},"
                 f" in {_esc(st.function)})")
    message = _esc(_clip(outcome.exc_message or "", 2000))
    body = (f"<div><b style='{_STYLE_STDERR}'>{_esc(outcome.exc_type or 'Exception')}</b>: "
            f"{message}{where}</div>")
    if outcome.traceback:
        tb = _clip(outcome.traceback, tb_limit)
        body += ("<details><summary>Traceback</summary><pre>" + _esc(tb) + "</pre></details>")
    return f"<div class='ct-s-exc' style='{_STYLE_EXC_BOX}'>{body}</div>"

def _code_section(trace: Trace, budget: int, raise_loc: tuple[str, int] | None) -> str:
    b = trace.columns
    path_of_frame = [b.functions[f].path_id for f in b.frame_func]
    # count (path, line) hits at C speed: key = path_id << 32 | line
    frame_key = [pid << 32 for pid in path_of_frame]
    packed = Counter(map(add, map(frame_key.__getitem__, b.step_frame), b.step_line))
    hits: dict[tuple[int, int], int] = {(k >> 32, k & 0xFFFFFFFF): c for k, c in packed.items()}
    used_paths = sorted({pid for pid, _ in hits})
    sources = trace.sources
    parts: list[str] = []
    spent = 0
    for pid in used_paths or range(min(1, len(trace.paths))):
        path = trace.paths[pid]
        src = sources.get(path)
        label = trace.path_label(path)
        if src is None:
            piece = (f"<details><summary>{_esc(label)}</summary>"
                     f"<div class='ct-s-sub'>source not available ({_esc(path)})</div></details>")
            parts.append(piece)
            spent += _nbytes(piece)
            continue
        lines = src.splitlines()
        ran = {ln for (p, ln) in hits if p == pid}
        width = len(str(len(lines)))
        show_path = label != path and path not in trace.path_labels  # a file: say where it is
        head = (f"<details open><summary>{_esc(label)}"
                f"{' <span class=ct-s-sub>' + _esc(path) + '</span>' if show_path else ''}"
                f"</summary><pre class='ct-s-src'>")
        rows: list[str] = []
        size = _nbytes(head) + 40
        shown = 0
        for ln, text in enumerate(lines, 1):
            # inline styles use only values untrusted-output sanitizers keep (rgba, block)
            if raise_loc == (path, ln):
                attrs = f" class='ct-s-raise' style='{_STYLE_RAISE_LINE}'"
            elif ln in ran:
                attrs = f" class='ct-s-run' style='{_STYLE_RUN_LINE}'"
            else:
                attrs = f" style='{_STYLE_LINE}'"
            count = hits.get((pid, ln), 0)
            mark = f"×{count}" if count else ""
            row = (f"<span{attrs}><span class='ct-s-ln'>{ln:>{width}}</span> "
                   f"<span class='ct-s-hits'>{mark:>6}</span>  {_esc(_clip(text, 400))}\n</span>")
            cost = _nbytes(row)
            if spent + size + cost > budget:
                break
            rows.append(row)
            size += cost
            shown += 1
        tail = "</pre>"
        if shown < len(lines):
            tail += (f"<div class='ct-s-note'>lines {shown + 1:,}–{len(lines):,} of "
                     f"{_esc(label)} not shown (size limit)</div>")
        piece = head + "".join(rows) + tail + "</details>"
        parts.append(piece)
        spent += _nbytes(piece)
        if spent >= budget:
            break
    return f"<div class='ct-s-scroll' style='{_STYLE_SCROLL}'>" + "".join(parts) + "</div>"

def _step_row(trace: Trace, index: int, io_by_step: dict[int, list[tuple[str, str]]] | None,
              exc_steps: dict[int, str], cache: dict[str, list[str]]) -> str:
    st = trace.step(index)
    effect = trace.step_effect(index)
    chg = "".join(f"<span style='{_STYLE_CHANGED}'>{_esc(name)} = "
                  f"{_esc(_clip(text, _VALUE_CLIP))}</span>"
                  for name, text in _effect_texts(effect)[:_VARS_PER_ROW])
    if len(effect.changed) > _VARS_PER_ROW:
        chg += f"<span>… {len(effect.changed) - _VARS_PER_ROW} more</span>"
    if effect.returned is not None:
        chg += f"<em class='ct-s-ret'>{_esc(_clip(effect.returned, _VALUE_CLIP))}</em>"
    if index in exc_steps:
        chg += (f"<b class='ct-s-stderr' style='{_STYLE_STDERR}'>"
                f"{_esc(_clip(exc_steps[index], _VALUE_CLIP))}</b>")
    out = ""
    for stream, text in (io_by_step or {}).get(index, ()):
        style = _STYLE_OUT + (";" + _STYLE_STDERR if stream == "stderr" else "")
        out += (f"<span class='ct-s-out ct-s-{_esc(stream)}' style='{style}'>"
                f"{_esc(_clip(text, _OUT_CLIP))}</span>")
    out_cell = "" if io_by_step is None else f"<td class='ct-s-mono ct-s-out'{_L}>{out}</td>"
    depth = min(st.depth, 12)
    indent = f" style='text-align:left;padding-left:{6 + depth * 10}px'"
    cls = f" class='ct-s-exc-row' style='{_STYLE_EXC_ROW}'" if index in exc_steps else ""
    line_text = _esc(_clip(_line_text(trace, st.path, st.line, cache), _LINE_CLIP))
    return (f"<tr{cls}><td class='ct-s-num'{_R}>{index + 1:,}</td>"
            f"<td class='ct-s-loc'{_LN}>{_esc(trace.path_label(st.path))}:{st.line}</td>"
            f"<td{indent}>{_esc(_clip(st.function, 80))}</td>"
            f"<td class='ct-s-mono'{_L}>{line_text}</td>"
            f"<td class='ct-s-chg ct-s-mono'{_L}>{chg}</td>{out_cell}</tr>")

def _gap_row(first: int, last: int, columns: int) -> str:
    what = f"step {first + 1:,}" if first == last else f"steps {first + 1:,}–{last + 1:,}"
    return (f"<tr class='ct-s-gap'><td colspan='{columns}'>{what} not shown (size limit)"
            "</td></tr>")

def _steps_section(trace: Trace, budget: int) -> str:
    n = len(trace)
    chunks = trace.io
    columns = 6 if chunks else 5
    names = ["step", "where", "function", "line", "changed"] + (["output"] if chunks else [])
    head = ("<table class='ct-s-steps' style='table-layout:auto'><thead><tr>"
            + "".join(f"<th{_L}>{name}</th>" for name in names)
            + "</tr></thead><tbody>")
    if n == 0:
        return (head + f"<tr><td colspan='{columns}'>no steps were recorded</td></tr>"
                "</tbody></table>")
    io_by_step: dict[int, list[tuple[str, str]]] | None = {} if chunks else None
    for chunk in chunks:
        io_by_step.setdefault(chunk.step, []).append((chunk.stream, chunk.text))  # type: ignore[union-attr]
    exc_steps: dict[int, str] = {}
    for ev in trace.exceptions:
        if ev.kind == "raise" and ev.step not in exc_steps:
            exc_steps[ev.step] = f"raises {ev.type_name}: {ev.message}"
    cache: dict[str, list[str]] = {}
    budget -= _nbytes(head) + 200
    rows: dict[int, str] = {}
    spent = 0
    raised = trace.raised_step()
    # the end of the run (or the steps leading to the exception) gets a third of the budget
    anchor = raised if raised is not None and raised < n else n - 1
    tail_budget = budget // 3
    for index in range(anchor, -1, -1):
        row = _step_row(trace, index, io_by_step, exc_steps, cache)
        cost = _nbytes(row)
        if spent + cost > tail_budget:
            break
        rows[index] = row
        spent += cost
    for index in _forward_order(n, anchor):
        if index in rows:
            continue
        row = _step_row(trace, index, io_by_step, exc_steps, cache)
        cost = _nbytes(row) + 120  # leave room for a gap row
        if spent + cost > budget:
            break
        rows[index] = row
        spent += cost
    body: list[str] = []
    prev = -1
    for index in sorted(rows):
        if index > prev + 1:
            body.append(_gap_row(prev + 1, index - 1, columns))
        body.append(rows[index])
        prev = index
    if prev < n - 1:
        body.append(_gap_row(prev + 1, n - 1, columns))
    return head + "".join(body) + "</tbody></table>"

def _forward_order(n: int, anchor: int) -> Iterable[int]:
    """Yield the head of the run first, then the steps after the anchor."""
    yield from range(anchor + 1)
    yield from range(anchor + 1, n)

def _state_section(trace: Trace, budget: int) -> str:
    """Show the call stack and the variables where the run raised (or at its end)."""
    n = len(trace)
    if n == 0:
        return ""
    raised = trace.raised_step()
    if raised is not None and raised < n:
        index, frame = raised, trace.frame_of(raised)
        title = f"State at step {raised + 1:,}, where {_esc(trace.outcome.exc_type or 'it')} was raised"  # type: ignore[union-attr]
        stack = trace.stack(raised)
    else:
        index, frame = n, trace.frame_of(0)
        title = ("Variables when recording stopped (later values are not known)"
                 if trace.truncated else "Variables at the end")
        stack = []
    rows: list[str] = []
    spent = 0
    values = trace.variables(index, frame)
    for name, value in values.items():
        row = (f"<tr><td class='ct-s-mono'{_L}>{_esc(name)}</td>"
               f"<td{_L}>{_esc(value.type_name)}</td>"
               f"<td class='ct-s-mono'{_L}>{_esc(_clip(value.text, _VALUE_CLIP))}</td></tr>")
        cost = _nbytes(row)
        if spent + cost > budget:
            rows.append(f"<tr class='ct-s-gap'><td colspan='3'>{len(values) - len(rows):,} more "
                        "not shown (size limit)</td></tr>")
            break
        rows.append(row)
        spent += cost
    where = ""
    if stack:
        where = ("<div class='ct-s-mono'>" + " → ".join(
            f"{_esc(e.function)} ({_esc(trace.path_label(e.path))}:{e.line})"
            for e in stack[-12:]) + "</div>")
    table = (f"<table style='table-layout:auto'><thead><tr><th{_L}>name</th><th{_L}>type</th><th{_L}>value</th></tr>"
             "</thead><tbody>"
             + "".join(rows) + "</tbody></table>") if rows else ""
    if not where and not table:
        return ""
    return f"<details open><summary>{title}</summary>{where}{table}</details>"

def _output_section(trace: Trace, budget: int) -> str:
    chunks = trace.io
    if not chunks:
        return ""
    parts: list[str] = []
    spent = 0
    left_out = 0
    for chunk in chunks:
        style = f" style='{_STYLE_STDERR}'" if chunk.stream == "stderr" else ""
        piece = (f"<span class='ct-s-{_esc(chunk.stream)}'{style} title='step {chunk.step + 1}'>"
                 f"{_esc(chunk.text)}</span>")
        cost = _nbytes(piece)
        if spent + cost > budget:
            left_out += len(chunk.text)
            continue
        parts.append(piece)
        spent += cost
    note = (f"<div class='ct-s-note'>{left_out:,} characters of output not shown (size limit)"
            "</div>" if left_out else "")
    return ("<details open><summary>Output</summary><pre class='ct-s-out'>"
            + "".join(parts) + "</pre>" + note + "</details>")

def trace_to_html(trace: Trace, *, max_bytes: int = 300_000) -> str:
    """Return a self-contained HTML snapshot of ``trace`` no larger than ``max_bytes`` bytes.

    Parameters
    ----------
    trace
        The recording to show.
    max_bytes
        Upper bound on the UTF-8 size of the result (at least a few KB are always used).

    Returns
    -------
    str
        An HTML fragment (a ``<div>`` with an inline ``<style>``) with no scripts and no
        external resources; every traced string is escaped.
    """
    max_bytes = max(int(max_bytes), _MIN_BYTES)
    raised = trace.raised_step()
    raise_loc = None
    if raised is not None and raised < len(trace):
        st = trace.step(raised)
        raise_loc = (st.path, st.line)
    header = (f"<div class='ct-s-head'>{_esc(_title(trace))} "
              f"<span class='ct-s-sub'>{_esc(_summary(trace))}</span></div>")
    notes = "".join(f"<div class='ct-s-note'>{note}</div>" for note in _notes(trace))
    exc = _exception_block(trace, min(_TB_CLIP, max_bytes // 8))
    fixed = (f"<div class='{_ROOT}'><style>{_CSS}</style>" + header + notes + exc
             + "</div>")
    left = max_bytes - _nbytes(fixed) - 400
    diagram = _diagram_section(trace, left // 4)
    left -= _nbytes(diagram)
    out_part = _output_section(trace, max(0, min(left // 6, 60_000)))
    left -= _nbytes(out_part)
    state = _state_section(trace, max(0, min(left // 10, 30_000)))
    left -= _nbytes(state)
    code = _code_section(trace, max(0, min(left * 2 // 5, 120_000)), raise_loc)
    left -= _nbytes(code)
    steps = (f"<details open><summary>Steps</summary><div class='ct-s-scroll' style='{_STYLE_SCROLL}'>"
             + _steps_section(trace, max(0, left - 100)) + "</div></details>")
    return (f"<div class='{_ROOT}'><style>{_CSS}</style>" + header + notes + exc
            + diagram + state + code + steps + out_part + "</div>")


def _diagram_section(trace: Trace, budget: int) -> str:
    """Return the frames-and-objects SVG (render/svg.py) in a details block, or "" if it does not fit."""
    try:
        from .svg import diagram_svg, snapshot_position

        pos = snapshot_position(trace)
        svg = diagram_svg(trace, pos)
    except Exception:  # noqa: BLE001 - the picture is optional; the snapshot must still render
        return ""
    where = f"step {pos + 1}" if pos < len(trace) else "the end of the run"
    part = (f"<details open class='ct-s-diagram'><summary>Frames and objects at {_esc(where)}"
            f"</summary><div style='overflow-x:auto'>{svg}</div></details>")
    return part if _nbytes(part) <= budget else ""
