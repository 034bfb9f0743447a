"""`Trace`: an immutable recording and the read-only queries the viewer and exporters need.

Storage is columnar and delta-based (see `model.builder`): a variable's value is stored only at
the steps where it may have changed, and objects store versions (`model.heap`). The queries
below rebuild what a person wants to see at any step: every variable of a frame, the history
of one variable, the steps at a line, the call stack, where an exception was raised.

Values at step ``i`` are the state *when step i's line is about to run*. ``len(trace)`` is also
a valid step for value queries: the state after the last recorded step.
"""

from __future__ import annotations

import enum
import os
import types
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import compress, islice
from operator import le
from typing import Any, cast

from .columns import TraceColumns
from .encoded import UNBOUND, Cut, Err, Named, Ref
from .index import TraceIndex
from .records import (
    ExceptionEvent,
    Frame,
    FunctionInfo,
    IOChunk,
    Outcome,
    StackEntry,
    Step,
    StepEffect,
)
from .value import UNBOUND_VALUE, Value

__all__ = ["ExceptionEvent", "Frame", "FunctionInfo", "IOChunk", "Outcome", "StackEntry", "Step",
           "StepEffect", "Trace", "int_text"]

_TEXT_BUDGET = 120
_RANGE_ITEMS = 20


class Trace:
    """An immutable recording of one run. Build one with `ct_jupyter.record` or `TraceBuilder`."""

    __slots__ = ("__weakref__", "_b", "_by_frame", "_by_line", "_columns", "_frame_changes",
                 "_index")
    _b: Any  # the frozen TraceBuilder (read through `columns` outside the model)
    _by_frame: dict[int, dict[str, tuple[list[int], list[int]]]] | None
    _frame_changes: dict[str, bool] | None
    _by_line: dict[tuple[int, int], list[int]] | None
    _columns: TraceColumns | None
    _index: TraceIndex | None

    def __init__(self) -> None:
        raise TypeError("Trace is built by a recording (ct_jupyter.record) or TraceBuilder.freeze()")

    @classmethod
    def _from_builder(cls, builder: Any) -> Trace:
        """Wrap a frozen `TraceBuilder`'s columns (called by ``TraceBuilder.freeze``)."""
        self = object.__new__(cls)
        self._b = builder
        self._by_frame = None
        self._frame_changes = None
        self._by_line = None
        self._columns = None
        self._index = None
        return self

    @property
    def columns(self) -> TraceColumns:
        """The read-only columnar view, for consumers that scan the whole trace."""
        cols = self._columns
        if cols is None:
            cols = self._columns = TraceColumns(self._b)
        return cols

    @property
    def index(self) -> TraceIndex:
        """The search index over the steps (built on first use), for navigation and line search."""
        index = self._index
        if index is None:
            index = self._index = TraceIndex(self.columns)
        return index

    # -- facts ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._b.step_line)

    def __repr__(self) -> str:
        status = self.outcome.status if self.outcome else "unknown"
        return f"<Trace {len(self)} steps, {self.frame_count} frames, {status}>"

    @property
    def paths(self) -> Sequence[str]:
        """Every source path the trace refers to, index = path id."""
        return tuple(self._b.paths)

    @property
    def sources(self) -> dict[str, str]:
        """Source text by path, for every path whose source was known."""
        return dict(self._b.sources)

    @property
    def path_labels(self) -> dict[str, str]:
        """Readable labels for synthetic paths (``In [3]`` for a notebook cell)."""
        return dict(self._b.path_labels)

    def path_label(self, path: str) -> str:
        """Return the readable name of ``path``: its label (``In [3]``) or its file name."""
        label = self._b.path_labels.get(path)
        if label:
            return label
        if path.startswith("<") and path.endswith(">"):
            return path
        return os.path.basename(path) or path

    @property
    def call_count(self) -> int:
        """Calls recorded: frames of kind ``call`` below a root frame (generator resumes and the
        recorded program's own top-level frames are not calls)."""
        b = self._b
        kinds = b.frame_kind
        calls = kinds.count("call")
        parent = b.frame_parent
        start = 0
        while True:  # subtract the root frames (few), found at C speed
            try:
                root = parent.index(-1, start)
            except ValueError:
                return calls
            calls -= kinds[root] == "call"
            start = root + 1

    @property
    def functions(self) -> Sequence[FunctionInfo]:
        """Every function that ran, index = function id."""
        return tuple(self._b.functions)

    @property
    def outcome(self) -> Outcome | None:
        """How the run ended (``returned`` or ``raised``); None if it never finished."""
        return self._b.outcome

    @property
    def dropped_steps(self) -> int:
        """Steps that ran after recording stopped (limit reached or recorder failure)."""
        return self._b.dropped_steps

    @property
    def dropped_steps_exact(self) -> bool:
        """False when `dropped_steps` is a lower bound (counting stopped too, to run at full speed)."""
        return self._b.meta.get("dropped_steps_exact", True) is not False

    @property
    def truncated(self) -> bool:
        """True when recording stopped before the run ended."""
        return self._b.stop_reason is not None

    @property
    def stop_reason(self) -> str | None:
        """Why recording stopped early: ``max_steps``, ``max_memory``, ``failure``, or None."""
        return self._b.stop_reason

    @property
    def failure(self) -> str | None:
        """The recorder's own failure (type and message), when one stopped the recording."""
        return self._b.failure

    @property
    def counters(self) -> dict[str, object]:
        """Counts of what the recording left out: dropped events, redactions, detaches, failures."""
        counters = self._b.meta.get("counters")
        return dict(counters) if isinstance(counters, dict) else {}

    @property
    def meta(self) -> dict[str, object]:
        """Free-form facts about the recording (backend, thread, python version, program…)."""
        return dict(self._b.meta)

    @property
    def frame_count(self) -> int:
        """Number of frames (calls and resumes)."""
        return len(self._b.frame_func)

    @property
    def object_count(self) -> int:
        """Number of heap objects captured."""
        return len(self._b.heap)

    @property
    def change_count(self) -> int:
        """Number of stored variable changes (rebindings)."""
        return len(self._b.ch_step)

    # -- steps and frames -----------------------------------------------------------------
    def step(self, index: int) -> Step:
        """Return step ``index`` (negative indexes count from the end)."""
        b = self._b
        if index < 0:
            index += len(b.step_line)
        frame = b.step_frame[index]
        func = b.functions[b.frame_func[frame]]
        return Step(index, b.paths[func.path_id], b.step_line[index], func.qualname,
                    frame, b.frame_depth[frame])

    def steps(self) -> Iterator[Step]:
        """Iterate over every step in order."""
        for i in range(len(self)):
            yield self.step(i)

    def line_of(self, index: int) -> int:
        """Return the line number of step ``index`` (cheap)."""
        return self._b.step_line[index]

    def frame_of(self, index: int) -> int:
        """Return the frame id of step ``index`` (cheap)."""
        return self._b.step_frame[index]

    def frame(self, frame_id: int) -> Frame:
        """Return frame ``frame_id``."""
        b = self._b
        result = b.frame_result[frame_id]
        end_step = b.frame_end_step[frame_id]
        return Frame(
            frame_id, b.functions[b.frame_func[frame_id]], b.frame_parent[frame_id],
            b.frame_depth[frame_id], b.frame_kind[frame_id], b.frame_call_step[frame_id],
            b.frame_first_step[frame_id], end_step, b.frame_end_kind[frame_id],
            None if b.frame_end_kind[frame_id] is None else self.decode(result, max(end_step, 0) + 1),
        )

    def arguments(self, frame_id: int) -> dict[str, Value]:
        """Return the arguments frame ``frame_id`` was called with (empty for module bodies)."""
        b = self._b
        params = b.functions[b.frame_func[frame_id]].params
        first = b.frame_first_step[frame_id]
        if not params or first < 0:
            return {}
        values = self.variables(first, frame_id)
        return {name: values[name] for name in params if name in values}

    def call_text(self, frame_id: int, max_args: int = 4, width: int = 30) -> str:
        """Return how frame ``frame_id`` reads in a stack: ``fact(n=2)``, ``class Account`` for a
        class body, ``<module>`` for a module body (argument values cut to ``width``)."""
        b = self._b
        func = b.functions[b.frame_func[frame_id]]
        if func.is_module:
            return func.qualname
        if func.is_class:
            return f"class {func.qualname}"
        args = self.arguments(frame_id)
        parts = [f"{name}={_cut(value.text, width)}"
                 for name, value in list(args.items())[:max_args]]
        if len(args) > max_args:
            parts.append("…")
        return f"{func.qualname}({', '.join(parts)})"

    def frames(self) -> Iterator[Frame]:
        """Iterate over every frame in the order they started."""
        for i in range(self.frame_count):
            yield self.frame(i)

    def stack(self, index: int) -> list[StackEntry]:
        """Return the call stack at step ``index``, outermost frame first."""
        b = self._b
        frame = b.step_frame[index]
        line = b.step_line[index]
        out: list[StackEntry] = []
        while frame >= 0:
            func = b.functions[b.frame_func[frame]]
            out.append(StackEntry(frame, func.qualname, b.paths[func.path_id], line))
            call_step = b.frame_call_step[frame]
            frame = b.frame_parent[frame]
            if frame >= 0:
                line = b.step_line[call_step] if call_step >= 0 else b.functions[b.frame_func[frame]].line
        out.reverse()
        return out

    def next_step_in_frame(self, index: int) -> int | None:
        """Return the next step of step ``index``'s frame, jumping over the calls it made
        (None when step ``index`` is the frame's last recorded line)."""
        b = self._b
        step_frame = b.step_frame
        parent = b.frame_parent
        end_step = b.frame_end_step
        n = len(step_frame)
        frame = step_frame[index]
        j = index + 1
        while j < n:
            fj = step_frame[j]
            if fj == frame:
                return j
            child = fj
            while child >= 0 and parent[child] != frame:
                child = parent[child]
            if child < 0:
                return None  # the frame has returned
            end = end_step[child]
            if end < j:
                return None  # the callee never finished in the recording
            j = end + 1
        return None

    def after_step(self, index: int) -> int:
        """Return the position whose values show what step ``index``'s line left in its frame:
        the frame's next step, or (for its last line) the step after the frame ended."""
        nxt = self.next_step_in_frame(index)
        if nxt is not None:
            return nxt
        n = len(self._b.step_line)
        end = self._b.frame_end_step[self._b.step_frame[index]]
        return n if end < 0 else min(max(end, index) + 1, n)

    def step_effect(self, index: int) -> StepEffect:
        """Return what running step ``index``'s line did in its frame: the names it rebound or
        mutated (values right after it) and, on the frame's last line, what the frame returned."""
        b = self._b
        frame = b.step_frame[index]
        nxt = self.next_step_in_frame(index)
        after = self.after_step(index)
        returned: str | None = None
        result: Value | None = None
        if nxt is None:
            end_kind = b.frame_end_kind[frame]
            func = b.functions[b.frame_func[frame]]
            if end_kind in ("return", "yield") and not func.is_module and not func.is_class:
                result = self.frame(frame).result
                if result is not None:
                    returned = ("yields " if end_kind == "yield" else "returns ") + result.text
        changed = tuple((name, self.variable(name, after, frame))
                        for name in self.changed_names(after, frame))
        return StepEffect(changed, returned, result)

    def steps_at_line(self, line: int, path: str | None = None) -> list[int]:
        """Return the steps at ``line`` of ``path`` (default: the first recorded path)."""
        b = self._b
        if self._by_line is None:
            index: dict[tuple[int, int], list[int]] = {}
            fpath = [f.path_id for f in b.functions]
            ffunc = b.frame_func
            frame_path = [fpath[ffunc[i]] for i in range(len(ffunc))]
            for i, (ln, fr) in enumerate(zip(b.step_line, b.step_frame)):
                key = (frame_path[fr], ln)
                hit = index.get(key)
                if hit is None:
                    index[key] = [i]
                else:
                    hit.append(i)
            self._by_line = index
        pid = 0 if path is None else b.path_ids.get(path, -1)
        return list(self._by_line.get((pid, line), ()))

    # -- variables ------------------------------------------------------------------------
    def frame_changes(self, frame: int) -> dict[str, tuple[list[int], list[int]]]:
        """Return ``{name: (steps, change ids)}`` for ``frame``: where each variable changed.

        Names are in first-seen order. Built on first use per frame from the frame's own step
        range of the (step-ordered) change columns, at C speed, and cached.
        """
        cache = self._by_frame
        if cache is None:
            cache = self._by_frame = {}
        names = cache.get(frame)
        if names is not None:
            return names
        b = self._b
        if self._frame_changes is None:
            ch = b.ch_step
            self._frame_changes = {"sorted": all(map(le, ch, islice(ch, 1, None)))}
        lo, hi = 0, len(b.ch_step)
        first, end = b.frame_first_step[frame], b.frame_end_step[frame]
        if self._frame_changes["sorted"] and first >= 0:
            lo = bisect_left(b.ch_step, first)
            if end >= 0:
                hi = bisect_right(b.ch_step, end + 1, lo)
        idx = list(compress(range(lo, hi), map(frame.__eq__, islice(b.ch_frame, lo, hi))))
        all_names = list(map(b.ch_name.__getitem__, idx))
        distinct = list(dict.fromkeys(all_names))
        names = {}
        for name in distinct:
            mine = idx if len(distinct) == 1 else list(compress(idx, map(name.__eq__, all_names)))
            names[name] = (list(map(b.ch_step.__getitem__, mine)), mine)
        if len(cache) > 4096:
            cache.clear()
        cache[frame] = names
        return names

    def variables(self, index: int, frame: int | None = None, depth: int = 6) -> dict[str, Value]:
        """Return every bound variable of ``frame`` (default: step ``index``'s frame) at step
        ``index``, containers decoded ``depth`` levels deep."""
        b = self._b
        if frame is None:
            frame = b.step_frame[index] if index < len(b.step_line) else 0
        out: dict[str, Value] = {}
        for name, (steps, changes) in self.frame_changes(frame).items():
            k = bisect_right(steps, index) - 1
            if k >= 0:
                enc = b.ch_val[changes[k]]
                if enc is not UNBOUND:
                    out[name] = self.decode(enc, index, depth)
        return out

    def variable(self, name: str, index: int, frame: int | None = None,
                 depth: int = 6) -> Value | None:
        """Return one variable's value at step ``index``, or None when it is not bound there."""
        b = self._b
        if frame is None:
            frame = b.step_frame[index] if index < len(b.step_line) else 0
        hist = self.frame_changes(frame).get(name)
        if hist is None:
            return None
        k = bisect_right(hist[0], index) - 1
        if k < 0 or b.ch_val[hist[1][k]] is UNBOUND:
            return None
        return self.decode(b.ch_val[hist[1][k]], index, depth)

    def variable_names(self, frame: int) -> list[str]:
        """Return the names ever recorded for ``frame``, in first-seen order."""
        return list(self.frame_changes(frame))

    def changed_at(self, index: int, frame: int | None = None) -> set[str]:
        """Return the names of ``frame`` (default: step ``index``'s) changed at ``index``."""
        return set(self.changed_names(index, frame))

    def changed_names(self, index: int, frame: int | None = None) -> list[str]:
        """Return, in first-seen order, the names of ``frame`` rebound or mutated in place at
        step ``index`` (a mutation seen through another name counts too).

        A frame's first step changes nothing: what is bound there (arguments, names that other
        cells defined) was there before its first line ran.
        """
        b = self._b
        if frame is None:
            frame = b.step_frame[index] if index < len(b.step_line) else 0
        out: list[str] = []
        if index == b.frame_first_step[frame]:
            return out
        for name, (steps, changes) in self.frame_changes(frame).items():
            k = bisect_right(steps, index) - 1
            if k < 0:
                continue
            if steps[k] == index:
                out.append(name)
                continue
            enc = b.ch_val[changes[k]]
            if enc.__class__ is Ref and self._object_changed_at(enc.oid, index, set()):
                out.append(name)
        return out

    def object_changed_at(self, oid: int, index: int) -> bool:
        """Return whether heap object ``oid`` (or an object it holds) changed at step ``index``."""
        return self._object_changed_at(oid, index, set())

    def _object_changed_at(self, oid: int, index: int, seen: set[int]) -> bool:
        if oid in seen:
            return False
        seen.add(oid)
        heap = self._b.heap
        steps = heap.vsteps[oid]
        if steps is None:
            return False
        k = bisect_right(steps, index) - 1
        if k < 0:
            return False
        if steps[k] == index:
            return True
        for child in _children(heap.kinds[oid], heap.full_version(oid, k)):
            if child.__class__ is Ref and self._object_changed_at(child.oid, index, seen):
                return True
        return False

    def history(self, name: str, frame: int = 0) -> list[tuple[int, Value]]:
        """Return the steps where variable ``name`` of ``frame`` changed, with its value then.

        Rebinding and in-place mutation of the bound object both count.
        """
        b = self._b
        hist = self.frame_changes(frame).get(name)
        if hist is None:
            return []
        steps, changes = hist
        out: list[tuple[int, Value]] = []
        last = len(steps) - 1
        for k, (st, c) in enumerate(zip(steps, changes)):
            if k < last and steps[k + 1] == st:
                continue  # a later change at the same step wins
            enc = b.ch_val[c]
            out.append((st, UNBOUND_VALUE if enc is UNBOUND else self.decode(enc, st)))
            if enc.__class__ is Ref:
                until = steps[k + 1] if k < last else None
                seen = st
                for vs in b.heap.version_steps(enc.oid):
                    if vs > seen and (until is None or vs < until):
                        out.append((vs, self.decode(enc, vs)))
                        seen = vs
        return out

    # -- exceptions and IO ----------------------------------------------------------------
    @property
    def exceptions(self) -> list[ExceptionEvent]:
        """Every exception event in order."""
        b = self._b
        return [ExceptionEvent(*row) for row in zip(b.exc_step, b.exc_frame, b.exc_kind,
                                                   b.exc_type, b.exc_msg)]

    def raised_step(self) -> int | None:
        """Return the step where the exception that ended the run was raised (None if none)."""
        outcome = self._b.outcome
        if outcome is None or outcome.status != "raised":
            return None
        b = self._b
        last = None
        for st, kind, tname in zip(b.exc_step, b.exc_kind, b.exc_type):
            if kind == "raise" and tname == outcome.exc_type:
                last = st
            elif kind == "caught":
                last = None if last is not None and tname == outcome.exc_type else last
        if last is None:
            for st, kind in zip(b.exc_step, b.exc_kind):
                if kind == "raise":
                    last = st
        return last

    @property
    def io(self) -> list[IOChunk]:
        """Every captured IO chunk in order."""
        b = self._b
        return [IOChunk(*row) for row in zip(b.io_step, b.io_stream, b.io_text, b.io_flags)]

    @property
    def io_dropped(self) -> dict[str, int]:
        """Characters of each stream left out of the recording by the IO budget."""
        return dict(self._b.io_dropped)

    # -- values ---------------------------------------------------------------------------
    def object_at(self, oid: int, index: int, depth: int = 3) -> Value:
        """Return heap object ``oid`` as it was at step ``index``, expanded ``depth`` levels."""
        return self._decode_ref(oid, index, depth, set())

    def decode(self, enc: object, index: int, depth: int = 6) -> Value:
        """Turn a stored enc into a `Value` as of step ``index``."""
        if enc.__class__ is Ref:
            return self._decode_ref(enc.oid, index, depth, set())
        return _decode_atom(enc)

    def _decode(self, enc: object, index: int, depth: int, path: set[int]) -> Value:
        if enc.__class__ is Ref:
            return self._decode_ref(enc.oid, index, depth, path)
        return _decode_atom(enc)

    def _decode_ref(self, oid: int, index: int, depth: int, path: set[int]) -> Value:
        heap = self._b.heap
        kind = heap.kinds[oid]
        tname = heap.type_names[oid]
        if oid in path:
            return Value("ref", tname, f"<cycle: {tname} #{oid}>", oid=oid)
        snap = heap.snapshot_at(oid, index)
        if snap is None or depth <= 0:
            return Value(kind, tname, _placeholder(kind, tname), oid=oid, truncated=True)
        path.add(oid)
        try:
            return self._decode_snap(oid, kind, tname, snap, index, depth - 1, path)
        finally:
            path.discard(oid)

    def _decode_snap(self, oid: int, kind: str, tname: str, snap: tuple[object, ...],
                     index: int, depth: int, path: set[int]) -> Value:
        dec = self._decode
        if kind == "dict":
            length, keys, vals = snap
            entries = tuple((dec(k, index, depth, path), dec(v, index, depth, path))
                            for k, v in zip(keys, vals))  # type: ignore[call-overload]
            cut = length != len(entries)
            text = _join("{", (f"{k.text}: {v.text}" for k, v in entries), "}", cut)
            if tname != "dict":
                text = f"{tname}({text})"
            return Value("dict", tname, text, oid=oid, length=length, truncated=cut,  # type: ignore[arg-type]
                         entries=entries)
        if kind == "object":
            label, names, vals = snap
            attrs = tuple((n, dec(v, index, depth, path))
                          for n, v in zip(names, vals))  # type: ignore[call-overload]
            if isinstance(label, Err):
                text = f"<{tname}: repr failed: {label.msg}>"
            elif label is not None:
                text = str(label)
            else:
                text = _join(f"{tname}(", (f"{n}={v.text}" for n, v in attrs), ")", False)
            return Value("object", tname, text, oid=oid, attrs=attrs)
        if kind == "repr":
            return Value("repr", tname, str(snap[0]), oid=oid)
        if kind == "bytearray":
            length, head = snap
            cut = length != len(head)  # type: ignore[arg-type]
            return Value("bytearray", tname, _clip(repr(bytearray(cast(bytes, head)))), oid=oid,
                         length=length, truncated=cut)  # type: ignore[arg-type]
        length, items = snap
        values = tuple(dec(v, index, depth, path) for v in items)  # type: ignore[attr-defined]
        cut = length != len(values)
        opener, closer = _BRACKETS.get(kind, ("[", "]"))
        if kind == "tuple" and len(values) == 1 and not cut:
            closer = ",)"
        text = _join(opener, (v.text for v in values), closer, cut)
        if kind in ("set", "frozenset") and not values:
            text = f"{kind}()"
        if tname not in ("list", "tuple", "set", "frozenset", "dict"):
            text = f"{tname}({text})"
        return Value(kind, tname, text, oid=oid, length=length, truncated=cut,  # type: ignore[arg-type]
                     items=values)


_BRACKETS = {"list": ("[", "]"), "tuple": ("(", ")"), "set": ("{", "}"),
             "frozenset": ("frozenset({", "})"), "deque": ("deque([", "])")}


def _children(kind: str, snap: tuple[object, ...]) -> Iterator[object]:
    if kind == "dict":
        yield from snap[1]  # type: ignore[misc]
        yield from snap[2]  # type: ignore[misc]
    elif kind == "object":
        yield from snap[2]  # type: ignore[misc]
    elif kind in ("repr", "bytearray"):
        return
    else:
        yield from snap[1]  # type: ignore[misc]


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


def _placeholder(kind: str, tname: str) -> str:
    return {"list": "[…]", "tuple": "(…)", "dict": "{…}", "set": "{…}"}.get(kind, f"<{tname} …>")


def _clip(text: str) -> str:
    return text if len(text) <= _TEXT_BUDGET else text[: _TEXT_BUDGET - 1] + "…"


def _join(opener: str, parts: Iterator[str], closer: str, cut: bool) -> str:
    out = opener
    first = True
    for part in parts:
        piece = part if first else ", " + part
        if len(out) + len(piece) > _TEXT_BUDGET:
            return out + ", …" + closer if not first else out + "…" + closer
        out += piece
        first = False
    if cut:
        out += "…" if first else ", …"
    return out + closer


def int_text(value: int) -> str:
    """Return the repr of an int, or a digit-count summary for ints too long to print."""
    try:
        return repr(value)
    except ValueError:
        digits = int(value.bit_length() * 0.30103) + 1
        return f"<int with about {digits} digits>"


def _decode_atom(enc: object) -> Value:
    cls = enc.__class__
    if cls is bool:
        return Value("bool", "bool", repr(enc), py=enc)
    if cls is int:
        return Value("int", "int", _clip(int_text(enc)), py=enc)  # type: ignore[arg-type]
    if cls is float:
        return Value("float", "float", repr(enc), py=enc)
    if cls is str:
        return Value("str", "str", _clip(repr(enc)), length=len(enc), py=enc)  # type: ignore[arg-type]
    if enc is None:
        return Value("none", "NoneType", "None", py=None)
    if cls is UNBOUND.__class__:
        return UNBOUND_VALUE
    if cls is Cut:
        head = enc.head  # type: ignore[attr-defined]
        kind = "str" if isinstance(head, str) else "bytes"
        return Value(kind, kind, _clip(repr(head)) + "…", length=enc.length,  # type: ignore[attr-defined]
                     truncated=True, py=head)
    if cls is Named:
        return Value(enc.kind, enc.type_name, enc.text)  # type: ignore[attr-defined]
    if cls is Err:
        if enc.type_name in ("Redacted", "Dropped"):  # type: ignore[attr-defined]
            return Value("error", enc.type_name, enc.msg)  # type: ignore[attr-defined]
        return Value("error", enc.type_name, f"<error: {enc.msg}>")  # type: ignore[attr-defined]
    if cls is bytes:
        return Value("bytes", "bytes", _clip(repr(enc)), length=len(enc), py=enc)  # type: ignore[arg-type]
    if cls is complex:
        return Value("complex", "complex", repr(enc), py=enc)
    if cls is range:
        items = tuple(_decode_atom(i) for i in enc[:_RANGE_ITEMS])  # type: ignore[index]
        return Value("range", "range", repr(enc), length=len(enc), items=items,  # type: ignore[arg-type]
                     truncated=len(enc) > _RANGE_ITEMS)  # type: ignore[arg-type]
    if isinstance(enc, enum.Enum):
        value = enc._value_
        inner = _decode_atom(value) if _is_atom(value) else Value("repr", type(value).__name__,
                                                                   _safe_repr(value))
        return Value("enum", cls.__name__, f"{cls.__name__}.{enc._name_}",
                     attrs=(("name", _decode_atom(enc._name_)), ("value", inner)))
    if isinstance(enc, type):
        return Value("class", "type", f"<class {enc.__qualname__}>")
    if isinstance(enc, types.ModuleType):
        return Value("module", "module", f"<module {enc.__name__}>")
    if callable(enc):
        name = getattr(enc, "__qualname__", None) or getattr(enc, "__name__", "?")
        return Value("function", cls.__name__, f"<function {name}>")
    return Value("repr", cls.__name__, _safe_repr(enc))


def _is_atom(value: object) -> bool:
    return value is None or value.__class__ in (int, float, str, bool, bytes, complex)


def _safe_repr(value: object) -> str:
    try:
        return _clip(object.__repr__(value))
    except Exception:  # pragma: no cover - object.__repr__ does not fail
        return "<?>"
