"""Read an object's contents and its class without running the program's code.

Every read goes through the C implementation of the base type or a member/getset descriptor
found in the class's own ``__dict__`` along its MRO — never ``getattr``, a property, a
metaclass or a user ``__repr__`` — so the recorder observes an object and calls none of the
program's code (see the README's *What recording never changes*).
"""

from __future__ import annotations

import types
from typing import Any

_MISSING = object()
_mro_of = type.__dict__["__mro__"].__get__
_dict_of = type.__dict__["__dict__"].__get__

_LABEL_ATOMS = frozenset({str, int, float, bool, type(None), bytes, complex})


def exception_label(obj: object) -> str | None:
    """``ValueError('x')`` for an exception whose repr is CPython's and whose args are atoms."""
    if not isinstance(obj, BaseException):
        return None
    rep = class_attrs(type(obj)).get("__repr__")
    args = obj.args
    if type(rep) is not types.WrapperDescriptorType or type(args) is not tuple \
            or not all(type(a) in _LABEL_ATOMS for a in args):
        return None
    try:
        return rep.__get__(obj)()[:10_000]
    except Exception:
        return None


def class_attrs(t: type) -> dict[str, object]:
    """Return the attributes defined along ``t``'s MRO (no metaclass code runs)."""
    out: dict[str, object] = {}
    for klass in reversed(_mro_of(t)):
        out.update(_dict_of(klass))
    return out


def class_attr(t: type, name: str) -> object:
    """Look ``name`` up along ``t``'s MRO without running a metaclass's code (None if absent)."""
    for klass in _mro_of(t):
        ns = _dict_of(klass)
        if name in ns:
            return ns[name]
    return None


def class_module(t: type) -> str:
    """Return the ``__module__`` a class defines for itself ("" when it is not a string)."""
    mod = _dict_of(t).get("__module__", "")
    return mod if type(mod) is str else ""


_SLOTS: dict[type, tuple[tuple[str, object], ...]] = {}
_DICT_DESC: dict[type, object] = {}


def slot_descriptors(t: type) -> tuple[tuple[str, object], ...]:
    """Return the (name, member descriptor) pairs of every ``__slots__`` entry of ``t`` (cached)."""
    hit = _SLOTS.get(t)
    if hit is not None:
        return hit
    out: list[tuple[str, object]] = []
    seen: set[str] = set()
    for klass in _mro_of(t):
        ns = _dict_of(klass)
        slots = ns.get("__slots__")
        if not slots:
            continue
        for slot in (slots,) if type(slots) is str else tuple(slots) if type(slots) in (tuple, list) else ():
            if type(slot) is not str or slot in ("__dict__", "__weakref__") or slot in seen:
                continue
            desc = ns.get(slot)
            if type(desc) is types.MemberDescriptorType:  # C: reading it runs no user code
                seen.add(slot)
                out.append((slot, desc))
    _SLOTS[t] = result = tuple(out)
    return result


def dict_descriptor(t: type) -> object | None:
    """Return the C ``__dict__`` descriptor of ``t``'s instances, or None (cached per type)."""
    desc = _DICT_DESC.get(t, _MISSING)
    if desc is _MISSING:
        desc = None
        for klass in _mro_of(t):
            found = _dict_of(klass).get("__dict__")
            if found is not None:
                desc = found if type(found) is types.GetSetDescriptorType else None
                break
        _DICT_DESC[t] = desc
    return desc


def plain_dict_descriptor(t: type) -> object | None:
    """Return the descriptor `plain_dict` reads instances of ``t`` through, or None when it
    returns None for all of them (slots, a namedtuple, no C ``__dict__``)."""
    if slot_descriptors(t) or (issubclass(t, tuple) and is_namedtuple(t)):
        return None
    return dict_descriptor(t)


def instance_dict(obj: object) -> dict[str, object] | None:
    """Return ``obj.__dict__`` through the C descriptor (a ``__dict__`` property is not run)."""
    t = type(obj)
    desc = dict_descriptor(t)
    if desc is None:
        return None
    try:
        d = desc.__get__(obj, t)  # type: ignore[attr-defined]
    except Exception:
        return None
    return d if type(d) is dict else None


def is_namedtuple(t: type) -> bool:
    """True for a tuple subclass with ``_fields`` (a namedtuple), read from the class."""
    return issubclass(t, tuple) and "_fields" in class_attrs(t)


def plain_dict(obj: object) -> dict[str, object] | None:
    """Return the instance ``__dict__`` when it is all there is to the object's attributes."""
    t = type(obj)
    if slot_descriptors(t) or (issubclass(t, tuple) and is_namedtuple(t)):
        return None
    return instance_dict(obj)


def attributes(obj: Any) -> tuple[list[str], list[object]]:
    """Return an instance's attribute names and values without running user code."""
    t = type(obj)
    vals: list[object]
    if issubclass(t, tuple) and is_namedtuple(t):
        fields = class_attrs(t)["_fields"]
        vals = list(tuple.__iter__(obj))
        labels = list(fields) if type(fields) is tuple else [f"[{i}]" for i in range(len(vals))]
        return [n if type(n) is str else "?" for n in labels][: len(vals)], vals
    plain = plain_dict(obj)
    if plain is not None:
        return list(plain), list(plain.values())
    names: list[str] = []
    vals = []
    d = instance_dict(obj)
    if d is not None:
        for k, v in dict.items(d):
            if type(k) is str:
                names.append(k)
                vals.append(v)
    for slot, desc in slot_descriptors(t):
        if slot in names:
            continue
        try:
            value = desc.__get__(obj, t)  # type: ignore[attr-defined]
        except Exception:
            continue
        names.append(slot)
        vals.append(value)
    return names, vals
