"""Streamed writer of CodeTracer JSON trace folders (``trace.json`` and its sidecars).

The event stream follows what the CodeTracer Python recorder 0.3.0 writes (see
``ct-format.md``): the prologue ``Path`` / ``Function <toplevel>`` / ``Call`` / ``Type None``;
for every activation the argument ``Value``s, a ``Step`` at the ``def`` line and the ``Call``;
per executed line a ``Step`` followed by the ``Value`` of every variable visible in that frame
and the IO ``Event``s written during it; a ``Return`` for every call, yield or unwind, and a
last ``Return`` closing ``<toplevel>`` with the exit status. Ids are positions: paths, functions,
types and variable names are interned and declared the first time they are used.

Values use only shapes both reader versions accept: floats, big ints, complex numbers, bytes
and ranges are ``Raw`` text with a type that says what they are (floats: a ``Float``-kind type),
containers are ``Sequence``/``Tuple`` (dicts as key/value ``Tuple`` pairs), instances are
``Struct``s, enum members ``Variant``s, unrepresentable values ``Error``s. Depth and size are
bounded. Keys starting with ``ct_`` carry what CodeTracer has no field for (a string's full
length, a frame's end kind, exceptions); readers ignore unknown keys, and `ct_jupyter.load`
uses them to rebuild the trace exactly.

Nothing is built in memory beyond the interning tables: every event is encoded with orjson
and written as soon as it is known.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from typing import IO, Any

import orjson

from ..model.builder import FunctionInfo
from ..model.encoded import UNBOUND, Cut, Err, Named, Ref
from ..model.trace import Trace

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

#: EventLogKind per stream
STREAM_KIND = {"stdout": 0, "stderr": 2, "stdin": 3}

_HIDDEN_NAMES = frozenset({"__builtins__"})
_SEQ_TYPES = {"list": (K_SEQ, "List"), "tuple": (K_TUPLE, "Tuple"), "dict": (K_SEQ, "Dict")}


def _dumps(obj: object) -> bytes:
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        return orjson.dumps(obj, default=_fallback_json)


def _fallback_json(obj: object) -> object:
    return str(obj)


def _text(value: str) -> bytes:
    """Return ``value`` as a JSON string, lone surrogates replaced (the output is valid UTF-8)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        fixed = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return orjson.dumps(fixed)


def exit_status(trace: Trace, exit_code: int | None) -> tuple[int | None, str | None]:
    """Return the ``(code, label)`` of the run: the explicit code, the recorded one, or the outcome."""
    if exit_code is not None:
        code = int(exit_code)
        return (code, None) if I64_MIN <= code <= I64_MAX else (1, None)
    meta_code = trace.meta.get("exit_code")
    if isinstance(meta_code, int) and not isinstance(meta_code, bool):
        return meta_code, None
    label = trace.meta.get("exit_label")
    if isinstance(label, str):
        return None, label
    outcome = trace.outcome
    if outcome is None:
        return None, "<exit>"
    if outcome.status == "returned":
        return 0, None
    if outcome.exc_type == "SystemExit":
        msg = (outcome.exc_message or "").strip()
        if msg in ("", "None"):
            return 0, None
        try:
            return int(msg), None
        except ValueError:
            return 1, None
    return 1, None


class _Signatures:
    """Finds the parameter names of a function from its source (the model does not store them)."""

    def __init__(self, trace: Trace) -> None:
        self._sources = trace.sources
        self._paths = trace.paths
        self._by_path: dict[int, dict[tuple[int, str], tuple[str, ...] | None]] = {}

    def args(self, func: FunctionInfo) -> tuple[str, ...] | None:
        """Return the parameter names in ``co_varnames`` order; None when unknown."""
        if func.is_module:
            return ()
        table = self._by_path.get(func.path_id)
        if table is None:
            table = self._by_path[func.path_id] = self._index(func.path_id)
        return table.get((func.line, func.name))

    def _index(self, path_id: int) -> dict[tuple[int, str], tuple[str, ...] | None]:
        source = self._sources.get(self._paths[path_id]) if path_id < len(self._paths) else None
        table: dict[tuple[int, str], tuple[str, ...] | None] = {}
        if not source:
            return table
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return table
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                a = node.args
                names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
                if a.vararg is not None:
                    names.append(a.vararg.arg)
                if a.kwarg is not None:
                    names.append(a.kwarg.arg)
                if isinstance(node, ast.Lambda):
                    key = (node.lineno, "<lambda>")
                else:
                    decos = [d.lineno for d in node.decorator_list]
                    key = (min([node.lineno, *decos]), node.name)
                # two lambdas on one line are ambiguous: fall back to the frame's variables
                table[key] = None if key in table else tuple(names)
            elif isinstance(node, ast.ClassDef):
                decos = [d.lineno for d in node.decorator_list]
                table[(min([node.lineno, *decos]), node.name)] = ()
            elif isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
                name = {ast.GeneratorExp: "<genexpr>", ast.ListComp: "<listcomp>",
                        ast.SetComp: "<setcomp>", ast.DictComp: "<dictcomp>"}[type(node)]
                table[(node.lineno, name)] = ()
        return table


class CodeTracerWriter:
    """Writes one trace as a CodeTracer event stream, event by event, into a binary file."""

    def __init__(self, trace: Trace, out: IO[bytes], *, paths: dict[str, str],
                 exit_code: int | None = None) -> None:
        self.trace = trace
        self.b = trace.columns
        self.out = out
        self.path_names = paths
        self.exit = exit_status(trace, exit_code)
        self.events = 0
        self.steps_written = 0
        self._first = True
        self._buf: list[bytes] = []
        self._pending: list[bytes] = []
        # interning tables
        self.paths_out: list[str] = []
        self._path_ids: dict[str, int] = {}
        self._func_ids: dict[tuple[object, ...], int] = {}
        self._types: dict[tuple[object, ...], int] = {}
        self._names: dict[str, int] = {}
        self._name_bytes: dict[str, bytes] = {}
        self._value_prefix: dict[str, bytes] = {}
        self._dirty: dict[int, set[str]] = {}
        self._last_step: dict[int, int] = {}
        self._int_cache: dict[object, bytes] = {}
        self._str_cache: dict[object, bytes] = {}
        self._leaf_cache: dict[tuple[int, int], bytes] = {}
        self._budget = MAX_VALUE_NODES
        self._sigs = _Signatures(trace)
        self._func_path: list[int] = []

    # -- low-level output -------------------------------------------------------------------
    def _write(self, event: bytes) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            for ev in pending:
                self._write_raw(ev)
        buf = self._buf
        buf.append(event)
        if len(buf) >= 2048:
            self._flush()

    def _write_raw(self, event: bytes) -> None:
        self._buf.append(event)

    def _flush(self) -> None:
        """Write the buffered events (a few thousand at most: memory stays bounded)."""
        buf = self._buf
        if not buf:
            return
        data = b",\n".join(buf)
        self.events += len(buf)
        buf.clear()
        if self._first:
            self.out.write(b"[\n")
            self._first = False
        else:
            self.out.write(b",\n")
        self.out.write(data)

    # -- interning --------------------------------------------------------------------------
    def _path_id(self, model_path: str) -> int:
        name = self.path_names.get(model_path, model_path)
        pid = self._path_ids.get(name)
        if pid is None:
            pid = self._path_ids[name] = len(self.paths_out)
            self.paths_out.append(name)
            self._pending.append(b'{"Path":' + _text(name) + b"}")
        return pid

    def _type(self, kind: int, lang: str, ct_kind: str,
              fields: tuple[str, ...] | None = None) -> int:
        key = (kind, lang, ct_kind, fields)
        tid = self._types.get(key)
        if tid is None:
            any_id = self._type(K_ANY, "object", "any") if fields else 0
            tid = len(self._types)
            self._types[key] = tid
            record: dict[str, object] = {"kind": kind, "lang_type": lang}
            if fields is None:
                record["specific_info"] = {"kind": "None"}
            else:
                record["specific_info"] = {"kind": "Struct", "fields": [
                    {"name": f, "type_id": any_id} for f in fields]}
            record["ct_kind"] = ct_kind
            self._pending.append(b'{"Type":' + _dumps(record) + b"}")
        return tid

    def _var(self, name: str) -> bytes:
        vid = self._name_bytes.get(name)
        if vid is None:
            self._names[name] = len(self._names)
            vid = self._name_bytes[name] = str(len(self._names) - 1).encode()
            self._pending.append(b'{"VariableName":' + _text(name) + b"}")
        return vid

    def _function(self, func: FunctionInfo) -> tuple[int, int]:
        """Return ``(function id, path id)`` for ``func``, declaring it the first time."""
        name = f"<{func.module}>" if func.is_module and func.module else (
            "<module>" if func.is_module else func.qualname)
        path = self.b.paths[func.path_id] if func.path_id < len(self.b.paths) else ""
        pid = self._path_id(path)
        key = (name, pid, func.line, func.name, func.qualname, func.module, func.is_module,
               tuple(getattr(func, "params", ())))
        fid = self._func_ids.get(key)
        if fid is None:
            fid = self._func_ids[key] = len(self._func_ids)
            record = {"path_id": pid, "line": func.line, "name": name,
                      "ct_fn": {"name": func.name, "qualname": func.qualname,
                                "module": func.module, "is_module": func.is_module,
                                "params": list(getattr(func, "params", ()))}}
            self._pending.append(b'{"Function":' + _dumps(record) + b"}")
        return fid, pid

    # -- values -----------------------------------------------------------------------------
    def value(self, enc: object, index: int) -> bytes:
        """Return the ValueRecord JSON of ``enc`` as of step ``index`` (declaring its types)."""
        self._budget = MAX_VALUE_NODES
        return self._value(enc, index, 0, None)

    def _value(self, enc: object, index: int, depth: int, path: set[int] | None) -> bytes:
        self._budget -= 1
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
            tid = self._type(K_BOOL, "Bool", "bool")
            return b'{"kind":"Bool","b":%s,"type_id":%d}' % (b"true" if enc else b"false", tid)
        if cls is int:
            if I64_MIN <= enc <= I64_MAX:  # type: ignore[operator]
                return b'{"kind":"Int","i":%d,"type_id":%d}' % (enc, self._type(K_INT, "Int", "int"))  # type: ignore[str-format]
            return self._raw(_int_text(enc), K_INT, "BigInt", "bigint")  # type: ignore[arg-type]
        if cls is str:
            text: str = enc  # type: ignore[assignment]
            tid = self._type(K_STRING, "String", "str")
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
                tid = self._type(K_STRING, "String", "str")
                return (b'{"kind":"String","text":' + _text(head[:MAX_TEXT] + "…")
                        + b',"type_id":%d,"ct_cut":%d}' % (tid, length))
            tid = self._type(K_RAW, "bytes", "bytes")
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
            tid = self._type(K_RAW, enc.type_name or "object", "repr")  # type: ignore[attr-defined]
            return (b'{"kind":"Raw","r":' + _text(enc.text) + b',"type_id":%d,"ct_named":'  # type: ignore[attr-defined]
                    % tid + _text(enc.kind) + b"}")  # type: ignore[attr-defined]
        value = self.trace.decode(enc, 0)
        if value.kind == "enum":
            attrs = dict(value.attrs)
            inner = attrs.get("value")
            member = attrs.get("name")
            contents = (self._value(inner.py, 0, 1, None) if inner is not None
                        and inner.kind in ("int", "float", "str", "bool", "none")
                        else self._raw(inner.text if inner is not None else "", K_RAW,
                                       inner.type_name if inner is not None else "object", "repr"))
            tid = self._type(K_ENUM, value.type_name, "enum")
            name = member.py if member is not None and isinstance(member.py, str) else value.text
            return (b'{"kind":"Variant","discriminator":' + _text(name) + b',"contents":'
                    + contents + b',"type_id":%d}' % tid)
        return self._raw(value.text, K_RAW, value.type_name or "object", "repr")

    def _raw(self, text: str, kind: int, lang: str, ct_kind: str) -> bytes:
        tid = self._type(kind, lang, ct_kind)
        return b'{"kind":"Raw","r":' + _text(text) + b',"type_id":%d}' % tid

    def _error(self, msg: str, type_name: str) -> bytes:
        tid = self._type(K_ERROR, type_name or "Error", "error")
        return b'{"kind":"Error","msg":' + _text(msg) + b',"type_id":%d}' % tid

    def _ref(self, oid: int, index: int, depth: int, path: set[int] | None) -> bytes:
        heap = self.b.heap
        if path is not None and oid in path:
            return self._error("<cycle>", "Cycle")
        if depth >= MAX_VALUE_DEPTH:
            return self._error("<depth limit>", "DepthLimit")
        if self._budget <= 0:
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
            out.append(self._value(e, index, depth, path))
        return out, leaf

    def _container(self, kind: str, tname: str, snap: tuple[Any, ...], index: int, depth: int,
                   path: set[int]) -> tuple[bytes, bool]:
        if kind == "repr":
            return self._raw(str(snap[0]), K_RAW, tname, "repr"), True
        if kind == "bytearray":
            length, head = snap
            text = f"{tname}({bytes(head)!r})"
            tid = self._type(K_RAW, tname, "bytearray")
            extra = b',"ct_cut":%d' % length if length != len(head) else b""
            return b'{"kind":"Raw","r":' + _text(text) + b',"type_id":%d' % tid + extra + b"}", True
        if kind == "object":
            label, names, vals = snap
            fields = tuple(str(n) for n in names)
            tid = self._type(K_STRUCT, tname, "object", fields)
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
            tid = self._type(kind_no, lang, "dict")
            pair = self._type(K_TUPLE, "Tuple", "tuple")
            leaf = True
            pairs: list[bytes] = []
            for k, v in zip(keys, vals):
                if k.__class__ is Ref or v.__class__ is Ref:
                    leaf = False
                pairs.append(b'{"kind":"Tuple","elements":[' + self._value(k, index, depth, path)
                             + b"," + self._value(v, index, depth, path) + b'],"type_id":%d}' % pair)
            extra = b',"ct_len":%d' % length if length != len(keys) else b""
            return (b'{"kind":"Sequence","elements":[' + b",".join(pairs)
                    + b'],"is_slice":false,"type_id":%d' % tid + extra + b"}"), leaf
        length, items = snap
        kids, leaf = self._children(items, index, depth, path)
        extra = b',"ct_len":%d' % length if length != len(items) else b""
        if kind == "tuple":
            lang = "Tuple" if tname == "tuple" else tname
            tid = self._type(K_TUPLE, lang, "tuple")
            return (b'{"kind":"Tuple","elements":[' + b",".join(kids)
                    + b'],"type_id":%d' % tid + extra + b"}"), leaf
        if kind == "list":
            lang = "List" if tname == "list" else tname
            tid = self._type(K_SEQ, lang, "list")
        elif kind in ("set", "frozenset"):
            tid = self._type(K_SET, tname, kind)
        else:
            tid = self._type(K_SEQ, tname, kind)
        return (b'{"kind":"Sequence","elements":[' + b",".join(kids)
                + b'],"is_slice":false,"type_id":%d' % tid + extra + b"}"), leaf

    # -- the event stream -------------------------------------------------------------------
    def write(self) -> None:
        """Write the whole event stream (the JSON array) to ``self.out``."""
        b = self.b
        n = len(b.step_line)
        # read the frame columns once (they are built lazily by the builder)
        self.fr_func: Any = b.frame_func
        self.fr_call_step: Any = b.frame_call_step
        self.fr_parent: Any = b.frame_parent
        self.fr_end_step: Any = b.frame_end_step
        self.fr_end_kind: Any = b.frame_end_kind
        self.fr_kind: Any = b.frame_kind
        self.fr_result: Any = b.frame_result
        nframes = len(self.fr_func)
        funcs = b.functions
        self._func_path = [f.path_id for f in funcs]

        # prologue: Path, Function <toplevel>, Call, Type None
        if nframes:
            first_path = b.paths[funcs[self.fr_func[0]].path_id]
        elif b.paths:
            first_path = b.paths[0]
        else:
            first_path = str(b.meta.get("program", "<unknown>"))
        self._path_id(first_path)
        self._write(b'{"Function":{"path_id":0,"line":1,"name":"<toplevel>"}}')
        self._write(b'{"Call":{"function_id":0,"args":[]}}')
        self._types[(K_NONE, "None", "none", None)] = 0
        self._write(b'{"Type":{"kind":30,"lang_type":"None","specific_info":{"kind":"None"},'
                    b'"ct_kind":"none"}}')
        self._func_ids[("<toplevel>", 0, 1, "", "", "", False, ())] = 0

        changes = _ordered(b.ch_step)
        io_order = _ordered(b.io_step)
        exc_order = _ordered(b.exc_step)
        self._ch = changes
        self._ch_pos = 0
        self._io = io_order
        self._io_pos = 0
        self._io_len = len(io_order)
        self._exc = exc_order
        self._exc_pos = 0
        self.state: dict[int, dict[str, object]] = {}
        self.stack: list[int] = []
        self._next_frame = 0

        self._apply_changes(0)
        while self._exc_pos < len(exc_order) and b.exc_step[exc_order[self._exc_pos]] < 0:
            self._exc_pos += 1  # kept in the metadata instead
        self._boundary(-1)
        self._emit_io(-1)
        step_line = b.step_line
        step_frame = b.step_frame
        stack = self.stack
        ch_order, ch_step = self._ch, b.ch_step
        n_ch = len(ch_order)
        call_step, end_step, end_kind = self.fr_call_step, self.fr_end_step, self.fr_end_kind
        step, enter, apply_changes, boundary = self._step, self._enter_frame_of, \
            self._apply_changes, self._boundary
        for s in range(n):
            f = step_frame[s]
            if not stack or stack[-1] != f:
                enter(f, s)
            step(s, f, step_line[s])
            if self._ch_pos < n_ch and ch_step[ch_order[self._ch_pos]] <= s + 1:
                apply_changes(s + 1)
            if (self._next_frame < nframes and call_step[self._next_frame] <= s) or (
                    stack and end_kind[stack[-1]] is not None and end_step[stack[-1]] <= s):
                boundary(s)
        # close everything still open, innermost first
        self._emit_io(n)
        outcome = b.outcome
        if outcome is not None and outcome.status == "raised" and n:
            content = f"{outcome.exc_type}: {outcome.exc_message}" if outcome.exc_message \
                else str(outcome.exc_type)
            self._write(b'{"Event":{"kind":11,"metadata":"","content":' + _text(content) + b"}}")
        while self.stack:
            self._close(self.stack[-1], n - 1)
        self.outcome_value = (self.value(outcome.value, n) if outcome is not None
                              and outcome.status == "returned" else None)
        code, label = self.exit
        if code is not None:
            ret = b'{"kind":"Int","i":%d,"type_id":%d}' % (code, self._type(K_INT, "Int", "int"))
        else:
            ret = (b'{"kind":"String","text":' + _text(label or "<exit>")
                   + b',"type_id":%d}' % self._type(K_STRING, "String", "str"))
        self._write(b'{"Return":{"return_value":' + ret + b"}}")
        for ev in self._pending:
            self._write_raw(ev)
        self._pending = []
        self._flush()
        if self._first:
            self.out.write(b"[")
        self.out.write(b"\n]\n")

    def _apply_changes(self, upto: int) -> None:
        b = self.b
        order = self._ch
        pos = self._ch_pos
        ch_step, ch_frame, ch_name, ch_val = b.ch_step, b.ch_frame, b.ch_name, b.ch_val
        state = self.state
        last = self._last_step
        end = len(order)
        while pos < end:
            c = order[pos]
            if ch_step[c] > upto:
                break
            fr = ch_frame[c]
            names = state.get(fr)
            if names is None:
                names = state[fr] = {}
            name = ch_name[c]
            if name not in _HIDDEN_NAMES:
                names[name] = ch_val[c]
                if ch_step[c] > last.get(fr, -1):
                    dirty = self._dirty.get(fr)
                    if dirty is None:
                        dirty = self._dirty[fr] = set()
                    dirty.add(name)
            pos += 1
        self._ch_pos = pos

    def _boundary(self, s: int) -> None:
        """Emit the calls and returns that happen between step ``s`` and step ``s + 1``."""
        call_step = self.fr_call_step
        nframes = len(call_step)
        while self._next_frame < nframes and call_step[self._next_frame] <= s:
            g = self._next_frame
            self._next_frame += 1
            parent = self.fr_parent[g]
            self._unwind_to(parent, s)
            self._open(g, s)
            if s < 0:
                self._emit_io(-1)
        stack = self.stack
        end_step = self.fr_end_step
        end_kind = self.fr_end_kind
        while stack and end_kind[stack[-1]] is not None and end_step[stack[-1]] <= s:
            self._close(stack[-1], s)

    def _unwind_to(self, parent: int, s: int) -> None:
        stack = self.stack
        if parent >= 0 and parent in stack:
            while stack[-1] != parent:
                self._close(stack[-1], s)
        elif parent < 0:
            while stack:
                self._close(stack[-1], s)

    def _enter_frame_of(self, f: int, s: int) -> None:
        stack = self.stack
        if stack and stack[-1] == f:
            return
        if f in stack:
            while stack[-1] != f:
                self._close(stack[-1], s - 1)

    def _open(self, g: int, s: int) -> None:
        b = self.b
        func = b.functions[self.fr_func[g]]
        fid, pid = self._function(func)
        vars_ = self.state.get(g, {})
        args: list[tuple[bytes, bytes]] = []
        resume = self.fr_kind[g] != "call"
        if not resume:
            names = func.params or self._sigs.args(func)
            if names is None:
                names = tuple(vars_)
            for name in names:
                enc = vars_.get(name, UNBOUND)
                if enc is UNBOUND or name in _HIDDEN_NAMES:
                    continue
                args.append((self._var(name), self.value(enc, s + 1)))
        if args and self.steps_written == 0 and not getattr(self, "_stepped", False):
            # A root frame adopted mid-run (ct_jupyter.start in a function) is the first call:
            # its argument values need a Step to attach to.
            self._write(b'{"Step":{"path_id":%d,"line":%d}}' % (pid, func.line))
        self._stepped = True
        for vid, val in args:
            self._write(b'{"Value":{"variable_id":' + vid + b',"value":' + val + b"}}")
        self._write(b'{"Step":{"path_id":%d,"line":%d}}' % (pid, func.line))
        arg_list = b",".join(b'{"variable_id":' + vid + b',"value":' + val + b"}"
                             for vid, val in args)
        extra = b',"ct_kind":' + _text(self.fr_kind[g]) if resume else b""
        self._write(b'{"Call":{"function_id":%d,"args":[' % fid + arg_list + b"]" + extra + b"}}")
        self.stack.append(g)

    def _close(self, g: int, s: int) -> None:
        self.stack.pop()
        kind = self.fr_end_kind[g]
        if kind is None:
            value = b'{"kind":"None","type_id":0}'
            extra = b',"ct_end":"open"'
        else:
            result = self.fr_result[g]
            value = self.value(result, max(self.fr_end_step[g], 0) + 1)
            extra = b"" if kind == "return" else b',"ct_end":' + _text(kind)
        final = self._final_state(g, s)
        if final:
            extra += b',"ct_final":[' + b",".join(final) + b"]"
        self._write(b'{"Return":{"return_value":' + value + extra + b"}}")
        self.state.pop(g, None)
        self._dirty.pop(g, None)
        self._last_step.pop(g, None)

    def _probe(self, enc: object, index: int) -> bytes:
        """Encode ``enc`` for a comparison only: types it would declare are not kept."""
        ntypes, npending = len(self._types), len(self._pending)
        try:
            return self.value(enc, index)
        finally:
            if len(self._types) > ntypes:
                while len(self._types) > ntypes:
                    self._types.popitem()
                del self._pending[npending:]
                # cached encodings may name the type ids just given back
                self._int_cache.clear()
                self._str_cache.clear()
                self._leaf_cache.clear()

    def _final_state(self, g: int, s: int) -> list[bytes]:
        """Return ``[variable id, value]`` pairs for what the frame's last line changed.

        CodeTracer shows variables only at steps, so the effect of a frame's last line (the
        last cell line's assignment, say) would be lost; it rides along on the ``Return``.
        Rebindings are tracked as they are applied; for a root frame (a script or cell body)
        in-place changes of its objects are found by comparing the values too.
        """
        names = self._dirty.get(g, set())
        vars_ = self.state.get(g, {})
        last = self._last_step.get(g, -1)
        end = s + 1
        if self.fr_parent[g] < 0 and last >= 0:
            names = set(names)
            for name, enc in vars_.items():
                if enc is not UNBOUND and enc.__class__ is Ref and \
                        self._probe(enc, last) != self._probe(enc, end):
                    names.add(name)
        out: list[bytes] = []
        for name in vars_:
            if name in names:
                enc = vars_[name]
                val = b"null" if enc is UNBOUND else self.value(enc, end)
                out.append(b"[" + self._var(name) + b"," + val + b"]")
        return out

    def _step(self, s: int, f: int, line: int) -> None:
        b = self.b
        func = b.functions[self.fr_func[f]]
        pid = self._path_id(b.paths[func.path_id])
        extra = b""
        exc = self._exc
        if self._exc_pos < len(exc) and b.exc_step[exc[self._exc_pos]] <= s:
            rows = []
            while self._exc_pos < len(exc) and b.exc_step[exc[self._exc_pos]] <= s:
                e = exc[self._exc_pos]
                rows.append([b.exc_kind[e], b.exc_type[e], b.exc_msg[e], b.exc_frame[e]])
                self._exc_pos += 1
            extra = b',"ct_exc":' + _dumps(rows)
        self._write(b'{"Step":{"path_id":%d,"line":%d' % (pid, line) + extra + b"}}")
        self.steps_written += 1
        self._last_step[f] = s
        if f in self._dirty:
            del self._dirty[f]
        vars_ = self.state.get(f)
        if vars_:
            value = self._value
            write = self._write
            prefixes = self._value_prefix
            for name, enc in vars_.items():
                if enc is UNBOUND:
                    continue
                prefix = prefixes.get(name)
                if prefix is None:
                    prefix = prefixes[name] = (b'{"Value":{"variable_id":' + self._var(name)
                                               + b',"value":')
                self._budget = MAX_VALUE_NODES
                write(prefix + value(enc, s, 0, None) + b"}}")
        if self._io_pos < self._io_len and self.b.io_step[self._io[self._io_pos]] <= s:
            self._emit_io(s, pid, line, f)

    def _emit_io(self, s: int, pid: int = 0, line: int = 0, frame: int = -1) -> None:
        b = self.b
        order = self._io
        while self._io_pos < len(order) and b.io_step[order[self._io_pos]] <= s:
            c = order[self._io_pos]
            if s < 0 and not self.stack:
                return  # before the first Call there is no step to attach output to
            self._io_pos += 1
            stream = b.io_stream[c]
            flags = [t for t in b.io_flags[c].split(",") if t]
            thread = "ThreadId(2)" if "thread" in flags else "ThreadId(1)"
            meta = {"stream": stream, "thread": thread,
                    "path_id": pid if s >= 0 else None, "line": line if s >= 0 else None,
                    "frame_id": frame if s >= 0 else None, "flags": flags}
            kind = STREAM_KIND.get(stream, 12)
            self._write(b'{"Event":{"kind":%d,"metadata":' % kind
                        + _text(orjson.dumps(meta).decode()) + b',"content":'
                        + _text(b.io_text[c]) + b"}}")


def _ordered(steps: Any) -> Any:
    """Return the indexes of ``steps`` in step order (stable); the identity when already sorted."""
    prev = -(2**62)
    for v in steps:
        if v < prev:
            return sorted(range(len(steps)), key=steps.__getitem__)
        prev = v
    return range(len(steps))


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # more digits than int->str allows: hex has no such limit
        text = hex(value)
        if len(text) > MAX_TEXT:
            return f"<int with about {int(value.bit_length() * 0.30103) + 1} digits>"
        return text


__all__ = ["CodeTracerWriter", "exit_status"]
