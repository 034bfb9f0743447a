"""The compact forms values take inside a trace while it is recorded and stored.

A stored value ("enc") is either an immutable Python atom kept by reference (int, float, str,
bytes, bool, None, complex, range, functions, classes, modules, enum members) or one of the
small marker objects below: `Ref` (a heap object, see `model.heap`), `Cut` (a long string or
bytes cut to its head), `Err` (a value that could not be captured), `Named` (a function,
class or module, by name) or `UNBOUND`.
"""

from __future__ import annotations


class Ref:
    """A reference to heap object ``oid``; one instance per object, so refs compare by identity."""

    __slots__ = ("oid",)

    def __init__(self, oid: int) -> None:
        self.oid = oid

    def __repr__(self) -> str:
        return f"Ref({self.oid})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other.oid == self.oid

    def __hash__(self) -> int:
        return hash(("Ref", self.oid))


class Cut:
    """The head of a long str or bytes value, with its full length."""

    __slots__ = ("head", "length")

    def __init__(self, head: str | bytes, length: int) -> None:
        self.head = head
        self.length = length

    def __repr__(self) -> str:
        return f"Cut({self.head!r}, {self.length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cut) and (other.head, other.length) == (self.head, self.length)

    def __hash__(self) -> int:
        return hash((self.head, self.length))


class Err:
    """A placeholder for a value whose capture failed (raising, slow or recursive repr)."""

    __slots__ = ("type_name", "msg")

    def __init__(self, type_name: str, msg: str) -> None:
        self.type_name = type_name
        self.msg = msg

    def __repr__(self) -> str:
        return f"Err({self.type_name!r}, {self.msg!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Err) and (other.type_name, other.msg) == (self.type_name, self.msg)

    def __hash__(self) -> int:
        return hash((self.type_name, self.msg))


class Named:
    """A function, class, module or other code-like object, kept as its name only.

    Holding the object itself would keep the user's functions (and what their closures and
    globals reach) alive for as long as the trace lives.
    """

    __slots__ = ("kind", "type_name", "text")

    def __init__(self, kind: str, type_name: str, text: str) -> None:
        self.kind = kind
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return f"Named({self.kind!r}, {self.type_name!r}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Named) and (other.kind, other.text) == (self.kind, self.text)

    def __hash__(self) -> int:
        return hash((self.kind, self.text))


class _Unbound:
    """The marker for a variable that is not bound (deleted, or not yet assigned)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNBOUND"


UNBOUND = _Unbound()
