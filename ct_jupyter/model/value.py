"""`Value`: the read-side, self-contained picture of one recorded value."""

from __future__ import annotations

from dataclasses import dataclass

#: Value kinds that hold items (`Value.items`).
SEQUENCE_KINDS = frozenset({"list", "tuple", "set", "frozenset", "deque"})


@dataclass(slots=True, unsafe_hash=True)
class Value:
    """A recorded value as the viewer, the exporter and tests see it (read-only by convention).

    Not a frozen dataclass on purpose: frozen construction costs five times as much, and
    viewers and exporters build millions of these.

    Attributes
    ----------
    kind
        ``int``, ``float``, ``complex``, ``bool``, ``none``, ``str``, ``bytes``, ``bytearray``,
        ``list``, ``tuple``, ``set``, ``frozenset``, ``deque``, ``dict``, ``range``, ``object``,
        ``enum``, ``function``, ``class``, ``module``, ``repr`` (a foreign object shown by its
        bounded repr), ``error`` (capture failed), ``ref`` (an object already shown higher up
        in this value, or beyond the depth shown) or ``unbound``.
    type_name
        The Python type's name (``list``, ``Point``, ``Color``…).
    text
        A short one-line rendering (a repr for atoms, a summary for containers).
    oid
        The heap object id for mutable and compound values; two names bound to one object show
        the same ``oid``. None for atoms.
    length
        The full length of str/bytes/containers (also when only a head was kept).
    truncated
        True when items or characters were left out.
    items, entries, attrs
        Children: sequence/set items; dict ``(key, value)`` pairs; object ``(name, value)`` pairs.
    py
        The exact Python value for atoms (int of any size, float incl. nan/inf/-0.0, str, bytes,
        bool, None, complex), for exporters; None otherwise.
    """

    kind: str
    type_name: str
    text: str
    oid: int | None = None
    length: int | None = None
    truncated: bool = False
    items: tuple[Value, ...] = ()
    entries: tuple[tuple[Value, Value], ...] = ()
    attrs: tuple[tuple[str, Value], ...] = ()
    py: object = None

    def to_json(self) -> dict[str, object]:
        """Return a JSON-able dict (atoms keep their text; children nest)."""
        out: dict[str, object] = {"kind": self.kind, "type": self.type_name, "text": self.text}
        if self.oid is not None:
            out["oid"] = self.oid
        if self.length is not None:
            out["length"] = self.length
        if self.truncated:
            out["truncated"] = True
        if self.items:
            out["items"] = [v.to_json() for v in self.items]
        if self.entries:
            out["entries"] = [[k.to_json(), v.to_json()] for k, v in self.entries]
        if self.attrs:
            out["attrs"] = [[n, v.to_json()] for n, v in self.attrs]
        return out

    def plain(self) -> object:
        """Return a plain-Python approximation (lists, dicts, atoms) for tests and scripts."""
        if self.kind in ("int", "float", "complex", "bool", "none", "bytes") and not self.truncated:
            return self.py
        if self.kind == "str":
            return self.py if not self.truncated else self.text
        if self.kind in ("list", "deque"):
            return [v.plain() for v in self.items]
        if self.kind == "tuple":
            return tuple(v.plain() for v in self.items)
        if self.kind in ("set", "frozenset"):
            return {"<set>": sorted(repr(v.plain()) for v in self.items)}
        if self.kind == "dict":
            return {_key(k.plain()): v.plain() for k, v in self.entries}
        if self.kind == "object":
            return {"<" + self.type_name + ">": {n: v.plain() for n, v in self.attrs}}
        return self.text


def _key(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


UNBOUND_VALUE = Value("unbound", "", "<unbound>")
