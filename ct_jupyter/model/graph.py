"""Frames and objects at one step, as a graph: the data behind the frames-and-objects diagram.

`diagram_at` answers one question — "what did memory look like at position ``pos``?" — in the
form Python Tutor draws it: every frame on the stack (outermost first) with its names, every
object reachable from them (one node per object identity), and references as edges. It also
says what the line that just ran changed (new objects, rebound names, items written in place,
and every name that reaches a changed object) and which objects stopped being reachable since
the previous position.

Everything is bounded and read from a window: the frames on the stack (a deep recursion keeps
its outermost and innermost frames), a node budget, a per-container item limit (the rest is a
"… N more" count, paged with ``limits``) and a depth limit (deeper objects are collapsed stubs,
opened with ``open``). The work per call depends on those bounds, never on the trace length:
variables are found by bisecting each frame's change index and objects by bisecting their
version steps. Only the public `Trace` API and `Trace.columns` are used.

Node ids are strings: a heap object's id is its oid (``"12"``); a function or class, which the
trace keeps by name only, is ``"fn:" + its text`` (two functions with one qualified name share
a box). Frames are ``"f" + frame id`` when an edge starts at one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .encoded import UNBOUND, Named, Ref
from .heap import Heap, changed_items
from .trace import Trace

__all__ = ["MAX_DEPTH", "MAX_FRAMES", "MAX_ITEMS", "MAX_NODES", "Diagram", "Edge", "GraphFrame",
           "GraphNode", "Slot", "diagram_at"]

#: Items (list items, dict entries, attributes) shown per object before "… N more".
MAX_ITEMS = 10
#: Objects with their contents per diagram; further ones are collapsed stubs.
MAX_NODES = 200
#: Reference levels below the frames that are expanded; deeper objects are collapsed stubs.
MAX_DEPTH = 6
#: Frames shown (the outermost few and the innermost rest, with a gap count between).
MAX_FRAMES = 30
_OUTER_FRAMES = 3
#: Stubs (collapsed objects) allowed beyond the node budget, before references become text.
_MAX_STUBS = 200
_TEXT_CLIP = 80
_CONTAINER_KINDS = frozenset({"list", "tuple", "set", "frozenset", "deque", "dict"})


@dataclass(frozen=True, slots=True)
class Slot:
    """One name of a frame or one item of an object: an inline value or a reference.

    ``key`` is the name, index, dict key text or attribute name (empty for set items); ``text``
    is the inline value (atoms) or the target's short label (references); ``ref`` is the target
    node id or None; ``changed`` marks a name rebound or an item written by the line that just
    ran; ``reaches_changed`` marks a frame name through which a changed object is reachable.
    """

    key: str
    kind: str
    text: str
    ref: str | None = None
    changed: bool = False
    reaches_changed: bool = False


@dataclass(frozen=True, slots=True)
class GraphFrame:
    """A frame on the stack: its function, the line it is at, and its names."""

    frame: int
    function: str
    line: int
    depth: int
    current: bool
    slots: tuple[Slot, ...]

    @property
    def id(self) -> str:
        """The frame's id as an edge endpoint (``"f<frame>"``)."""
        return f"f{self.frame}"


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One object (one identity): its kind, type, contents and what happened to it.

    ``more`` counts the items not included (a big container, or one the recorder sampled);
    ``collapsed`` says the contents were not read (below the depth limit or over the node
    budget); ``new`` marks an object first seen at this position; ``mutated`` one written in
    place by the line that just ran; ``first_step`` is the step it was first recorded at.
    """

    id: str
    oid: int | None
    kind: str
    type_name: str
    text: str
    slots: tuple[Slot, ...] = ()
    length: int | None = None
    more: int = 0
    collapsed: bool = False
    new: bool = False
    mutated: bool = False
    first_step: int = -1


@dataclass(frozen=True, slots=True)
class Edge:
    """A reference from slot ``slot`` of ``source`` (a frame or node id) to node ``target``."""

    source: str
    slot: int
    target: str


@dataclass(frozen=True, slots=True)
class Diagram:
    """Frames, objects and references at position ``step``, with change and bound facts.

    ``frames_left_out`` frames of a deep stack are not shown; they sit after index
    ``gap_at`` of ``frames``. ``gone`` lists the objects reachable at the previous position and
    not any more (kind and text only). ``truncated`` is True when the node budget cut the graph.
    """

    step: int
    frames: tuple[GraphFrame, ...]
    nodes: tuple[GraphNode, ...]
    edges: tuple[Edge, ...]
    gone: tuple[GraphNode, ...] = ()
    frames_left_out: int = 0
    gap_at: int = -1
    truncated: bool = False

    def node(self, node_id: str) -> GraphNode | None:
        """Return the node with id ``node_id`` (None if it is not in the diagram)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None

    def frame_slot(self, name: str, frame: int | None = None) -> Slot | None:
        """Return the slot of ``name`` in ``frame`` (default: the innermost frame holding it)."""
        for gf in reversed(self.frames):
            if frame is not None and gf.frame != frame:
                continue
            for slot in gf.slots:
                if slot.key == name:
                    return slot
        return None


def _clip(text: str) -> str:
    return text if len(text) <= _TEXT_CLIP else text[: _TEXT_CLIP - 1] + "…"


def _stack(trace: Trace, pos: int) -> tuple[list[tuple[int, int]], int, int]:
    """Return [(frame, line)] outermost first (bounded), the frames left out and the gap index."""
    cols = trace.columns
    n = len(trace)
    if pos >= n:
        return ([(0, -1)] if trace.frame_count else []), 0, -1
    frame = cols.step_frame[pos]
    line = cols.step_line[pos]
    total = cols.frame_depth[frame] + 1
    keep_inner = MAX_FRAMES - _OUTER_FRAMES
    inner: list[tuple[int, int]] = []
    outer: list[tuple[int, int]] = []
    k = 0
    while frame >= 0:
        if k < keep_inner:
            inner.append((frame, line))
        elif total - k <= _OUTER_FRAMES:
            outer.append((frame, line))
        call = cols.frame_call_step[frame]
        frame = cols.frame_parent[frame]
        if frame >= 0:
            line = cols.step_line[call] if call >= 0 else -1
        k += 1
    out = list(reversed(outer)) + list(reversed(inner))
    left = max(0, total - len(out))
    return out, left, (len(outer) - 1 if left else -1)


def _bindings(trace: Trace, frame: int, pos: int) -> list[tuple[str, object, bool]]:
    """Return (name, enc, rebound at pos) for the names of ``frame`` bound at ``pos``."""
    cols = trace.columns
    out: list[tuple[str, object, bool]] = []
    for name, (steps, changes) in trace.frame_changes(frame).items():
        k = bisect_right(steps, pos) - 1
        if k < 0:
            continue
        enc = cols.ch_val[changes[k]]
        if enc is UNBOUND:
            continue
        out.append((name, enc, steps[k] == pos))
    return out


class _Walker:
    """One bounded breadth-first walk of the objects reachable from the frames at ``pos``."""

    def __init__(self, trace: Trace, pos: int, max_items: int, max_nodes: int, max_depth: int,
                 opened: Iterable[int], limits: Mapping[int, int]) -> None:
        self.trace = trace
        self.heap: Heap = trace.columns.heap
        self.pos = pos
        self.max_items = max_items
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.opened = set(opened)
        self.limits = limits
        self.nodes: dict[str, GraphNode] = {}
        self.edges: list[Edge] = []
        self.queue: list[tuple[str, Ref, int]] = []
        self.queued: set[str] = set()
        self.truncated = False
        self._stubs = 0

    # -- slots -------------------------------------------------------------------------------
    def slot(self, owner: str, index: int, key: str, enc: object, depth: int,
             changed: bool = False) -> Slot:
        """Return the slot for ``enc``; a reference also queues its target and adds an edge."""
        cls = enc.__class__
        if cls is Ref:
            target = self.ref_target(enc, depth)  # type: ignore[arg-type]
            kind = self.heap.kinds[enc.oid]  # type: ignore[attr-defined]
            if target is None:
                return Slot(key, kind, self.stub_text(enc.oid), None, changed)  # type: ignore[attr-defined]
            self.edges.append(Edge(owner, index, target))
            return Slot(key, kind, self.heap.type_names[enc.oid], target, changed)  # type: ignore[attr-defined]
        if cls is Named and enc.kind in ("function", "class"):  # type: ignore[attr-defined]
            target = "fn:" + enc.text  # type: ignore[attr-defined]
            if target not in self.nodes:
                self.nodes[target] = GraphNode(target, None, enc.kind, enc.type_name,  # type: ignore[attr-defined]
                                               _clip(enc.text))  # type: ignore[attr-defined]
            self.edges.append(Edge(owner, index, target))
            return Slot(key, enc.kind, _clip(enc.text), target, changed)  # type: ignore[attr-defined]
        value = self.trace.decode(enc, self.pos, depth=1)
        if value.kind in ("function", "class"):
            target = "fn:" + value.text
            if target not in self.nodes:
                self.nodes[target] = GraphNode(target, None, value.kind, value.type_name,
                                               _clip(value.text))
            self.edges.append(Edge(owner, index, target))
            return Slot(key, value.kind, _clip(value.text), target, changed)
        return Slot(key, value.kind, _clip(value.text), None, changed)

    def stub_text(self, oid: int) -> str:
        return f"<{self.heap.type_names[oid]} #{oid}>"

    def ref_target(self, ref: Ref, depth: int) -> str | None:
        """Return the node id for ``ref``, queueing it (or a stub) the first time it is seen."""
        nid = str(ref.oid)
        if nid in self.nodes or nid in self.queued:
            return nid
        room = len(self.queued) < self.max_nodes
        if room and (depth <= self.max_depth or ref.oid in self.opened):
            self.queue.append((nid, ref, depth))
            self.queued.add(nid)
            return nid
        if self._stubs >= _MAX_STUBS:
            self.truncated = True
            return None
        self._stubs += 1
        if not room:
            self.truncated = True
        self.nodes[nid] = self.stub(ref.oid)
        return nid

    def stub(self, oid: int) -> GraphNode:
        heap = self.heap
        steps = heap.vsteps[oid]
        first = steps[0] if steps is not None and len(steps) else -1
        return GraphNode(str(oid), oid, heap.kinds[oid], heap.type_names[oid],
                         self.stub_text(oid), collapsed=True, first_step=first,
                         new=first == self.pos and self.pos > 0)

    # -- objects -----------------------------------------------------------------------------
    def run(self) -> None:
        """Expand queued objects breadth first until the queue is empty."""
        i = 0
        while i < len(self.queue):
            nid, ref, depth = self.queue[i]
            i += 1
            self.nodes[nid] = self.expand(ref.oid, depth)
        self.queue.clear()

    def expand(self, oid: int, depth: int) -> GraphNode:
        """Read object ``oid`` at ``pos`` into a node, its references into slots and edges."""
        heap = self.heap
        pos = self.pos
        kind = heap.kinds[oid]
        tname = heap.type_names[oid]
        steps = heap.vsteps[oid]
        snap = heap.snapshot_at(oid, pos)
        if snap is None or steps is None:
            return self.stub(oid)
        first = steps[0]
        k = bisect_right(steps, pos) - 1
        mutated = False
        written: set[object] = set()
        if steps[k] == pos and pos > 0:
            prev = bisect_left(steps, pos) - 1
            if prev >= 0:
                mutated = True
                written = changed_items(kind, heap.full_version(oid, prev), snap)
        nid = str(oid)
        limit = self.limits.get(oid, self.max_items)
        child_depth = depth + 1
        slots: list[Slot] = []
        text = tname
        length: int | None = None
        more = 0
        if kind == "dict":
            total, keys, vals = snap
            length = int(total)  # type: ignore[call-overload]
            for i, (key, val) in enumerate(zip(keys, vals)):  # type: ignore[call-overload]
                if i >= limit:
                    break
                ktext = _clip(self.trace.decode(key, pos, depth=1).text)
                slots.append(self.slot(nid, i, ktext, val, child_depth, i in written))
            more = length - len(slots)
        elif kind == "object":
            label, names, vals = snap
            if label is not None:
                text = _clip(str(getattr(label, "msg", label)))
            attrs = list(zip(names, vals))  # type: ignore[call-overload]
            for i, (name, val) in enumerate(attrs[:limit]):
                slots.append(self.slot(nid, i, str(name), val, child_depth, name in written))
            more = len(attrs) - len(slots)
        elif kind == "repr":
            text = _clip(str(snap[0]))
        elif kind == "bytearray":
            total, head = snap
            length = int(total)  # type: ignore[call-overload]
            text = _clip(repr(bytearray(head)))  # type: ignore[call-overload]
        else:
            total, items = snap
            length = int(total)  # type: ignore[call-overload]
            keyed = kind not in ("set", "frozenset")
            for i, val in enumerate(items):  # type: ignore[arg-type]
                if i >= limit:
                    break
                slots.append(self.slot(nid, i, str(i) if keyed else "", val, child_depth,
                                       i in written))
            more = length - len(slots)
        return GraphNode(nid, oid, kind, tname, text, tuple(slots), length, max(0, more),
                         False, first == pos and pos > 0, mutated, first)


def _walk(trace: Trace, pos: int, max_items: int, max_nodes: int, max_depth: int,
          opened: Iterable[int], limits: Mapping[int, int]
          ) -> tuple[list[GraphFrame], _Walker, int, int]:
    cols = trace.columns
    stack, left, gap = _stack(trace, pos)
    inner = stack[-1][0] if stack else -1
    walker = _Walker(trace, pos, max_items, max_nodes, max_depth, opened, limits)
    frames: list[GraphFrame] = []
    for frame, line in stack:
        owner = f"f{frame}"
        slots = [walker.slot(owner, i, name, enc, 1, rebound)
                 for i, (name, enc, rebound) in enumerate(_bindings(trace, frame, pos))]
        func = cols.functions[cols.frame_func[frame]]
        frames.append(GraphFrame(frame, func.qualname, line, cols.frame_depth[frame],
                                 frame == inner, tuple(slots)))
    walker.run()
    return frames, walker, left, gap


def _reaches_changed(frames: list[GraphFrame], nodes: Mapping[str, GraphNode],
                     edges: list[Edge]) -> list[GraphFrame]:
    """Mark frame names through which a new or mutated object is reachable."""
    changed = {nid for nid, node in nodes.items() if node.mutated}
    if not changed:
        return frames
    back: dict[str, list[str]] = {}
    for edge in edges:
        back.setdefault(edge.target, []).append(edge.source)
    hit: set[str] = set(changed)
    todo = list(changed)
    while todo:
        for src in back.get(todo.pop(), ()):
            if src not in hit:
                hit.add(src)
                if not src.startswith("f"):
                    todo.append(src)
    slot_hit = {(e.source, e.slot) for e in edges if e.target in hit}
    out = []
    for gf in frames:
        slots = tuple(Slot(s.key, s.kind, s.text, s.ref, s.changed, True)
                      if (gf.id, i) in slot_hit else s for i, s in enumerate(gf.slots))
        out.append(GraphFrame(gf.frame, gf.function, gf.line, gf.depth, gf.current, slots))
    return out


def diagram_at(trace: Trace, pos: int, *, max_items: int = MAX_ITEMS, max_nodes: int = MAX_NODES,
               max_depth: int = MAX_DEPTH, open: Iterable[int] = (),
               limits: Mapping[int, int] | None = None) -> Diagram:
    """Return the frames, objects and references at position ``pos`` (0..len(trace)), bounded.

    ``open`` lists oids to expand even below ``max_depth``; ``limits`` raises the item limit of
    single objects (paging a big container). The work is bounded by the limits, not the trace.
    """
    n = len(trace)
    pos = max(0, min(int(pos), n))
    limits = dict(limits or {})
    opened = tuple(open)
    frames, walker, left, gap = _walk(trace, pos, max_items, max_nodes, max_depth, opened, limits)
    frames = _reaches_changed(frames, walker.nodes, walker.edges)
    gone: list[GraphNode] = []
    if pos > 0:
        _, before, _, _ = _walk(trace, pos - 1, max_items, max_nodes, max_depth, opened, limits)
        for nid, node in before.nodes.items():
            if nid not in walker.nodes and node.oid is not None:
                gone.append(GraphNode(nid, node.oid, node.kind, node.type_name, node.text,
                                      collapsed=True, first_step=node.first_step))
    return Diagram(pos, tuple(frames), tuple(walker.nodes.values()), tuple(walker.edges),
                   tuple(gone), left, gap, walker.truncated)
