"""The frames-and-objects diagram as a small, static, inline SVG (no scripts, text escaped).

Used by the static HTML snapshot (`render.html`) for the step that raised, or the end of the
run: frames on the left with their names, objects on the right, arrows for references. The
layout is the viewer's (js/src/views/diagram.js) without the remembered positions: depth-first
from the frames, each object right of what first refers to it, at the first free place down.
Colours come from ``currentColor`` with opacities, so light and dark themes both read well.
"""

from __future__ import annotations

from html import escape

from ..model import Trace
from ..model.graph import Diagram, GraphNode, Slot, diagram_at

__all__ = ["diagram_svg", "snapshot_position"]

_ROW = 18
_HEAD = 20
_BOX_W = 170
_FRAME_W = 180
_COL_GAP = 50
_GAP = 10
_PAD = 8
_CHAR = 6.6
_MAX_NODES = 40
_MAX_ITEMS = 8
_MAX_DEPTH = 4


def snapshot_position(trace: Trace) -> int:
    """Return the position the snapshot draws: the step that raised, else the end of the run."""
    raised = trace.raised_step()
    return raised if raised is not None else len(trace)


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _fit(text: str, width: float) -> str:
    room = max(1, int(width / _CHAR))
    return text if len(text) <= room else text[: room - 1] + "…"


def _rows(node: GraphNode) -> int:
    if node.collapsed:
        return 0
    if not node.slots:
        return 0 if node.kind in ("function", "class") else 1
    return len(node.slots) + (1 if node.more else 0)


def _layout(d: Diagram) -> tuple[dict[str, tuple[float, float, float, float]],
                                dict[str, tuple[float, float, float, float]], float, float]:
    frames: dict[str, tuple[float, float, float, float]] = {}
    y = float(_PAD)
    for f in d.frames:
        h = _HEAD + max(1, len(f.slots)) * _ROW
        frames[f.id] = (_PAD, y, _FRAME_W, h)
        y += h + _GAP
    by_id = {n.id: n for n in d.nodes}
    nodes: dict[str, tuple[float, float, float, float]] = {}
    placed: list[tuple[float, float, float, float]] = []

    def free(x: float, top: float, h: float) -> float:
        moved = True
        while moved:
            moved = False
            for px, py, pw, ph in placed:
                if x < px + pw + _GAP and px < x + _BOX_W + _GAP and top < py + ph + _GAP \
                        and py < top + h + _GAP:
                    top = py + ph + _GAP
                    moved = True
        return top

    def place(nid: str, col: int, hint: float) -> None:
        node = by_id.get(nid)
        if node is None or nid in nodes:
            return
        x = _PAD + _FRAME_W + _COL_GAP + col * (_BOX_W + _COL_GAP)
        h = _HEAD + _rows(node) * _ROW
        top = free(x, max(float(_PAD), hint), h)
        nodes[nid] = (x, top, _BOX_W, h)
        placed.append(nodes[nid])
        for i, s in enumerate(node.slots):
            if s.ref is not None:
                place(s.ref, col + 1, top + _HEAD + i * _ROW)

    for f in d.frames:
        _, fy, _, _ = frames[f.id]
        for i, s in enumerate(f.slots):
            if s.ref is not None:
                place(s.ref, 0, fy + _HEAD + i * _ROW - 4)
    width = max([_PAD + _FRAME_W + _PAD] + [x + w + _PAD for x, _, w, _ in nodes.values()])
    height = max([y] + [yy + h + _PAD for _, yy, _, h in nodes.values()])
    return frames, nodes, width, height


def _row(x: float, y: float, w: float, slot: Slot, key_w: float) -> str:
    cls = " class='ct-svg-changed'" if slot.changed else ""
    bg = (f"<rect x='{x + 1}' y='{y}' width='{w - 2}' height='{_ROW}' fill='#2ea043' "
          f"fill-opacity='.25'/>") if slot.changed else ""
    key = (f"<text x='{x + 5}' y='{y + 13}' fill-opacity='.7'>{_esc(_fit(slot.key, key_w))}</text>"
           if slot.key else "")
    if slot.ref is not None:
        val = f"<circle cx='{x + w - 9}' cy='{y + _ROW / 2}' r='3'/>"
    else:
        val = (f"<text x='{x + w - 6}' y='{y + 13}' text-anchor='end'>"
               f"{_esc(_fit(slot.text, w - key_w - 16))}</text>")
    return f"<g{cls}>{bg}{key}{val}</g>"


def diagram_svg(trace: Trace, pos: int | None = None) -> str:
    """Return an inline ``<svg>`` of frames and objects at ``pos`` (default: `snapshot_position`).

    The SVG has no scripts, no event attributes and no external references; every string from
    the traced program is escaped. It is bounded (a few dozen objects, a few items each).
    """
    if pos is None:
        pos = snapshot_position(trace)
    d = diagram_at(trace, pos, max_items=_MAX_ITEMS, max_nodes=_MAX_NODES, max_depth=_MAX_DEPTH)
    frames, nodes, width, height = _layout(d)
    where = f"step {pos}" if pos < len(trace) else "the end"
    head = (f"<svg class='ct-svg' role='img' width='{width:.0f}' height='{height:.0f}' "
            f"viewBox='0 0 {width:.0f} {height:.0f}' "
            "font-family='ui-monospace,SFMono-Regular,Menlo,Consolas,monospace' font-size='11' "
            "fill='currentColor' style='color:inherit;max-width:100%;height:auto'>")
    out: list[str] = [head, f"<title>Frames and objects at {where}</title>"]
    box = "fill='currentColor' fill-opacity='.04' stroke-opacity='.45' stroke='currentColor'"
    changed_box = "fill='currentColor' fill-opacity='.04' stroke='#2ea043'"
    for f in d.frames:
        x, y, w, h = frames[f.id]
        stroke = " stroke-width='2'" if f.current else ""
        sub = f"  line {f.line}" if f.line > 0 else ""
        out.append(f"<g class='ct-svg-frame' data-ct-frame='{f.frame}'>"
                   f"<rect x='{x}' y='{y}' width='{w}' height='{h}' rx='3' {box}{stroke}/>"
                   f"<text x='{x + 5}' y='{y + 14}' font-weight='bold'>"
                   f"{_esc(_fit(f.function + sub, w - 10))}</text>")
        for i, s in enumerate(f.slots):
            out.append(_row(x, y + _HEAD + i * _ROW, w, s, w * 0.45))
        out.append("</g>")
    by_id = {n.id: n for n in d.nodes}
    for nid, (x, y, w, h) in nodes.items():
        node = by_id[nid]
        head = node.text if node.kind in ("function", "class") else (
            f"{node.type_name} · {node.length}" if node.length is not None else node.type_name)
        look = changed_box if (node.mutated or node.new) else box
        out.append(f"<g class='ct-svg-obj' data-ct-oid='{_esc(nid)}'>"
                   f"<rect x='{x}' y='{y}' width='{w}' height='{h}' rx='3' {look}/>"
                   f"<text x='{x + 5}' y='{y + 14}' font-weight='bold'>{_esc(_fit(head, w - 10))}</text>")
        key_w = w * (0.45 if node.kind in ("dict", "object") else 0.22)
        if not node.collapsed and not node.slots and node.kind not in ("function", "class"):
            text = node.text if node.kind in ("object", "repr", "bytearray") else "(empty)"
            out.append(f"<text x='{x + 5}' y='{y + _HEAD + 13}'>{_esc(_fit(text, w - 10))}</text>")
        for i, s in enumerate(node.slots):
            out.append(_row(x, y + _HEAD + i * _ROW, w, s, key_w))
        if node.more and not node.collapsed:
            out.append(f"<text x='{x + 5}' y='{y + _HEAD + len(node.slots) * _ROW + 13}' "
                       f"fill-opacity='.7'>… {node.more} more</text>")
        out.append("</g>")
    for e in d.edges:
        src = frames.get(e.source) or nodes.get(e.source)
        dst = nodes.get(e.target)
        if src is None or dst is None:
            continue
        sx, sy = src[0] + src[2] - 9, src[1] + _HEAD + e.slot * _ROW + _ROW / 2
        tx, ty = dst[0], dst[1] + _HEAD / 2
        if tx > sx + 20:
            dx = max(20.0, (tx - sx) / 2)
            path = f"M{sx:.1f},{sy:.1f} C{sx + dx:.1f},{sy:.1f} {tx - dx:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        else:
            top = max(2.0, min(sy, ty) - 24)
            path = (f"M{sx:.1f},{sy:.1f} C{sx + 50:.1f},{sy:.1f} {sx + 50:.1f},{top:.1f} "
                    f"{(sx + tx) / 2:.1f},{top:.1f} S{tx - 36:.1f},{ty:.1f} {tx:.1f},{ty:.1f}")
        # every arrow ends heading right (its last control point is level with the tip), so the
        # head is a fixed triangle: no marker, no ids, no url() references in the snapshot
        tip = f"M{tx:.1f},{ty:.1f} L{tx - 7:.1f},{ty - 3.5:.1f} L{tx - 7:.1f},{ty + 3.5:.1f} Z"
        out.append(f"<g class='ct-svg-arrow' data-ct-from='{_esc(e.source)}' "
                   f"data-ct-to='{_esc(e.target)}'><path d='{path}' fill='none' "
                   "stroke='currentColor' stroke-opacity='.65' stroke-width='1.3'/>"
                   f"<path d='{tip}' fill-opacity='.75'/></g>")
    out.append("</svg>")
    return "".join(out)
