"""Bounded, never-raising value snapshots, and in-place mutation detection.

`Snapshotter.encode` turns a live object into an enc (see `model.encoded`): immutable atoms are
kept by reference; containers and instances become heap objects with a shallow snapshot whose
children are encs, so shared and self-referencing objects are stored once. `Snapshotter.check`
compares a heap object with the identities it had at its last snapshot (a C-level pass) and
stores a new version, as a delta where it pays, only when something changed.

Nothing here lets an exception escape: a ``__repr__`` that raises, sleeps or recurses becomes an
`Err` placeholder, and a type whose repr failed is not asked again.
"""

from __future__ import annotations

import collections
import enum
import operator
import sys
import types
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from itertools import compress, count, islice
from typing import Any

from ..model.encoded import UNBOUND, Cut, Err, Named, Ref
from ..model.heap import KEYFRAME, Heap
from ..options import TraceOptions
from .object_view import (
    attributes,
    class_attrs,
    class_module,
    exception_label,
    plain_dict,
)
from .repr_budget import ReprCaller, describe

_is = operator.is_
#: ``bytearray.__bytes__`` where the interpreter has it (3.11+ builds differ): a subclass's own
#: ``__bytes__`` or buffer hooks are never called
_BYTEARRAY_BYTES: Callable[[Any], bytes] | None = getattr(bytearray, "__bytes__", None)
_is_not = operator.is_not

ATOM_TYPES = frozenset({int, float, bool, type(None), complex})
# Immutable (or identity-only) values kept by reference; functions, classes and modules are
# `_NAMED` instead, so a trace holds no user code.
_OPAQUE_ATOMS = (
    range, enum.Enum, types.GetSetDescriptorType, types.MemberDescriptorType, type(Ellipsis),
    type(NotImplemented),
)
_NAMED = (
    types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType,
    types.ModuleType, type, types.MethodWrapperType, types.WrapperDescriptorType,
    types.MethodDescriptorType, types.ClassMethodDescriptorType, types.CodeType,
    staticmethod, classmethod, property,
)
_SEQ = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset",
        collections.deque: "deque"}


_MISSING = object()
# Dict keys whose enc is the key itself, so a key can be looked up among the shown entries.
_KEY_ATOMS = frozenset({int, str, bool, type(None), bytes})


_WREF = weakref.ReferenceType
_getrefcount = sys.getrefcount
# Values that have no observable lifetime: the recorder may hold them (exact types only; a
# subclass may have a ``__del__``).
_HOLD = frozenset({int, float, bool, type(None), complex, str, bytes, range, type(Ellipsis),
                   type(NotImplemented)})
# The C implementations the recorder reads containers through, whatever the subclass overrides.
_BASE = {"list": list, "deque": collections.deque, "tuple": tuple, "set": set,
         "frozenset": frozenset}
HOLD_TYPES = _HOLD


class Snapshotter:
    """Encodes live values into a `Heap`, and detects in-place changes of what it encoded.

    It keeps no strong reference to the program's objects past the moment the program drops
    them: weak-referenceable objects are tracked through weak references; the rest (lists,
    dicts, tuples, …) are held only while the program holds them too — a reference count taken
    when a recorded frame or container lets go of one (`suspect`), and every `SWEEP_EVERY`
    steps, releases them. Snapshot mirrors hold atoms, and `Ref` tokens checked by identity
    for tracked children, so a freed object's address reused by a new one is never mistaken
    for the old object. It never calls the program's own code: containers, subclasses
    included, are read through their base type's C implementation, instances through their
    ``__dict__`` and slots; only foreign (library) objects are shown by their budgeted repr,
    and user ``__repr__`` labels only with ``repr_user``.
    """

    def __init__(self, heap: Heap, options: TraceOptions,
                 is_user_module: Callable[[str], bool] = lambda m: m == "__main__") -> None:
        self.heap = heap
        self.max_items = options.max_items
        self.max_str = options.max_str
        self.max_depth = options.max_depth
        self.repr_user = options.repr_user
        self.is_user_module = is_user_module
        self.repr = ReprCaller(options.repr_timeout, options.max_str)
        self.user_reprs = 0
        self.ids: dict[int, int] = {}
        self.refs: list[Ref] = []
        # per oid: the object (strong) or a weak reference to it; None once released
        self.objs: list[Any] = []  # an object or a weak reference: read as either
        self.weak: list[bool] = []
        self.addr: list[int] = []
        # per oid: the tokens its last snapshot saw (a tuple of tokens, or (keys, values),
        # (names, values), a repr text, bytes): each kind reads its own shape
        self.raw: list[Any] = []
        self.lens: list[int] = []
        self.kids: list[tuple[int, ...]] = []
        self.kpos: list[dict[object, int] | None] = []
        # the current snapshot items of lists (a list of encs) and dicts (a dict of encs),
        # kept up to date by deltas, so a keyframe costs one copy and no replay
        self.cur: list[Any] = []  # a list of encs, a dict of encs, or None
        self.since_full: list[int] = []
        self._kinds: dict[type, str] = {}
        self._wants_label: dict[type, bool] = {}
        self._wr_oid: dict[int, int] = {}
        self._dead: list[object] = []
        self.suspects: list[int] = []
        self._retry: list[int] = []
        self.held: set[int] = set()  # oids held strongly (released by collect and sweep)
        self.bytes = 0

    @property
    def silence(self) -> Callable[[], AbstractContextManager[object]] | None:
        """IO capture's ``silenced``: output a repr prints while we snapshot is not shown."""
        return self.repr.silence

    @silence.setter
    def silence(self, value: Callable[[], AbstractContextManager[object]] | None) -> None:
        self.repr.silence = value

    def release(self) -> None:
        """Drop every reference to live objects (called when recording ends)."""
        self.ids.clear()
        self.objs.clear()
        self.raw.clear()
        self.kids.clear()
        self.kpos.clear()
        self._wr_oid.clear()
        self._dead.clear()
        self.suspects.clear()
        self.held.clear()

    # -- identity and lifetimes -----------------------------------------------------------
    def get(self, oid: int) -> Any:
        """Return the live object ``oid`` stands for, or None once the program freed it."""
        r = self.objs[oid]
        return r() if self.weak[oid] else r

    def _died(self, wr: object) -> None:
        self._dead.append(wr)  # runs wherever the object died: only note it

    def needs_collect(self) -> bool:
        """True when objects died, or may have been let go of, since the last `collect`."""
        return bool(self._dead or self.suspects or self._retry)

    def suspect(self, oid: int) -> None:
        """Note that something the program held ``oid`` by has let go of it."""
        if not self.weak[oid] and self.objs[oid] is not None:
            self.suspects.append(oid)

    def collect(self) -> None:
        """Forget objects the program freed, and release the ones only we still hold."""
        dead, suspects = self._dead, self.suspects
        # Still held at the last pass: a frame being torn down (a ``__del__`` we recorded ran
        # in the middle of it) may have let go since. One more look, then only the sweep.
        retry = self._retry[:]  # the list itself stays: the C core watches it
        self._retry.clear()
        while dead or suspects or retry:
            while dead:
                oid = self._wr_oid.pop(id(dead.pop()), -1)
                if oid >= 0:
                    self._forget(oid)
            while suspects:
                self._release_if_unheld(suspects.pop(), True)
            while retry:
                self._release_if_unheld(retry.pop(), False)

    def _release_if_unheld(self, oid: int, again: bool) -> None:
        obj = self.objs[oid]
        if obj is None or self.weak[oid]:
            return
        if _getrefcount(obj) <= 3:  # our list's slot, ``obj`` and the call's argument
            obj = None
            self._forget(oid)  # the program let go of it: so do we, now
        elif again:
            self._retry.append(oid)

    def sweep(self) -> None:
        """Release every strongly held object the program no longer holds (a periodic pass)."""
        if self.held:  # only what is held now: a sweep never re-reads what was released
            self.suspects.extend(sorted(self.held))
        self.collect()

    def _forget(self, oid: int) -> None:
        addr = self.addr[oid]
        if self.ids.get(addr) == oid:
            del self.ids[addr]
        self.held.discard(oid)
        self.objs[oid] = None
        self.weak[oid] = False
        self.raw[oid] = None
        self.cur[oid] = None
        self.kpos[oid] = None
        for kid in self.kids[oid]:
            self.suspect(kid)
        self.kids[oid] = ()

    def _track(self, obj: object, kind: str, t: type) -> int:
        oid = self.heap.new_object(kind, t.__name__)
        self.ids[id(obj)] = oid
        self.refs.append(Ref(oid))
        if t.__weakrefoffset__:
            try:
                wr = weakref.ref(obj, self._died)
            except TypeError:
                wr = None
        else:
            wr = None
        if wr is not None:
            self._wr_oid[id(wr)] = oid
            self.objs.append(wr)
            self.weak.append(True)
        else:
            self.objs.append(obj)
            self.weak.append(False)
            self.held.add(oid)
        self.addr.append(id(obj))
        self.raw.append(None)
        self.lens.append(0)
        self.kids.append(())
        self.kpos.append(None)
        self.cur.append(None)
        self.since_full.append(0)
        return oid

    def token(self, obj: object, enc: object) -> object:
        """What a mirror keeps for ``obj`` (encoded as ``enc``): never a strong user object."""
        if enc.__class__ is Ref or type(obj) in _HOLD:
            return enc if enc.__class__ is Ref else obj
        if type(obj).__weakrefoffset__:
            try:
                return weakref.ref(obj)
            except TypeError:
                pass
        return obj  # not weakly referenceable (a builtin function, a descriptor): held

    def same(self, tok: object, obj: object) -> bool:
        """True when the mirror token ``tok`` stands for the live object ``obj``."""
        if tok is obj:
            return True
        c = tok.__class__
        if c is Ref:
            return self.get(tok.oid) is obj  # type: ignore[attr-defined]
        if c is _WREF:
            return tok() is obj  # type: ignore[operator]
        return False

    def _tokens(self, items: list[object], encs: tuple[object, ...]) -> list[object]:
        hold = _HOLD
        return [e if e.__class__ is Ref else (x if type(x) in hold else self.token(x, e))
                for x, e in zip(items, encs)]

    # -- encoding -------------------------------------------------------------------------
    def encode(self, obj: object, step: int, depth: int = 0) -> object:
        """Return the enc of ``obj``, capturing a first snapshot of a new heap object at ``step``."""
        t = type(obj)
        if t in ATOM_TYPES:
            return obj
        if t is str or t is bytes:
            n = len(obj)  # type: ignore[arg-type]
            self.bytes += 56 + (n if n <= self.max_str else self.max_str)
            return obj if n <= self.max_str else Cut(obj[: self.max_str], n)  # type: ignore[index]
        oid = self.ids.get(id(obj))
        if oid is not None:
            r = self.objs[oid]
            if (r() if self.weak[oid] else r) is obj:
                if self.raw[oid] is None and depth < self.max_depth:
                    self._capture(oid, obj, step, depth)
                return self.refs[oid]
        kind = self._kinds.get(t)
        if kind is None:
            kind = self._kinds[t] = self._classify(t)
        if kind == "atom":
            return obj
        if kind == "named":
            return _named(obj)
        if kind == "str":  # str subclass
            text = str.__str__(obj)
            self.bytes += 56 + min(len(text), self.max_str)
            return text if len(text) <= self.max_str else Cut(text[: self.max_str], len(text))
        oid = self._track(obj, kind, t)
        if depth < self.max_depth:
            self._capture(oid, obj, step, depth)
        return self.refs[oid]

    def _classify(self, t: type) -> str:
        if t in _SEQ:
            return _SEQ[t]
        if t is dict:
            return "dict"
        if t is bytearray:
            return "bytearray"
        if issubclass(t, _NAMED):
            return "named"
        if issubclass(t, _OPAQUE_ATOMS):
            return "atom"
        if issubclass(t, tuple) and "_fields" in class_attrs(t):
            return "object"
        if "__dataclass_fields__" in class_attrs(t):
            return "object"
        user = self.is_user_module(class_module(t))
        if issubclass(t, dict):
            return "dict"
        for base, kind in _SEQ.items():
            if issubclass(t, base):
                return kind
        if issubclass(t, str):
            return "str"
        if issubclass(t, bytearray):
            return "bytearray"
        if user:
            return "object"
        return "repr"

    def _capture(self, oid: int, obj: object, step: int, depth: int) -> None:
        kind = self.heap.kinds[oid]
        try:
            snap, raw, n, kids = self._snapshot(kind, obj, step, depth + 1)
        except Exception as exc:  # a hostile object: a placeholder
            text = f"<{type(obj).__name__}: {describe(exc)}>"
            snap, raw, n, kids = (text,), text, 0, ()
            kind = self.heap.kinds[oid] = "repr"
        self.raw[oid] = raw
        self.lens[oid] = n
        self.kpos[oid] = None
        self.kids[oid] = kids
        if kind == "list" or kind == "deque":
            self.cur[oid] = list(snap[1])
        elif kind == "dict" or kind == "object":
            self.cur[oid] = dict(zip(snap[1], snap[2]))
        self.since_full[oid] = 0
        self.heap.add_version(oid, step, snap)
        self.bytes += 64 + 8 * _snap_len(snap)

    def _snapshot(self, kind: str, obj: Any, step: int, depth: int
                  ) -> tuple[tuple[Any, ...], Any, int, tuple[int, ...]]:
        """Return (snapshot, mirror, length, child oids) of ``obj`` read without user code."""
        enc = self.encode
        limit = self.max_items
        base = _BASE.get(kind)
        if base is not None:
            n = base.__len__(obj)  # type: ignore[attr-defined]
            items = list(islice(base.__iter__(obj), limit))  # type: ignore[attr-defined]
            encs = tuple([enc(x, step, depth) for x in items])
            # tuples and frozensets cannot change: only their children are re-checked
            raw: object = () if kind in ("tuple", "frozenset") else self._tokens(items, encs)
            return (n, encs), raw, n, _kid_oids(encs)
        if kind == "dict":
            n = dict.__len__(obj)
            keys = list(islice(iter(dict.keys(obj)), limit))
            vals = list(islice(iter(dict.values(obj)), limit))
            kenc = tuple([enc(k, step, depth) for k in keys])
            venc = tuple([enc(v, step, depth) for v in vals])
            raw = (self._tokens(keys, kenc), self._tokens(vals, venc))
            return (n, kenc, venc), raw, n, _kid_oids(kenc + venc)
        if kind == "object":
            names, vals = attributes(obj)
            label = self._label(obj)
            vals = vals[:limit]
            venc = tuple([enc(v, step, depth) for v in vals])
            names = names[:limit]
            return ((label, tuple(names), venc), (names, self._tokens(vals, venc)), len(names),
                    _kid_oids(venc))
        if kind == "bytearray":
            data = _BYTEARRAY_BYTES(obj) if _BYTEARRAY_BYTES is not None \
                else bytes(bytearray.__iter__(obj))
            self.bytes += min(len(data), self.max_str)
            return (len(data), data[: self.max_str]), data, len(data), ()
        text = self.repr(obj)
        self.bytes += len(text)
        return (text,), text, 0, ()

    def _label(self, obj: object) -> object:
        if not self.repr_user:
            return exception_label(obj)
        t = type(obj)
        wants = self._wants_label.get(t)
        if wants is None:
            wants = self._wants_label[t] = self._label_wanted(t)
        if not wants:
            return None
        self.user_reprs += 1
        text = self.repr(obj)
        if text.startswith("<error"):
            return Err(t.__name__, text)
        return text

    @staticmethod
    def _label_wanted(t: type) -> bool:
        """Return True when instances of ``t`` have a repr of their own worth showing."""
        rep = class_attrs(t).get("__repr__", object.__repr__)
        if rep is object.__repr__ or (issubclass(t, tuple) and "_fields" in class_attrs(t)):
            return False
        params = class_attrs(t).get("__dataclass_params__")
        if params is not None and "__create_fn__" in getattr(rep, "__qualname__", ""):
            return False
        if params is not None and getattr(rep, "__module__", None) == "dataclasses":
            return False
        return True

    def safe_repr(self, obj: object) -> str:
        """Return a bounded repr of ``obj``; never raises, never waits past the repr budget."""
        return self.repr(obj)

    # -- change detection -----------------------------------------------------------------
    def check_value(self, obj: object, step: int) -> None:
        """Re-check the heap object behind ``obj`` (if it is one) for in-place changes."""
        if type(obj) in ATOM_TYPES:
            return
        oid = self.ids.get(id(obj))
        if oid is not None and self.get(oid) is obj:
            self.check(oid, step, None)

    def check(self, oid: int, step: int, seen: set[int] | None) -> None:
        """Store a new version of object ``oid`` at ``step`` if it changed; recurse into children.

        A container subclass whose contents cannot be read becomes a placeholder.
        """
        try:
            self._check(oid, step, seen)
        except Exception as exc:
            obj = self.get(oid)
            text = f"<{type(obj).__name__}: {describe(exc)}>"
            self.heap.kinds[oid] = "repr"
            self.raw[oid] = text
            self.kids[oid] = ()
            self.heap.add_version(oid, step, (text,))

    def _changed_at(self, head: list[Any], toks: list[Any]) -> list[int]:
        """Return the positions where ``head`` no longer holds what the mirror ``toks`` holds."""
        out: list[int] = []
        objs, weak = self.objs, self.weak
        nt, nh = len(toks), len(head)
        for i in compress(count(), map(_is_not, head, toks)):
            if i < nt and i < nh:
                tok = toks[i]
                c = tok.__class__
                if c is Ref:  # `same`, inlined: lists of objects are checked at every step
                    r = objs[tok.oid]
                    if (r() if weak[tok.oid] else r) is head[i]:
                        continue
                elif c is _WREF and tok() is head[i]:
                    continue
            out.append(i)
        return out

    def _check(self, oid: int, step: int, seen: set[int] | None) -> None:
        raw = self.raw[oid]
        if raw is None:
            return
        obj = self.get(oid)
        if obj is None:
            return
        kind = self.heap.kinds[oid]
        if kind == "list" or kind == "deque" or kind == "set":
            base = _BASE[kind]
            n = base.__len__(obj)  # type: ignore[attr-defined]
            head = obj if type(obj) is list and n <= self.max_items else \
                list(islice(base.__iter__(obj), self.max_items))  # type: ignore[attr-defined]
            if n != self.lens[oid] or not all(map(_is, head, raw)):
                if kind == "set":
                    if n != self.lens[oid] or len(head) != len(raw) or \
                            self._changed_at(head, raw):
                        self._recapture(oid, obj, step)
                else:
                    self._list_changed(oid, obj, head, n, step)
        elif kind == "dict":
            n = dict.__len__(obj)
            ktoks, vtoks = raw
            small = type(obj) is dict and n <= self.max_items
            keys = obj if small else list(islice(iter(dict.keys(obj)), self.max_items))
            vals = obj.values() if small else list(islice(iter(dict.values(obj)), self.max_items))
            if n != self.lens[oid] or not all(map(_is, vals, vtoks)) \
                    or not all(map(_is, keys, ktoks)):
                self._dict_changed(oid, obj, n, step)
        elif kind == "object":
            names, vtoks = raw
            d = plain_dict(obj)
            if d is not None:
                if len(d) != len(vtoks) or not all(map(_is, d.values(), vtoks)) \
                        or not all(map(_is, d, names)):
                    vals = list(d.values())
                    if list(d) != names or len(vals) != len(vtoks) or \
                            self._changed_at(vals, vtoks):
                        self._recapture(oid, obj, step)
            else:
                try:
                    new_names, new_vals = attributes(obj)
                except Exception:
                    new_names, new_vals = names, vtoks
                new_names, new_vals = new_names[: self.max_items], new_vals[: self.max_items]
                if new_names != names or len(new_vals) != len(vtoks) or \
                        self._changed_at(new_vals, vtoks):
                    self._recapture(oid, obj, step)
        elif kind == "repr":
            if type(obj) not in self.repr.bad and self.repr(obj) != raw:
                self._recapture(oid, obj, step)
        elif kind == "bytearray":
            if bytearray.__len__(obj) != len(raw) or bytearray.__ne__(obj, raw):
                self._recapture(oid, obj, step)
        kids = self.kids[oid]
        if kids:
            if seen is None:
                seen = {oid}
            else:
                seen.add(oid)
            for kid in kids:
                if kid not in seen:
                    self.check(kid, step, seen)

    def _recapture(self, oid: int, obj: object, step: int) -> None:
        old = self.kids[oid]
        self._capture(oid, obj, step, 0)
        if old:
            new = self.kids[oid]
            for kid in old:
                if kid not in new:
                    self.suspect(kid)

    def _list_changed(self, oid: int, obj: list[object], head: list[object], n_new: int,
                      step: int) -> None:
        raw: list[object] = self.raw[oid]
        n_old = self.lens[oid]
        limit = self.max_items
        idxs = self._changed_at(head, raw)
        if len(head) > len(raw):
            idxs.extend(range(len(raw), len(head)))
        if n_new == n_old and not idxs and len(head) == len(raw):
            return
        if len(idxs) * 4 > min(n_new, limit) + 8 or self.heap.versions_count(oid) == 0:
            self._recapture(oid, obj, step)
            return
        delta: list[object] = [n_new]
        has_ref = False
        cur: list[object] = self.cur[oid]
        get = list.__getitem__ if isinstance(head, list) else None
        for i in idxs:
            if i >= limit:
                break
            if i < len(raw) and raw[i].__class__ is Ref:
                self.suspect(raw[i].oid)  # type: ignore[attr-defined]
            item = get(head, i) if get is not None else head[i]
            e = self.encode(item, step, 1)
            if e.__class__ is Ref:
                has_ref = True
            tok = e if e.__class__ is Ref else (item if type(item) in _HOLD else self.token(item, e))
            if i < len(raw):
                raw[i] = tok
            else:
                raw.append(tok)
            delta.append(i)
            delta.append(e)
            if i < len(cur):
                cur[i] = e
            elif i == len(cur):
                cur.append(e)
        if len(head) < len(raw):
            for tok in raw[len(head):]:
                if tok.__class__ is Ref:
                    self.suspect(tok.oid)
            del raw[len(head):]
        if n_new < len(cur):
            del cur[n_new:]
        self.lens[oid] = n_new
        if has_ref or self.kids[oid]:
            self.kids[oid] = tuple([t.oid for t in raw if t.__class__ is Ref
                                    and self.raw[t.oid] is not None])
        self._add_delta(oid, step, delta)
        self.bytes += 48 + 16 * len(idxs)

    def _add_delta(self, oid: int, step: int, delta: list[object]) -> None:
        count_ = self.since_full[oid] + 1
        if count_ >= KEYFRAME:
            cur = self.cur[oid]
            if isinstance(cur, dict):  # dict (length, keys, values) or object (label, names, values)
                full: tuple[object, ...] = (delta[0], tuple(cur), tuple(cur.values()))
            else:
                full = (delta[0], tuple(cur))
            self.heap.add_version(oid, step, full)
            self.since_full[oid] = 0
            self.bytes += 8 * _snap_len(full)
        else:
            self.heap.add_version(oid, step, delta)
            self.since_full[oid] = count_

    def _dict_changed(self, oid: int, obj: dict[object, object], n_new: int, step: int) -> None:
        ktoks, vtoks = self.raw[oid]
        n_old = self.lens[oid]
        limit = self.max_items
        keys = list(islice(iter(dict.keys(obj)), limit))
        if n_new < n_old or len(keys) < len(ktoks) or self._changed_at(keys[: len(ktoks)], ktoks) \
                or self.heap.versions_count(oid) == 0:
            self._recapture(oid, obj, step)
            return
        vals = list(islice(iter(dict.values(obj)), limit))
        idxs = self._changed_at(vals[: len(vtoks)], vtoks)
        idxs.extend(range(len(vtoks), len(vals)))
        if len(idxs) * 4 > min(n_new, limit) + 8:
            self._recapture(oid, obj, step)
            return
        delta: list[object] = [n_new]
        cur: dict[object, object] = self.cur[oid]
        for i in idxs:
            key, value = keys[i], vals[i]
            if i < len(vtoks):
                if vtoks[i].__class__ is Ref:
                    self.suspect(vtoks[i].oid)
            else:
                kenc = self.encode(key, step, 1)
                ktoks.append(kenc if kenc.__class__ is Ref else self.token(key, kenc))
                vtoks.append(None)
            self._dict_item(oid, cur, delta, key, value, step, vtoks, i)
        self.lens[oid] = n_new
        self.kpos[oid] = None
        self._add_delta(oid, step, delta)
        self.bytes += 48 + 24 * len(idxs)

    def _dict_item(self, oid: int, cur: dict[object, object], delta: list[object],
                   key: object, value: object, step: int, vtoks: list[object] | None = None,
                   i: int = -1) -> None:
        k = self.encode(key, step, 1)
        v = UNBOUND if value is _MISSING else self.encode(value, step, 1)
        if vtoks is not None and v is not UNBOUND:
            vtoks[i] = v if v.__class__ is Ref else self.token(value, v)
        delta.append(k)
        delta.append(v)
        if v is UNBOUND:
            cur.pop(k, None)
        else:
            cur[k] = v
            self._adopt_kid(oid, v)

    def _tracked(self, obj: object) -> int:
        """Return the oid of ``obj`` when it is tracked with a snapshot, else -1."""
        oid = self.ids.get(id(obj))
        if oid is None or self.raw[oid] is None:
            return -1
        r = self.objs[oid]
        return oid if (r() if self.weak[oid] else r) is obj else -1

    def _adopt_kid(self, oid: int, enc: object) -> None:
        """Make a newly stored child enc of ``oid`` part of its in-place re-checks."""
        if enc.__class__ is Ref and enc.oid not in self.kids[oid]:
            kids = self.kids[oid] + (enc.oid,)
            cur = self.cur[oid]
            if cur is not None and len(kids) > 2 * len(cur) + 16:
                # Replaced children pile up (`d[k] = [i]` in a loop): rebuild from what the
                # container holds now, so the list, and every re-check, stays O(len) — amortised.
                encs = tuple(cur.values()) if isinstance(cur, dict) else tuple(cur)
                keys = tuple(cur) if isinstance(cur, dict) else ()
                kids = tuple(dict.fromkeys(_kid_oids(keys + encs)))
            self.kids[oid] = kids

    def check_tail(self, obj: object, step: int) -> None:
        """Re-check a list after ``append``/``extend``: only new items at its end."""
        oid = self._tracked(obj)
        if oid < 0:
            return
        if type(obj) is not list or self.heap.kinds[oid] != "list":
            self.check(oid, step, None)
            return
        raw: list[object] = self.raw[oid]
        n, old = len(obj), self.lens[oid]
        limit = self.max_items
        if n < old or (old < limit and len(raw) != old):
            self.check(oid, step, None)
            return
        if n == old:
            return
        delta: list[object] = [n]
        cur: list[object] = self.cur[oid]
        new_kids: list[int] = []
        for i in range(old, min(n, limit)):  # items past the shown head only count in the length
            item = obj[i]
            e = self.encode(item, step, 1)
            raw.append(e if e.__class__ is Ref else
                       (item if type(item) in _HOLD else self.token(item, e)))
            cur.append(e)
            delta.append(i)
            delta.append(e)
            if e.__class__ is Ref:
                new_kids.append(e.oid)
        self.lens[oid] = n
        if new_kids:
            self.kids[oid] += tuple(new_kids)
        self._add_delta(oid, step, delta)
        self.bytes += 48 + 16 * (len(delta) // 2)

    def check_attr(self, obj: object, name: str, step: int, inplace: bool) -> None:
        """Re-check one attribute of a tracked instance after ``obj.name = …``."""
        oid = self._tracked(obj)
        if oid < 0:
            return
        raw = self.raw[oid]
        d = plain_dict(obj)
        t = type(obj)
        if self.heap.kinds[oid] != "object" or d is None or \
                (self.repr_user and self._wants_label.get(t, True)):
            self.check(oid, step, None)
            return
        names, vtoks = raw
        new = d.get(name, _MISSING)
        try:
            idx = names.index(name)
        except ValueError:
            idx = -1
        if new is _MISSING or len(d) != len(names) + (idx < 0):
            self.check(oid, step, None)
            return
        if idx >= 0:
            if self.same(vtoks[idx], new):
                if inplace:
                    self.check_value(new, step)
                return
            if vtoks[idx].__class__ is Ref:
                self.suspect(vtoks[idx].oid)
        elif len(names) >= self.max_items:
            return
        e = self.encode(new, step, 1)
        tok = e if e.__class__ is Ref else self.token(new, e)
        if idx >= 0:
            vtoks[idx] = tok
        else:
            names.append(name)
            vtoks.append(tok)
            self.lens[oid] = len(names)
        cur: dict[str, object] = self.cur[oid]
        cur[name] = e
        self._adopt_kid(oid, e)
        self._add_delta(oid, step, [None, name, e])
        self.bytes += 64

    def _kept(self, tok: object, new: object, step: int, inplace: bool) -> bool:
        """True when the stored ``new`` is what ``tok`` stood for (re-checked if ``inplace``);
        otherwise the object ``tok`` stood for may have been let go (it becomes a suspect)."""
        if tok is new or ((tok.__class__ is Ref or tok.__class__ is _WREF) and self.same(tok, new)):
            if inplace:
                self.check_value(new, step)
            return True
        if tok.__class__ is Ref:
            self.suspect(tok.oid)
        return False

    def check_item(self, container: object, key: object, step: int, inplace: bool) -> None:
        """Re-check one item of a tracked list or dict after ``container[key] = …``."""
        oid = self._tracked(container)
        if oid < 0:
            return
        raw = self.raw[oid]
        t = type(container)
        if t is list and type(key) is int and self.heap.kinds[oid] == "list":
            n = len(container)  # type: ignore[arg-type]
            if n != self.lens[oid]:
                self.check(oid, step, None)
                return
            k = key + n if key < 0 else key
            if not 0 <= k < n or k >= self.max_items:
                return  # past the shown head: nothing to store
            new = container[k]  # type: ignore[index]
            if self._kept(raw[k], new, step, inplace):
                return
            e = self.encode(new, step, 1)
            raw[k] = e if e.__class__ is Ref else (new if type(new) in _HOLD else self.token(new, e))
            self.cur[oid][k] = e
            self._adopt_kid(oid, e)
            self._add_delta(oid, step, [n, k, e])
            self.bytes += 64
            return
        if t is dict and self.heap.kinds[oid] == "dict" and type(key) in _KEY_ATOMS:
            try:
                new = container.get(key, _MISSING)  # type: ignore[attr-defined]
            except Exception:  # unhashable key: the store itself raised
                return
            ktoks, vtoks = raw
            pos = self.kpos[oid]
            if pos is None:
                pos = self.kpos[oid] = {k: i for i, k in enumerate(ktoks) if type(k) in _KEY_ATOMS}
            i = pos.get(key, -1)
            n = len(container)  # type: ignore[arg-type]
            if i >= 0:
                if new is _MISSING or n != self.lens[oid]:
                    self.check(oid, step, None)  # a removal shifts positions: compare afresh
                    return
                if self._kept(vtoks[i], new, step, inplace):
                    return
            elif new is _MISSING:
                if n != self.lens[oid]:
                    self.check(oid, step, None)
                return
            elif n != self.lens[oid] + 1 or len(ktoks) != self.lens[oid]:
                self.check(oid, step, None)  # not a plain insertion at the end of the head
                return
            elif len(ktoks) >= self.max_items:
                self.lens[oid] = n  # past the shown head: only the length counts
                self._add_delta(oid, step, [n])
                return
            else:
                i = len(ktoks)
                ktoks.append(key)
                vtoks.append(None)
                pos[key] = i
            self.lens[oid] = n
            delta: list[object] = [n]
            cur: dict[object, object] = self.cur[oid]
            self._dict_item(oid, cur, delta, key, new, step, vtoks, i)
            self._add_delta(oid, step, delta)
            self.bytes += 72
            return
        self.check(oid, step, None)


def _named(obj: object) -> Named:
    """Return the `Named` enc of a function, class, module or method."""
    try:
        if isinstance(obj, type):
            return Named("class", "type", f"<class {obj.__qualname__}>")
        if isinstance(obj, types.ModuleType):
            return Named("module", "module", f"<module {obj.__name__}>")
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) \
            or type(obj).__name__
        return Named("function", type(obj).__name__, f"<function {name}>")
    except Exception:
        return Named("function", type(obj).__name__, f"<{type(obj).__name__}>")


def _kid_oids(encs: tuple[object, ...]) -> tuple[int, ...]:
    return tuple([e.oid for e in encs if e.__class__ is Ref])


def _snap_len(snap: tuple[object, ...]) -> int:
    if len(snap) >= 2 and isinstance(snap[1], tuple):
        return len(snap[1]) * (2 if len(snap) == 3 and isinstance(snap[2], tuple) else 1)
    return 1


__all__ = ["ATOM_TYPES", "HOLD_TYPES", "Snapshotter", "UNBOUND"]
