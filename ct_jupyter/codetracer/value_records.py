"""CodeTracer ``ValueRecord`` JSON for the model's encoded values, declaring types as needed.

Values use only shapes both reader versions accept: floats, big ints, complex numbers, bytes
and ranges are ``Raw`` text with a type that says what they are (floats: a ``Float``-kind type),
containers are ``Sequence``/``Tuple`` (dicts as key/value ``Tuple`` pairs), instances are
``Struct``s, enum members ``Variant``s, unrepresentable values ``Error``s. Depth and size are
bounded (`MAX_VALUE_DEPTH`, `MAX_VALUE_NODES`, `MAX_TEXT`). Each new type is declared by
appending a ``Type`` event to the writer's list of pending declarations.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from ..model.encoded import UNBOUND, Cut, Err, Named, Ref
from ..model.trace import Trace
from .json_text import dumps as _dumps
from .json_text import text as _text

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1

#: Nesting levels of one value written at most (serde_json refuses documents nested deeper
#: than 128 levels; one value level costs two JSON levels).
MAX_VALUE_DEPTH = 24
#: Value nodes written at most for one variable at one step.
MAX_VALUE_NODES = 20_000
#: Characters of a string written at most (the recorder's own bound is usually lower).
MAX_TEXT = 100_000

# TypeKind numbers (ct-format.md §1.5)
K_SEQ, K_SET, K_STRUCT, K_INT, K_FLOAT, K_STRING, K_BOOL, K_RAW = 0, 1, 6, 7, 8, 9, 12, 16
K_ENUM, K_ERROR, K_TUPLE, K_NONE, K_ANY = 17, 24, 27, 30, 32

_SEQ_TYPES = {"list": (K_SEQ, "List"), "tuple": (K_TUPLE, "Tuple"), "dict": (K_SEQ, "Dict")}


class ValueRecords:
    """Encodes values of one trace; owns the type table and the encoding caches."""

    def __init__(self, trace: Trace, declare: list[bytes]) -> None:
        self.trace = trace
        self.heap = trace.columns.heap
        self._declare = declare
        self._types: dict[tuple[object, ...], int] = {}
        self._int_cache: dict[object, bytes] = {}
        self._str_cache: dict[object, bytes] = {}
        self._leaf_cache: dict[tuple[int, int], bytes] = {}
        #: value nodes left for the value being written (reset per variable and step)
        self.budget = MAX_VALUE_NODES

    def declare_none(self) -> None:
        """Register type 0, ``None``, which the writer's prologue declares itself."""
        self._types[(K_NONE, "None", "none", None)] = 0

    def type_id(self, kind: int, lang: str, ct_kind: str,
                fields: tuple[str, ...] | None = None) -> int:
        """Return the id of the type, declaring it (a ``Type`` event) the first time."""
        key = (kind, lang, ct_kind, fields)
        tid = self._types.get(key)
        if tid is None:
            any_id = self.type_id(K_ANY, "object", "any") if fields else 0
            tid = len(self._types)
            self._types[key] = tid
            record: dict[str, object] = {"kind": kind, "lang_type": lang}
            if fields is None:
                record["specific_info"] = {"kind": "None"}
            else:
                record["specific_info"] = {"kind": "Struct", "fields": [
                    {"name": f, "type_id": any_id} for f in fields]}
            record["ct_kind"] = ct_kind
            self._declare.append(b'{"Type":' + _dumps(record) + b"}")
        return tid

    def value(self, enc: object, index: int) -> bytes:
        """Return the ValueRecord JSON of ``enc`` as of step ``index`` (declaring its types)."""
        self.budget = MAX_VALUE_NODES
        return self.encode(enc, index, 0, None)

    def encode(self, enc: object, index: int, depth: int, path: set[int] | None) -> bytes:
        """`value` inside a value: at ``depth``, below the objects in ``path`` (cycles)."""
        self.budget -= 1
        cls = enc.__class__
        if cls is int or cls is str:
            cache = self._int_cache if cls is int else self._str_cache
            hit = cache.get(enc)
            if hit is not None:
                return hit
            out = self._atom(enc)
            if cls is int or len(enc) <= 200:  # type: ignore[arg-type]
                if len(cache) >= 4096:
                    cache.clear()
                cache[enc] = out
            return out
        if cls is Ref:
            return self._ref(enc.oid, index, depth, path)  # type: ignore[attr-defined]
        return self._atom(enc)

    def _atom(self, enc: object) -> bytes:
        cls = enc.__class__
        if enc is None:
            return b'{"kind":"None","type_id":0}'
        if cls is bool:
            tid = self.type_id(K_BOOL, "Bool", "bool")
            return b'{"kind":"Bool","b":%s,"type_id":%d}' % (b"true" if enc else b"false", tid)
        if cls is int:
            if I64_MIN <= enc <= I64_MAX:  # type: ignore[operator]
                return b'{"kind":"Int","i":%d,"type_id":%d}' % (enc, self.type_id(K_INT, "Int", "int"))  # type: ignore[str-format]
            return self._raw(_int_text(enc), K_INT, "BigInt", "bigint")  # type: ignore[arg-type]
        if cls is str:
            text: str = enc  # type: ignore[assignment]
            tid = self.type_id(K_STRING, "String", "str")
            if len(text) > MAX_TEXT:
                return (b'{"kind":"String","text":' + _text(text[:MAX_TEXT] + "…")
                        + b',"type_id":%d,"ct_cut":%d}' % (tid, len(text)))
            return b'{"kind":"String","text":' + _text(text) + b',"type_id":%d}' % tid
        if cls is float:
            return self._raw(repr(enc), K_FLOAT, "Float", "float")
        if cls is Cut:
            head = enc.head  # type: ignore[attr-defined]
            length = enc.length  # type: ignore[attr-defined]
            if isinstance(head, str):
                tid = self.type_id(K_STRING, "String", "str")
                return (b'{"kind":"String","text":' + _text(head[:MAX_TEXT] + "…")
                        + b',"type_id":%d,"ct_cut":%d}' % (tid, length))
            tid = self.type_id(K_RAW, "bytes", "bytes")
            return (b'{"kind":"Raw","r":' + _text(repr(head[:MAX_TEXT]) + "…")
                    + b',"type_id":%d,"ct_cut":%d}' % (tid, length))
        if cls is Err:
            return self._error(enc.msg, enc.type_name)  # type: ignore[attr-defined]
        if cls is bytes:
            text = repr(enc)
            if len(text) > MAX_TEXT:
                return self._atom(Cut(enc[: MAX_TEXT // 4], len(enc)))  # type: ignore[index,arg-type]
            return self._raw(text, K_RAW, "bytes", "bytes")
        if cls is complex:
            return self._raw(repr(enc), K_RAW, "complex", "complex")
        if cls is range:
            return self._raw(repr(enc), K_RAW, "range", "range")
        if enc is UNBOUND:
            return self._error("<unbound>", "Unbound")
        if cls is Named:
            tid = self.type_id(K_RAW, enc.type_name or "object", "repr")  # type: ignore[attr-defined]
            return (b'{"kind":"Raw","r":' + _text(enc.text) + b',"type_id":%d,"ct_named":'  # type: ignore[attr-defined]
                    % tid + _text(enc.kind) + b"}")  # type: ignore[attr-defined]
        value = self.trace.decode(enc, 0)
        if value.kind == "enum":
            attrs = dict(value.attrs)
            inner = attrs.get("value")
            member = attrs.get("name")
            contents = (self.encode(inner.py, 0, 1, None) if inner is not None
                        and inner.kind in ("int", "float", "str", "bool", "none")
                        else self._raw(inner.text if inner is not None else "", K_RAW,
                                       inner.type_name if inner is not None else "object", "repr"))
            tid = self.type_id(K_ENUM, value.type_name, "enum")
            name = member.py if member is not None and isinstance(member.py, str) else value.text
            return (b'{"kind":"Variant","discriminator":' + _text(name) + b',"contents":'
                    + contents + b',"type_id":%d}' % tid)
        return self._raw(value.text, K_RAW, value.type_name or "object", "repr")

    def _raw(self, text: str, kind: int, lang: str, ct_kind: str) -> bytes:
        tid = self.type_id(kind, lang, ct_kind)
        return b'{"kind":"Raw","r":' + _text(text) + b',"type_id":%d}' % tid

    def _error(self, msg: str, type_name: str) -> bytes:
        tid = self.type_id(K_ERROR, type_name or "Error", "error")
        return b'{"kind":"Error","msg":' + _text(msg) + b',"type_id":%d}' % tid

    def _ref(self, oid: int, index: int, depth: int, path: set[int] | None) -> bytes:
        heap = self.heap
        if path is not None and oid in path:
            return self._error("<cycle>", "Cycle")
        if depth >= MAX_VALUE_DEPTH:
            return self._error("<depth limit>", "DepthLimit")
        if self.budget <= 0:
            return self._error("<size limit>", "SizeLimit")
        steps = heap.vsteps[oid]
        vidx = -1 if steps is None else bisect_right(steps, index) - 1
        tname = heap.type_names[oid]
        if vidx < 0:
            return self._error(f"<{tname} not captured>", "NotCaptured")
        key = (oid, vidx)
        hit = self._leaf_cache.get(key)
        if hit is not None:
            return hit
        snap = heap.full_version(oid, vidx)
        kind = heap.kinds[oid]
        inner = {oid} if path is None else path | {oid}
        out, leaf = self._container(kind, tname, snap, index, depth + 1, inner)
        if leaf:
            if len(self._leaf_cache) >= 4096:
                self._leaf_cache.clear()
            self._leaf_cache[key] = out
        return out

    def _children(self, encs: tuple[object, ...], index: int, depth: int,
                  path: set[int]) -> tuple[list[bytes], bool]:
        leaf = True
        out: list[bytes] = []
        for e in encs:
            if e.__class__ is Ref:
                leaf = False
            out.append(self.encode(e, index, depth, path))
        return out, leaf

    def _container(self, kind: str, tname: str, snap: tuple[Any, ...], index: int, depth: int,
                   path: set[int]) -> tuple[bytes, bool]:
        if kind == "repr":
            return self._raw(str(snap[0]), K_RAW, tname, "repr"), True
        if kind == "bytearray":
            length, head = snap
            text = f"{tname}({bytes(head)!r})"
            tid = self.type_id(K_RAW, tname, "bytearray")
            extra = b',"ct_cut":%d' % length if length != len(head) else b""
            return b'{"kind":"Raw","r":' + _text(text) + b',"type_id":%d' % tid + extra + b"}", True
        if kind == "object":
            label, names, vals = snap
            fields = tuple(str(n) for n in names)
            tid = self.type_id(K_STRUCT, tname, "object", fields)
            kids, leaf = self._children(vals, index, depth, path)
            extra = b""
            if isinstance(label, Err):
                extra = b',"ct_label_err":' + _dumps([label.type_name, label.msg])
            elif label is not None:
                extra = b',"ct_label":' + _text(str(label))
            return (b'{"kind":"Struct","field_values":[' + b",".join(kids)
                    + b'],"type_id":%d' % tid + extra + b"}"), leaf
        if kind == "dict":
            length, keys, vals = snap
            kind_no, lang = _SEQ_TYPES["dict"] if tname == "dict" else (K_SEQ, tname)
            tid = self.type_id(kind_no, lang, "dict")
            pair = self.type_id(K_TUPLE, "Tuple", "tuple")
            leaf = True
            pairs: list[bytes] = []
            for k, v in zip(keys, vals):
                if k.__class__ is Ref or v.__class__ is Ref:
                    leaf = False
                pairs.append(b'{"kind":"Tuple","elements":[' + self.encode(k, index, depth, path)
                             + b"," + self.encode(v, index, depth, path) + b'],"type_id":%d}' % pair)
            extra = b',"ct_len":%d' % length if length != len(keys) else b""
            return (b'{"kind":"Sequence","elements":[' + b",".join(pairs)
                    + b'],"is_slice":false,"type_id":%d' % tid + extra + b"}"), leaf
        length, items = snap
        kids, leaf = self._children(items, index, depth, path)
        extra = b',"ct_len":%d' % length if length != len(items) else b""
        if kind == "tuple":
            lang = "Tuple" if tname == "tuple" else tname
            tid = self.type_id(K_TUPLE, lang, "tuple")
            return (b'{"kind":"Tuple","elements":[' + b",".join(kids)
                    + b'],"type_id":%d' % tid + extra + b"}"), leaf
        if kind == "list":
            lang = "List" if tname == "list" else tname
            tid = self.type_id(K_SEQ, lang, "list")
        elif kind in ("set", "frozenset"):
            tid = self.type_id(K_SET, tname, kind)
        else:
            tid = self.type_id(K_SEQ, tname, kind)
        return (b'{"kind":"Sequence","elements":[' + b",".join(kids)
                + b'],"is_slice":false,"type_id":%d' % tid + extra + b"}"), leaf

    def probe(self, enc: object, index: int) -> bytes:
        """Encode ``enc`` for a comparison only: types it would declare are not kept."""
        ntypes, npending = len(self._types), len(self._declare)
        try:
            return self.value(enc, index)
        finally:
            if len(self._types) > ntypes:
                while len(self._types) > ntypes:
                    self._types.popitem()
                del self._declare[npending:]
                # cached encodings may name the type ids just given back
                self._int_cache.clear()
                self._str_cache.clear()
                self._leaf_cache.clear()


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # more digits than int->str allows: hex has no such limit
        text = hex(value)
        if len(text) > MAX_TEXT:
            return f"<int with about {int(value.bit_length() * 0.30103) + 1} digits>"
        return text
