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
import dataclasses
import enum
import operator
import signal
import threading
import types
from collections.abc import Callable
from contextlib import AbstractContextManager
from itertools import compress, count, islice

from ..model.encoded import UNBOUND, Cut, Err, Named, Ref
from ..model.heap import KEYFRAME, Heap
from ..options import TraceOptions

_is = operator.is_
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


class _ReprTimeout(Exception):
    pass


def _raise_timeout(signum: int, frame: object) -> None:
    raise _ReprTimeout()


class Snapshotter:
    """Encodes live values into a `Heap`, and detects in-place changes of what it encoded."""

    def __init__(self, heap: Heap, options: TraceOptions,
                 is_user_module: Callable[[str], bool] = lambda m: m == "__main__") -> None:
        self.heap = heap
        self.max_items = options.max_items
        self.max_str = options.max_str
        self.max_depth = options.max_depth
        self.repr_timeout = options.repr_timeout
        self.is_user_module = is_user_module
        self.ids: dict[int, int] = {}
        self.refs: list[Ref] = []
        self.objs: list[object] = []
        self.raw: list[object] = []
        self.kids: list[tuple[int, ...]] = []
        # the current snapshot items of lists (a list of encs) and dicts (a dict of encs),
        # kept up to date by deltas, so a keyframe costs one copy and no replay
        self.cur: list[object] = []
        self.since_full: list[int] = []
        self._kinds: dict[type, str] = {}
        self._bad_repr: set[type] = set()
        self._wants_label: dict[type, bool] = {}
        self._main_thread = threading.main_thread()
        self.bytes = 0
        #: set by the session to IO capture's ``silenced``: output that a user ``__repr__``
        #: prints while we snapshot would not exist without recording, so it is not shown
        self.silence: Callable[[], AbstractContextManager[object]] | None = None

    def release(self) -> None:
        """Drop every reference to live objects (called when recording ends)."""
        self.ids.clear()
        self.objs.clear()
        self.raw.clear()
        self.kids.clear()

    # -- encoding -------------------------------------------------------------------------
    def encode(self, obj: object, step: int, depth: int = 0) -> object:
        """Return the enc of ``obj``, capturing a first snapshot of a new heap object at ``step``."""
        t = type(obj)
        if t in ATOM_TYPES:
            return obj
        if t is str:
            return obj if len(obj) <= self.max_str else Cut(obj[: self.max_str], len(obj))  # type: ignore[arg-type,index]
        if t is bytes:
            return obj if len(obj) <= self.max_str else Cut(obj[: self.max_str], len(obj))  # type: ignore[arg-type,index]
        oid = self.ids.get(id(obj))
        if oid is not None:
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
            text = str.__str__(obj)  # type: ignore[arg-type]
            return text if len(text) <= self.max_str else Cut(text[: self.max_str], len(text))
        oid = self.heap.new_object(kind, t.__name__)
        self.ids[id(obj)] = oid
        ref = Ref(oid)
        self.refs.append(ref)
        self.objs.append(obj)
        self.raw.append(None)
        self.kids.append(())
        self.cur.append(None)
        self.since_full.append(0)
        if depth < self.max_depth:
            self._capture(oid, obj, step, depth)
        return ref

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
        if issubclass(t, tuple) and hasattr(t, "_fields"):
            return "object"
        if dataclasses.is_dataclass(t):
            return "object"
        user = self.is_user_module(getattr(t, "__module__", "") or "")
        if issubclass(t, dict):
            return "dict"
        for base, kind in _SEQ.items():
            if issubclass(t, base):
                return kind
        if issubclass(t, str):
            return "str"
        if user and (hasattr(t, "__dict__") or hasattr(t, "__slots__")):
            return "object"
        return "repr"

    def _capture(self, oid: int, obj: object, step: int, depth: int) -> None:
        kind = self.heap.kinds[oid]
        try:
            snap, raw, kids = self._snapshot(kind, obj, step, depth + 1)
        except Exception as exc:  # a hostile object (its __len__/__iter__ raised): a placeholder
            text = f"<{type(obj).__name__}: {_describe(exc)}>"
            snap, raw, kids = (text,), text, ()
            kind = self.heap.kinds[oid] = "repr"
        self.raw[oid] = raw
        self.kids[oid] = kids
        if kind == "list" or kind == "deque":
            self.cur[oid] = list(snap[1])  # type: ignore[arg-type]
        elif kind == "dict" or kind == "object":
            self.cur[oid] = dict(zip(snap[1], snap[2]))  # type: ignore[call-overload]
        self.since_full[oid] = 0
        self.heap.add_version(oid, step, snap)
        self.bytes += 64 + 8 * _snap_len(snap)

    def _snapshot(self, kind: str, obj: object, step: int, depth: int
                  ) -> tuple[tuple[object, ...], object, tuple[int, ...]]:
        enc = self.encode
        if kind in ("list", "deque", "tuple", "frozenset", "set"):
            n = len(obj)  # type: ignore[arg-type]
            head = obj if n <= self.max_items else islice(obj, self.max_items)  # type: ignore[call-overload]
            encs = tuple([enc(x, step, depth) for x in head])  # type: ignore[union-attr]
            if kind == "set":
                raw: object = set(obj)  # type: ignore[call-overload]
            elif kind in ("list", "deque"):
                raw = list(obj)  # type: ignore[call-overload]
            else:
                raw = obj
            return (n, encs), raw, _kid_oids(encs)
        if kind == "dict":
            d: dict[object, object] = obj  # type: ignore[assignment]
            n = len(d)
            keys = list(d)
            vals = list(d.values())
            kk = keys if n <= self.max_items else keys[: self.max_items]
            vv = vals if n <= self.max_items else vals[: self.max_items]
            kenc = tuple([enc(k, step, depth) for k in kk])
            venc = tuple([enc(v, step, depth) for v in vv])
            return (n, kenc, venc), dict(d), _kid_oids(kenc + venc)
        if kind == "object":
            names, vals = _attributes(obj)
            label = self._label(obj)
            venc = tuple([enc(v, step, depth) for v in vals[: self.max_items]])
            return (label, tuple(names[: self.max_items]), venc), (names, vals), _kid_oids(venc)
        if kind == "bytearray":
            b: bytearray = obj  # type: ignore[assignment]
            return (len(b), bytes(b[: self.max_str])), bytes(b), ()
        text = self.safe_repr(obj)
        return (text,), text, ()

    def _label(self, obj: object) -> object:
        t = type(obj)
        wants = self._wants_label.get(t)
        if wants is None:
            wants = self._wants_label[t] = self._label_wanted(t)
        if not wants:
            return None
        text = self.safe_repr(obj)
        if text.startswith("<error"):
            return Err(t.__name__, text)
        return text

    @staticmethod
    def _label_wanted(t: type) -> bool:
        """Return True when instances of ``t`` have a repr of their own worth showing."""
        rep = getattr(t, "__repr__", object.__repr__)
        if rep is object.__repr__ or (hasattr(t, "_fields") and issubclass(t, tuple)):
            return False
        params = getattr(t, "__dataclass_params__", None)
        if params is not None and "__create_fn__" in getattr(rep, "__qualname__", ""):
            return False
        if params is not None and getattr(rep, "__module__", None) == "dataclasses":
            return False
        return True

    def safe_repr(self, obj: object) -> str:
        """Return a bounded repr of ``obj``; never raises, never waits past the repr budget."""
        t = type(obj)
        if t in self._bad_repr:
            return f"<{t.__name__} object (repr failed before)>"
        use_timer = (threading.current_thread() is self._main_thread
                     and hasattr(signal, "setitimer")
                     and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None))
        old = None
        try:
            if use_timer:
                old = signal.signal(signal.SIGALRM, _raise_timeout)
                signal.setitimer(signal.ITIMER_REAL, self.repr_timeout)
            try:
                if self.silence is not None:
                    with self.silence():
                        text = repr(obj)
                else:
                    text = repr(obj)
            finally:
                if use_timer:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, old if old is not None else signal.SIG_DFL)
            if not isinstance(text, str):
                raise TypeError("__repr__ returned non-string")
        except _ReprTimeout:
            self._bad_repr.add(t)
            return f"<error: repr of {t.__name__} took longer than {self.repr_timeout}s>"
        except RecursionError:
            self._bad_repr.add(t)
            return f"<error: repr of {t.__name__} recursed too deeply>"
        except Exception as exc:
            # not remembered: a repr that fails half-way through __init__ works afterwards
            return f"<error: repr of {t.__name__} raised {_describe(exc)}>"
        if len(text) > self.max_str:
            text = text[: self.max_str] + "…"
        return text

    # -- change detection -----------------------------------------------------------------
    def check_value(self, obj: object, step: int) -> None:
        """Re-check the heap object behind ``obj`` (if it is one) for in-place changes."""
        if type(obj) in ATOM_TYPES:
            return
        oid = self.ids.get(id(obj))
        if oid is not None and self.objs[oid] is obj:
            self.check(oid, step, None)

    def check(self, oid: int, step: int, seen: set[int] | None) -> None:
        """Store a new version of object ``oid`` at ``step`` if it changed; recurse into children.

        A container subclass whose ``__len__``/``__iter__`` raises becomes a placeholder.
        """
        try:
            self._check(oid, step, seen)
        except Exception as exc:
            obj = self.objs[oid]
            text = f"<{type(obj).__name__}: {_describe(exc)}>"
            self.heap.kinds[oid] = "repr"
            self.raw[oid] = text
            self.kids[oid] = ()
            self.heap.add_version(oid, step, (text,))

    def _check(self, oid: int, step: int, seen: set[int] | None) -> None:
        raw = self.raw[oid]
        if raw is None:
            return
        obj = self.objs[oid]
        kind = self.heap.kinds[oid]
        if kind == "list" or kind == "deque":
            if len(obj) != len(raw) or not all(map(_is, obj, raw)):  # type: ignore[arg-type,call-overload]
                self._list_changed(oid, obj, raw, step)  # type: ignore[arg-type]
        elif kind == "dict":
            if len(obj) != len(raw) or not all(map(_is, obj.values(), raw.values())) \
                    or not all(map(_is, obj, raw)):  # type: ignore[attr-defined,arg-type]
                self._dict_changed(oid, obj, raw, step)  # type: ignore[arg-type]
        elif kind == "object":
            names, vals = raw  # type: ignore[misc]
            d = _plain_dict(obj)
            if d is not None:
                if len(d) != len(vals) or not all(map(_is, d.values(), vals)) \
                        or not all(map(_is, d, names)):
                    self._recapture(oid, obj, step)
            else:
                try:
                    new_names, new_vals = _attributes(obj)
                except Exception:
                    new_names, new_vals = names, vals
                if len(new_vals) != len(vals) or not all(map(_is, new_vals, vals)) \
                        or new_names != names:
                    self._recapture(oid, obj, step)
        elif kind == "set":
            if len(obj) != len(raw) or obj != raw:  # type: ignore[arg-type]
                self._recapture(oid, obj, step)
        elif kind == "repr":
            if type(obj) not in self._bad_repr and self.safe_repr(obj) != raw:
                self._recapture(oid, obj, step)
        elif kind == "bytearray":
            if obj != raw:
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
        self._capture(oid, obj, step, 0)

    def _list_changed(self, oid: int, obj: list[object], raw: list[object], step: int) -> None:
        n_new, n_old = len(obj), len(raw)
        idxs = list(compress(count(), map(_is_not, obj, raw)))
        if n_new > n_old:
            idxs.extend(range(n_old, min(n_new, self.max_items)))
        limit = self.max_items
        if len(idxs) * 4 > min(n_new, limit) + 8 or self.heap.versions_count(oid) == 0:
            self._recapture(oid, obj, step)
            return
        delta: list[object] = [n_new]
        has_ref = False
        cur: list[object] = self.cur[oid]  # type: ignore[assignment]
        for i in idxs:
            if i >= limit:
                break
            e = self.encode(obj[i], step, 1)
            if e.__class__ is Ref:
                has_ref = True
            delta.append(i)
            delta.append(e)
            if i < len(cur):
                cur[i] = e
            elif i == len(cur):
                cur.append(e)
        if n_new < len(cur):
            del cur[n_new:]
        self.raw[oid] = list(obj)
        if has_ref or self.kids[oid]:
            head = obj if n_new <= limit else obj[:limit]
            self.kids[oid] = tuple(self.ids[id(x)] for x in head
                                   if type(x) not in ATOM_TYPES and id(x) in self.ids
                                   and self.raw[self.ids[id(x)]] is not None)
        self._add_delta(oid, step, delta)
        self.bytes += 48 + 16 * len(idxs)

    def _add_delta(self, oid: int, step: int, delta: list[object]) -> None:
        count_ = self.since_full[oid] + 1
        if count_ >= KEYFRAME:
            cur = self.cur[oid]
            if isinstance(cur, dict):  # dict (length, keys, values) or object (label, names, values)
                full: tuple[object, ...] = (delta[0], tuple(cur), tuple(cur.values()))
            else:
                full = (delta[0], tuple(cur))  # type: ignore[arg-type]
            self.heap.add_version(oid, step, full)
            self.since_full[oid] = 0
            self.bytes += 8 * _snap_len(full)
        else:
            self.heap.add_version(oid, step, delta)
            self.since_full[oid] = count_

    def _dict_changed(self, oid: int, obj: dict[object, object], raw: dict[object, object],
                      step: int) -> None:
        n_new, n_old = len(obj), len(raw)
        if n_new < n_old or not all(map(_is, obj, raw)) or self.heap.versions_count(oid) == 0:
            self._recapture(oid, obj, step)
            return
        idxs = list(compress(count(), map(_is_not, obj.values(), raw.values())))
        idxs.extend(range(n_old, n_new))
        if len(idxs) * 4 > min(n_new, self.max_items) + 8:
            self._recapture(oid, obj, step)
            return
        new_keys = list(obj)
        delta: list[object] = [n_new]
        cur: dict[object, object] = self.cur[oid]  # type: ignore[assignment]
        for i in idxs:
            key = new_keys[i]
            value = obj[key]
            raw[key] = value
            if i < self.max_items:  # entries past the shown head only count in the length
                self._dict_item(oid, cur, delta, key, value, step)
        self._add_delta(oid, step, delta)
        self.bytes += 48 + 24 * len(idxs)

    def _dict_item(self, oid: int, cur: dict[object, object], delta: list[object],
                   key: object, value: object, step: int) -> None:
        k = self.encode(key, step, 1)
        v = UNBOUND if value is _MISSING else self.encode(value, step, 1)
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
        if oid is None or self.objs[oid] is not obj or self.raw[oid] is None:
            return -1
        return oid

    def _adopt_kid(self, oid: int, enc: object) -> None:
        """Make a newly stored child enc of ``oid`` part of its in-place re-checks."""
        if enc.__class__ is Ref and enc.oid not in self.kids[oid]:  # type: ignore[attr-defined]
            kids = self.kids[oid] + (enc.oid,)  # type: ignore[attr-defined]
            cur = self.cur[oid]
            if cur is not None and len(kids) > 2 * len(cur) + 16:  # type: ignore[arg-type]
                # Replaced children pile up (`d[k] = [i]` in a loop): rebuild from what the
                # container holds now, so the list, and every re-check, stays O(len) — amortised.
                encs = tuple(cur.values()) if isinstance(cur, dict) else tuple(cur)  # type: ignore[arg-type]
                keys = tuple(cur) if isinstance(cur, dict) else ()
                kids = tuple(dict.fromkeys(_kid_oids(keys + encs)))
            self.kids[oid] = kids

    def check_tail(self, obj: object, step: int) -> None:
        """Re-check a list after ``append``/``extend``: only new items at its end."""
        oid = self._tracked(obj)
        if oid < 0:
            return
        raw = self.raw[oid]
        n, old = len(obj), len(raw)  # type: ignore[arg-type]
        if n < old or self.heap.kinds[oid] != "list":
            self.check(oid, step, None)
            return
        if n == old:
            return
        delta: list[object] = [n]
        cur: list[object] = self.cur[oid]  # type: ignore[assignment]
        new_kids: list[int] = []
        limit = self.max_items
        for i in range(old, n):
            item = obj[i]  # type: ignore[index]
            raw.append(item)  # type: ignore[attr-defined]
            if i < limit:  # items past the shown head only count in the length
                e = self.encode(item, step, 1)
                cur.append(e)
                delta.append(i)
                delta.append(e)
                if e.__class__ is Ref:
                    new_kids.append(e.oid)  # type: ignore[attr-defined]
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
        d = _plain_dict(obj)
        t = type(obj)
        if self.heap.kinds[oid] != "object" or d is None or self._wants_label.get(t, True):
            self.check(oid, step, None)
            return
        names, vals = raw  # type: ignore[misc]
        new = d.get(name, _MISSING)
        try:
            idx = names.index(name)
        except ValueError:
            idx = -1
        if new is _MISSING or len(d) != len(names) + (idx < 0):
            self.check(oid, step, None)
            return
        if idx >= 0:
            if new is vals[idx]:
                if inplace:
                    self.check_value(new, step)
                return
            vals[idx] = new
        else:
            names.append(name)
            vals.append(new)
        if (idx if idx >= 0 else len(names) - 1) >= self.max_items:
            return
        e = self.encode(new, step, 1)
        cur: dict[str, object] = self.cur[oid]  # type: ignore[assignment]
        cur[name] = e
        self._adopt_kid(oid, e)
        self._add_delta(oid, step, [None, name, e])
        self.bytes += 64

    def check_item(self, container: object, key: object, step: int, inplace: bool) -> None:
        """Re-check one item of a tracked list or dict after ``container[key] = …``."""
        oid = self._tracked(container)
        if oid < 0:
            return
        raw = self.raw[oid]
        t = type(container)
        if t is list and type(key) is int and self.heap.kinds[oid] == "list":
            n = len(container)  # type: ignore[arg-type]
            if n != len(raw):  # type: ignore[arg-type]
                self.check(oid, step, None)
                return
            k = key + n if key < 0 else key
            if not 0 <= k < n:
                return
            new = container[k]  # type: ignore[index]
            if new is not raw[k] and k >= self.max_items:
                raw[k] = new  # type: ignore[index]  # past the shown head: nothing to store
            elif new is not raw[k]:  # type: ignore[index]
                raw[k] = new  # type: ignore[index]
                e = self.encode(new, step, 1)
                self.cur[oid][k] = e  # type: ignore[index]
                self._adopt_kid(oid, e)
                self._add_delta(oid, step, [n, k, e])
                self.bytes += 64
            elif inplace:
                self.check_value(new, step)
            return
        if t is dict and self.heap.kinds[oid] == "dict" and type(key) in _KEY_ATOMS:
            try:
                new = container.get(key, _MISSING)  # type: ignore[attr-defined]
                old = raw.get(key, _MISSING)  # type: ignore[attr-defined]
            except Exception:  # unhashable key: the store itself raised
                return
            if new is old:
                if inplace:
                    self.check_value(new, step)
                return
            n = len(container)  # type: ignore[arg-type]
            expected = len(raw) + (old is _MISSING) - (new is _MISSING)  # type: ignore[arg-type]
            if n != expected:
                self.check(oid, step, None)
                return
            if new is _MISSING:
                del raw[key]  # type: ignore[attr-defined]
            else:
                raw[key] = new  # type: ignore[index]
            delta: list[object] = [n]
            cur: dict[object, object] = self.cur[oid]  # type: ignore[assignment]
            shown = (old is not _MISSING and self.encode(key, step, 1) in cur) or \
                (old is _MISSING and len(cur) < self.max_items)
            if shown:
                self._dict_item(oid, cur, delta, key, new, step)
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
    return tuple([e.oid for e in encs if e.__class__ is Ref])  # type: ignore[attr-defined]


_SLOTS: dict[type, tuple[tuple[str, object], ...]] = {}


def _slot_descriptors(t: type) -> tuple[tuple[str, object], ...]:
    """Return the (name, descriptor) pairs of every ``__slots__`` entry of ``t`` (cached)."""
    hit = _SLOTS.get(t)
    if hit is not None:
        return hit
    out: list[tuple[str, object]] = []
    seen: set[str] = set()
    for klass in t.__mro__:
        slots = klass.__dict__.get("__slots__")
        if not slots:
            continue
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot in ("__dict__", "__weakref__") or slot in seen:
                continue
            desc = klass.__dict__.get(slot)
            if desc is not None and hasattr(desc, "__get__"):
                seen.add(slot)
                out.append((slot, desc))
    _SLOTS[t] = result = tuple(out)
    return result


def _plain_dict(obj: object) -> dict[str, object] | None:
    """Return the instance ``__dict__`` when it is all there is to the object's attributes."""
    t = type(obj)
    if _slot_descriptors(t) or (issubclass(t, tuple) and hasattr(t, "_fields")):
        return None
    try:
        d = object.__getattribute__(obj, "__dict__")
    except Exception:
        return None
    return d if type(d) is dict else None


def _snap_len(snap: tuple[object, ...]) -> int:
    if len(snap) >= 2 and isinstance(snap[1], tuple):
        return len(snap[1]) * (2 if len(snap) == 3 and isinstance(snap[2], tuple) else 1)
    return 1


def _attributes(obj: object) -> tuple[list[str], list[object]]:
    """Return an instance's attribute names and values without running user code."""
    t = type(obj)
    if issubclass(t, tuple) and hasattr(t, "_fields"):
        return list(t._fields), list(obj)  # type: ignore[attr-defined,call-overload]
    plain = _plain_dict(obj)
    if plain is not None:
        return list(plain), list(plain.values())
    names: list[str] = []
    vals: list[object] = []
    try:
        d = object.__getattribute__(obj, "__dict__")
    except Exception:
        d = None
    if isinstance(d, dict):
        for k, v in d.items():
            if isinstance(k, str):
                names.append(k)
                vals.append(v)
    for slot, desc in _slot_descriptors(t):
        if slot in names:
            continue
        try:
            value = desc.__get__(obj, t)  # type: ignore[attr-defined]
        except Exception:
            continue
        names.append(slot)
        vals.append(value)
    return names, vals


def _describe(exc: BaseException) -> str:
    try:
        msg = str(exc)
    except Exception:
        msg = ""
    name = type(exc).__name__
    return f"{name}: {msg[:200]}" if msg else name


__all__ = ["ATOM_TYPES", "Snapshotter", "UNBOUND"]
