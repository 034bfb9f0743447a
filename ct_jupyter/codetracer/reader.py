"""Import a CodeTracer JSON trace folder into a `Trace` (through `TraceBuilder`).

Reads ours, the CodeTracer Rust recorder's and hand-written folders. The event stream is read
one event at a time (`_stream.iter_json_array`), so the file is never in memory whole.

How events map onto the model:

* a ``Call`` opens a frame (the ``<toplevel>`` call only when steps run directly in it); the
  ``Step`` right before a ``Call`` is the writer's step at the ``def`` line, not a line that
  ran, and the ``Value``s right before it are the call's arguments (repeated in ``Call.args``);
* a ``Step`` and the ``Value``s after it become a model step; a variable is stored only when its
  value differs from the frame's previous step, and one that is no longer listed is unbound;
* ``Return`` closes the innermost frame; IO ``Event``s (kinds 0/2/3) become IO chunks;
* our ``ct_…`` keys (frame kinds, end kinds, cut lengths, exceptions, the ``ct_jupyter``
  metadata block) restore what CodeTracer has no field for, so export → load → export of our own
  traces writes the same files.

Malformed or truncated input raises `TraceFormatError` naming the file and the event index.
"""

from __future__ import annotations

import ast
import base64
import enum
import math
import os
import pathlib
from collections.abc import Iterator
from typing import Any

from ..errors import TraceFormatError
from ..model.builder import FunctionInfo, Outcome, TraceBuilder
from ..model.encoded import UNBOUND, Cut, Err, Named, Ref
from ..model.trace import Trace
from ._stream import iter_json_array, read_json
from .folder import is_regular_inside, open_inside
from .paths import LOADED_FROM, payload_path

MAX_DEPTH = 200
MAX_SOURCE_BYTES = 8 << 20
#: Source text read from ``files/`` at most, all paths together.
MAX_SOURCES_BYTES = 256 << 20
_TOPLEVEL_NAMES = ("<toplevel>", "<top-level>")
_NOT_MODULES = frozenset({"<lambda>", "<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>",
                          "<module>", "<toplevel>", "<top-level>"})
_CANONICAL = {("list", "List"): "list", ("tuple", "Tuple"): "tuple", ("dict", "Dict"): "dict"}
_STREAMS = {0: "stdout", 2: "stderr", 3: "stdin"}
_END_KINDS = frozenset({"return", "yield", "exception", "unknown", "truncated"})
_TOP = -1


class _Bad(Exception):
    """A problem in one event; turned into a TraceFormatError naming the event."""


def read_trace(path: str | os.PathLike[str]) -> Trace:
    """Read the CodeTracer JSON trace folder (or ``trace.json`` file) at ``path``.

    Only files inside the folder are read (`folder.open_inside`); every malformed input raises
    a `TraceFormatError`.
    """
    p = pathlib.Path(os.fspath(path))
    try:
        given_file = p.is_file()
        folder = p.parent if given_file else p
        exists = folder.is_dir()
    except (OSError, ValueError) as exc:
        raise TraceFormatError(f"the trace folder cannot be inspected ({exc})",
                               code="ERR_TRACE_MISSING", context={"path": str(p)}) from None
    if not exists:
        raise TraceFormatError("the trace folder does not exist", code="ERR_TRACE_MISSING",
                               context={"path": str(p)})
    trace_file = p if given_file else folder / "trace.json"
    if not os.path.lexists(trace_file):
        for other in ("trace.bin", "trace.ct"):
            if os.path.lexists(folder / other):
                raise TraceFormatError(
                    f"{other} is a binary CodeTracer trace; only JSON trace folders can be read "
                    "(record with --format json)", code="ERR_UNSUPPORTED_FORMAT",
                    context={"file": other, "path": str(folder)})
        raise TraceFormatError("no trace.json in the trace folder", code="ERR_TRACE_MISSING",
                               context={"path": str(folder)})
    meta: dict[str, Any] = {}
    meta_file = folder / "trace_metadata.json"
    if os.path.lexists(meta_file):
        with open_inside(folder, meta_file, "trace_metadata.json") as fh:
            raw = read_json(fh, "trace_metadata.json")
        if not isinstance(raw, dict):
            raise TraceFormatError("trace_metadata.json is not a JSON object",
                                   context={"file": "trace_metadata.json"})
        meta = raw
    reader = _Reader(folder, trace_file, meta)
    try:
        return reader.run()
    except TraceFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError,
            RecursionError, MemoryError) as exc:
        raise TraceFormatError(f"the trace folder is malformed ({type(exc).__name__}: "
                               f"{str(exc)[:200]})", context={"path": str(folder)}) from None


class _Reader:
    def __init__(self, folder: pathlib.Path, trace_file: pathlib.Path, meta: dict[str, Any]) -> None:
        self.folder = folder
        self.trace_file = trace_file
        self.file = trace_file.name
        self.meta = meta
        ct = meta.get("ct_jupyter")
        self.ct: dict[str, Any] | None = ct if isinstance(ct, dict) else None
        self.b = TraceBuilder()
        self.paths: list[int] = []  # trace path id -> builder path id
        self.path_names: list[str] = []
        self.functions: list[dict[str, Any]] = []
        self.model_funcs: dict[int, int] = {}
        self.types: list[tuple[int, str, str | None, list[str]]] = []
        self.names: list[str] = []
        self.stack: list[int] = []
        self.last: dict[int, dict[str, Any]] = {}
        self.values: list[tuple[int, Any]] = []
        self.block: tuple[int, int, list[Any], list[Any]] | None = None  # (line, pid, ct_exc, events)
        self.exit_value: Any = None
        self.error_event: str | None = None
        self.warnings: dict[str, int] = {}
        self.other_events: dict[str, int] = {}
        self.index = 0
        originals: dict[str, tuple[str, str | None]] = {}
        if self.ct is not None:
            for row in self.ct.get("paths") or ():
                if isinstance(row, list) and len(row) == 3 and isinstance(row[0], str) \
                        and isinstance(row[1], str):
                    originals[row[0]] = (row[1], row[2] if isinstance(row[2], str) else None)
        self.originals = originals
        self.source_cache: dict[str, str] = {}
        self.source_bytes = 0

    # -- driver -----------------------------------------------------------------------------
    def run(self) -> Trace:
        events = iter_json_array(open_inside(self.folder, self.trace_file, self.file), self.file)
        for index, event, following in _with_next(events):
            self.index = index
            try:
                self._event(event, following)
            except _Bad as exc:
                raise TraceFormatError(f"{self.file}: event {index}: {exc}",
                                       context={"file": self.file, "event": index}) from None
            except TraceFormatError:
                raise
            except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                    OverflowError, RecursionError) as exc:
                raise TraceFormatError(
                    f"{self.file}: event {index} is malformed ({type(exc).__name__}: {exc})",
                    context={"file": self.file, "event": index}) from None
        self.index += 1
        try:
            self._commit()
        except _Bad as exc:
            raise TraceFormatError(f"{self.file}: {exc}", context={"file": self.file}) from None
        self._finish()
        self.b.meta[LOADED_FROM] = str(self.folder)
        return self.b.freeze()

    def _event(self, event: Any, following: Any) -> None:
        if event == "DropLastStep":
            self.block = None
            self.values = []
            return
        if not isinstance(event, dict) or len(event) != 1:
            raise _Bad("not a CodeTracer event (expected an object with one key)")
        (kind, payload), = event.items()
        handler = _HANDLERS.get(kind)
        if handler is None:
            self.other_events[kind] = self.other_events.get(kind, 0) + 1
            return
        handler(self, payload, following)

    # -- interning events -------------------------------------------------------------------
    def _path(self, payload: Any, following: Any) -> None:
        name = _str(payload, "Path")
        original, label = self.originals.get(name, (name, None))
        source = self._source(name)
        self.paths.append(self.b.add_path(original, source, label))
        self.path_names.append(name)

    def _source(self, name: str) -> str | None:
        """Return the source of ``name`` from the folder's own ``files/`` (never elsewhere)."""
        rel = payload_path(name)
        if not rel:
            return None
        cand = self.folder / "files" / rel
        if not is_regular_inside(self.folder, cand):
            return None
        cached = self.source_cache.get(str(cand.resolve()))
        if cached is not None:
            return cached
        try:
            with open_inside(self.folder, cand, f"files/{rel}") as fh:
                data = fh.read(MAX_SOURCE_BYTES + 1)
        except (TraceFormatError, OSError):
            return None
        if len(data) > MAX_SOURCE_BYTES or self.source_bytes + len(data) > MAX_SOURCES_BYTES:
            self._warn("source file too large to load")
            return None
        self.source_bytes += len(data)
        text = data.decode("utf-8", errors="replace")
        self.source_cache[str(cand.resolve())] = text
        return text

    def _function(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict):
            raise _Bad("Function payload is not an object")
        pid = _int(payload, "path_id")
        if pid >= len(self.paths):
            raise _Bad(f"Function uses path_id {pid} before a Path event declared it")
        self.functions.append({"name": _str(payload.get("name"), "Function.name"), "path_id": pid,
                               "line": _int(payload, "line"), "ct_fn": payload.get("ct_fn")})

    def _type(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict):
            raise _Bad("Type payload is not an object")
        kind = _int(payload, "kind")
        lang = _str(payload.get("lang_type"), "Type.lang_type")
        ct_kind = payload.get("ct_kind") if isinstance(payload.get("ct_kind"), str) else None
        fields: list[str] = []
        info = payload.get("specific_info")
        if isinstance(info, dict) and info.get("kind") == "Struct":
            for f in info.get("fields") or ():
                fields.append(_str(f.get("name") if isinstance(f, dict) else None, "field name"))
        self.types.append((kind, lang, ct_kind, fields))

    def _variable_name(self, payload: Any, following: Any) -> None:
        self.names.append(_str(payload, "VariableName"))

    # -- flow events ------------------------------------------------------------------------
    def _value(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict):
            raise _Bad("Value payload is not an object")
        vid = _int(payload, "variable_id")
        if vid >= len(self.names):
            raise _Bad(f"Value uses variable_id {vid} before a VariableName declared it")
        if "value" not in payload:
            raise _Bad("Value has no 'value'")
        self._check_types(payload["value"], 0)
        self.values.append((vid, payload["value"]))

    def _step(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict):
            raise _Bad("Step payload is not an object")
        pid = _int(payload, "path_id")
        line = _int(payload, "line")
        if pid >= len(self.paths):
            raise _Bad(f"Step uses path_id {pid} before a Path event declared it")
        if isinstance(following, dict) and "Call" in following:
            call = following["Call"]
            args = call.get("args") if isinstance(call, dict) else None
            if isinstance(args, list) and args and len(self.values) >= len(args):
                tail = self.values[len(self.values) - len(args):]
                if [v for v, _ in tail] == [a.get("variable_id") if isinstance(a, dict) else None
                                            for a in args]:
                    del self.values[len(self.values) - len(args):]
            return  # the writer's step at the def line of the function being called
        self._commit()
        exc = payload.get("ct_exc")
        self.block = (line, pid, exc if isinstance(exc, list) else [], [])

    def _call(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict):
            raise _Bad("Call payload is not an object")
        fn = _int(payload, "function_id")
        if fn >= len(self.functions):
            raise _Bad(f"Call uses function_id {fn} before a Function event declared it")
        args = payload.get("args", [])
        if not isinstance(args, list):
            raise _Bad("Call.args is not a list")
        self._commit()
        info = self.functions[fn]
        if not self.stack and info["name"] in _TOPLEVEL_NAMES and not self.b.frame_func:
            self.stack.append(_TOP)
            return
        kind = payload.get("ct_kind")
        kind = kind if kind in ("resume", "throw") else "call"
        frame = self.b.add_frame(self._model_function(fn, args), self._parent(), kind)
        self.stack.append(frame)
        if args:
            at = self.b.step_count
            last = self.last.setdefault(frame, {})
            for a in args:
                if not isinstance(a, dict):
                    raise _Bad("a Call argument is not an object")
                vid = _int(a, "variable_id")
                if vid >= len(self.names):
                    raise _Bad(f"Call argument uses variable_id {vid} before it was declared")
                rec = a.get("value")
                self._check_types(rec, 0)
                name = self.names[vid]
                last[name] = rec
                self.b.add_change(at, frame, name, self._decode(rec, at, 0))

    def _return(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict) or "return_value" not in payload:
            raise _Bad("Return has no return_value")
        rec = payload["return_value"]
        self._check_types(rec, 0)
        self._commit()
        if not self.stack:
            self._warn("Return without an open call")
            return
        frame = self.stack.pop()
        at = max(self.b.step_count - 1, 0)
        if not self.stack:
            self.exit_value = rec
        if frame == _TOP:
            return
        end = payload.get("ct_end")
        self.last.pop(frame, None)
        final = payload.get("ct_final")
        if isinstance(final, list):
            self._final(frame, final)
        if end == "open":
            return
        kind = end if end in _END_KINDS else "return"
        self.b.end_frame(frame, kind, self._decode(rec, at, 0))

    def _final(self, frame: int, final: list[Any]) -> None:
        """Apply what the frame's last line changed (stored after its last step)."""
        at = self.b.step_count
        for row in final:
            if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], int)
                    and 0 <= row[0] < len(self.names)):
                raise _Bad("ct_final entries must be [variable_id, value]")
            name = self.names[row[0]]
            if row[1] is None:
                self.b.add_change(at, frame, name, UNBOUND)
            else:
                self._check_types(row[1], 0)
                self.b.add_change(at, frame, name, self._decode(row[1], at, 0))

    def _io(self, payload: Any, following: Any) -> None:
        if not isinstance(payload, dict):
            raise _Bad("Event payload is not an object")
        kind = _int(payload, "kind")
        content = _str(payload.get("content", ""), "Event.content")
        metadata = payload.get("metadata", "")
        if not isinstance(metadata, str):
            raise _Bad("Event.metadata is not a string")
        if kind == 11:
            self.error_event = content
            return
        stream = _STREAMS.get(kind)
        if stream is None:
            self.other_events[f"Event{kind}"] = self.other_events.get(f"Event{kind}", 0) + 1
            return
        flags = ""
        if metadata.startswith("{"):
            try:
                import json

                parsed = json.loads(metadata)
                got = parsed.get("flags") if isinstance(parsed, dict) else None
                if isinstance(got, list):
                    flags = ",".join(str(f) for f in got)
            except (ValueError, RecursionError):
                pass
        if self.block is not None:
            self.block[3].append((stream, content, flags))
        else:
            self.b.add_io(self.b.step_count - 1, stream, content, flags)

    # -- committing a step ------------------------------------------------------------------
    def _top_frame(self, create: bool) -> int:
        if not self.stack:
            return -2
        top = self.stack[-1]
        if top == _TOP and create:
            fn = 0 if self.functions else -1
            if fn < 0:
                raise _Bad("a Step runs before any Function is declared")
            top = self.b.add_frame(self._model_function(fn), -1, "call")
            self.stack[-1] = top
        return top

    def _parent(self) -> int:
        for entry in reversed(self.stack):
            if entry != _TOP:
                return entry
        return -1

    def _commit(self) -> None:
        block, values = self.block, self.values
        self.block = None
        self.values = []
        if block is None:
            if values:
                frame = self._top_frame(create=False)
                if frame < 0:
                    self._warn("Value events outside any recorded frame")
                    return
                at = self.b.step_count
                last = self.last.setdefault(frame, {})
                for vid, rec in values:
                    name = self.names[vid]
                    if last.get(name, _MISSING) != rec:
                        last[name] = rec
                        self.b.add_change(at, frame, name, self._decode(rec, at, 0))
            return
        line, pid, exc, events = block
        if not self.stack:
            raise _Bad("a Step runs before any Call (a Call must come before the first Step)")
        frame = self._top_frame(create=True)
        func = self.b.functions[self.b.frame_func[frame]]
        if self.paths[pid] != func.path_id:
            self._warn("Step path differs from its function's path")
        step = self.b.add_step(frame, line)
        last = self.last.setdefault(frame, {})
        seen: set[str] = set()
        for vid, rec in values:
            name = self.names[vid]
            seen.add(name)
            if last.get(name, _MISSING) != rec:
                last[name] = rec
                self.b.add_change(step, frame, name, self._decode(rec, step, 0))
        for name in [n for n in last if n not in seen]:
            del last[name]
            self.b.add_change(step, frame, name, UNBOUND)
        for row in exc:
            if isinstance(row, list) and len(row) == 4:
                kind, tname, msg, fr = row
                self.b.add_exception(step, fr if isinstance(fr, int) else frame, str(kind),
                                     str(tname), str(msg))
        for stream, content, flags in events:
            self.b.add_io(step, stream, content, flags)

    def _model_function(self, fn: int, args: list[Any] | None = None) -> int:
        got = self.model_funcs.get(fn)
        if got is not None:
            return got
        info = self.functions[fn]
        name: str = info["name"]
        pid = self.paths[info["path_id"]]
        ct = info["ct_fn"]
        if isinstance(ct, dict) and isinstance(ct.get("name"), str) \
                and isinstance(ct.get("qualname"), str):
            params = ct.get("params")
            fi = FunctionInfo(ct["name"], ct["qualname"], pid, info["line"],
                              str(ct.get("module") or ""), bool(ct.get("is_module")),
                              tuple(str(p) for p in params) if isinstance(params, list) else ())
        elif name.startswith("<") and name.endswith(">") and name not in _NOT_MODULES:
            fi = FunctionInfo("<module>", "<module>", pid, info["line"], name[1:-1], True)
        else:
            params = tuple(self.names[a["variable_id"]] for a in args or ()
                           if isinstance(a, dict) and isinstance(a.get("variable_id"), int)
                           and a["variable_id"] < len(self.names))
            fi = FunctionInfo(name.rsplit(".", 1)[-1], name, pid, info["line"], "",
                              name == "<module>", params)
        got = self.model_funcs[fn] = self.b.add_function(fi)
        return got

    # -- values -----------------------------------------------------------------------------
    def _check_types(self, rec: Any, depth: int) -> None:
        """Check that every type id in ``rec`` is declared (cheap; values are decoded later)."""
        if depth > MAX_DEPTH:
            raise _Bad("a value is nested too deeply")
        if not isinstance(rec, dict):
            raise _Bad("a value record is not an object")
        tid = rec.get("type_id")
        if tid is not None and (not isinstance(tid, int) or tid < 0 or tid >= len(self.types)):
            raise _Bad(f"a value uses type_id {tid!r} before a Type event declared it")
        kind = rec.get("kind")
        need = _FIELDS.get(kind)  # type: ignore[arg-type]
        if need is None:
            raise _Bad(f"unknown value kind {kind!r}")
        for key, types in need:
            if key not in rec or not isinstance(rec[key], types) or \
                    (isinstance(rec[key], bool) and bool not in types):
                raise _Bad(f"{kind}.{key} is missing or of the wrong type")
        for key in ("elements", "field_values"):
            kids = rec.get(key)
            if isinstance(kids, list):
                for kid in kids:
                    self._check_types(kid, depth + 1)
        for key in ("contents", "dereferenced"):
            kid = rec.get(key)
            if kid is not None:
                self._check_types(kid, depth + 1)

    def _decode(self, rec: Any, step: int, depth: int) -> object:
        if depth > MAX_DEPTH:
            return Err("DepthLimit", "<depth limit>")
        kind = rec.get("kind")
        tid = rec.get("type_id")
        tkind, lang, ct, fields = self.types[tid] if isinstance(tid, int) else (-1, "", None, [])
        if kind == "None":
            return None
        if kind == "Bool":
            value = rec["b"]
            if not isinstance(value, bool):
                raise _Bad("Bool.b is not a boolean")
            return value
        if kind == "Int":
            value = rec["i"]
            if not isinstance(value, int) or isinstance(value, bool):
                raise _Bad("Int.i is not an integer")
            return value
        if kind == "Float":
            f = rec["f"]
            if isinstance(f, bool) or not isinstance(f, (int, float, str)):
                raise _Bad("Float.f is neither a number nor a string")
            return _float(f)
        if kind == "String":
            text = _str(rec.get("text"), "String.text")
            cut = rec.get("ct_cut")
            if isinstance(cut, int) and not isinstance(cut, bool):
                return Cut(text.removesuffix("…"), cut)
            return text
        if kind == "Raw":
            named = rec.get("ct_named")
            if isinstance(named, str):
                return Named(named, lang or "object", _str(rec.get("r"), "Raw.r"))
            return self._raw(_str(rec.get("r"), "Raw.r"), rec, lang, ct, step)
        if kind == "Error":
            return Err(lang or "Error", _str(rec.get("msg", ""), "Error.msg"))
        if kind == "Sequence":
            return self._sequence(rec, tkind, lang, ct, step, depth)
        if kind == "Tuple":
            elements = _list(rec.get("elements"), "Tuple.elements")
            tname = "tuple" if lang == "Tuple" or not lang else lang
            return self._object("tuple", tname, (_length(rec, elements), tuple(
                self._decode(e, step, depth + 1) for e in elements)), step)
        if kind == "Struct":
            values = _list(rec.get("field_values"), "Struct.field_values")
            names = list(fields) + [f"field{i}" for i in range(len(fields), len(values))]
            label: object = None
            if isinstance(rec.get("ct_label"), str):
                label = rec["ct_label"]
            elif isinstance(rec.get("ct_label_err"), list) and len(rec["ct_label_err"]) == 2:
                label = Err(str(rec["ct_label_err"][0]), str(rec["ct_label_err"][1]))
            encs = tuple(self._decode(v, step, depth + 1) for v in values)
            return self._object("object", lang or "object",
                                (label, tuple(names[: len(encs)]), encs), step)
        if kind == "Variant":
            return self._variant(rec, lang, step, depth)
        if kind == "Reference":
            return self._decode(rec["dereferenced"], step, depth + 1)
        if kind == "Cell":
            return Err("Cell", f"<cell {rec.get('place')}>")
        if kind == "BigInt":
            return _bigint(rec)
        raise _Bad(f"unknown value kind {kind!r}")

    def _raw(self, text: str, rec: dict[str, Any], lang: str, ct: str | None, step: int) -> object:
        what = ct or {"Float": "float", "BigInt": "bigint", "complex": "complex",
                      "bytes": "bytes", "range": "range"}.get(lang, "repr")
        cut = rec.get("ct_cut")
        try:
            if what == "float":
                return _float(text)
            if what == "bigint":
                return int(text, 0)
            if what == "complex":
                return complex(text)
            if what == "bytes":
                if isinstance(cut, int) and text.endswith("…"):
                    head = ast.literal_eval(text[:-1])
                    if isinstance(head, bytes):
                        return Cut(head, cut)
                value = ast.literal_eval(text)
                if isinstance(value, bytes):
                    return value
            if what == "range":
                inner = text.strip()
                if inner.startswith("range(") and inner.endswith(")"):
                    parts = [int(p) for p in inner[6:-1].split(",")]
                    return range(*parts)
            if what == "bytearray":
                inner = text[text.index("(") + 1: text.rindex(")")]
                head = ast.literal_eval(inner)
                if isinstance(head, bytes):
                    length = cut if isinstance(cut, int) else len(head)
                    return self._object("bytearray", lang or "bytearray", (length, head), step)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
        return self._object("repr", lang or "object", (text,), step)

    def _sequence(self, rec: dict[str, Any], tkind: int, lang: str, ct: str | None, step: int,
                  depth: int) -> object:
        elements = _list(rec.get("elements"), "Sequence.elements")
        kind = ct
        if kind not in ("list", "dict", "set", "frozenset", "deque"):
            pairs = all(isinstance(e, dict) and e.get("kind") == "Tuple"
                        and isinstance(e.get("elements"), list) and len(e["elements"]) == 2
                        for e in elements)
            if lang.lower() in ("dict", "map", "hashmap") and pairs:
                kind = "dict"
            elif tkind in (1, 2, 3) or lang.lower() in ("set", "hashset"):
                kind = "set"
            else:
                kind = "list"
        tname = _CANONICAL.get((kind, lang), lang or kind)
        if kind == "dict":
            keys = []
            vals = []
            for e in elements:
                pair = _list(e.get("elements") if isinstance(e, dict) else None, "dict pair")
                if len(pair) != 2:
                    raise _Bad("a dict entry is not a key/value pair")
                keys.append(self._decode(pair[0], step, depth + 1))
                vals.append(self._decode(pair[1], step, depth + 1))
            return self._object("dict", tname, (_length(rec, elements), tuple(keys), tuple(vals)),
                                step)
        items = tuple(self._decode(e, step, depth + 1) for e in elements)
        return self._object(kind, tname, (_length(rec, elements), items), step)

    def _variant(self, rec: dict[str, Any], lang: str, step: int, depth: int) -> object:
        name = _str(rec.get("discriminator"), "Variant.discriminator")
        contents = self._decode(rec["contents"], step, depth + 1)
        if contents.__class__ in (int, float, str, bool) or contents is None:
            try:
                klass = enum.Enum(lang or "Enum", [(name, contents)])  # type: ignore[misc]
                return klass[name]
            except (ValueError, TypeError, AttributeError):
                pass
        return self._object("repr", lang or "Enum", (f"{lang}.{name}",), step)

    def _object(self, kind: str, tname: str, snap: tuple[object, ...], step: int) -> Ref:
        heap = self.b.heap
        oid = heap.new_object(kind, tname)
        heap.add_version(oid, step, snap)
        return Ref(oid)

    # -- end --------------------------------------------------------------------------------
    def _warn(self, what: str) -> None:
        self.warnings[what] = self.warnings.get(what, 0) + 1

    def _finish(self) -> None:
        b = self.b
        ct = self.ct
        status = self.meta.get("process_exit_status")
        code = status.get("code") if isinstance(status, dict) else None
        label = status.get("label") if isinstance(status, dict) else None
        if code is None and isinstance(self.exit_value, dict):
            if self.exit_value.get("kind") == "Int" and isinstance(self.exit_value.get("i"), int):
                code = self.exit_value["i"]
            elif self.exit_value.get("kind") == "String" and label is None:
                label = self.exit_value.get("text")
        if ct is not None:
            meta = ct.get("meta")
            if isinstance(meta, dict):
                b.meta.update(meta)
            out = ct.get("outcome")
            if isinstance(out, dict) and out.get("status") in ("returned", "raised"):
                value = out.get("value")
                enc: object = None
                if isinstance(value, dict):
                    try:
                        self._check_types(value, 0)
                        enc = self._decode(value, b.step_count, 0)
                    except _Bad as exc:
                        raise TraceFormatError(f"trace_metadata.json: outcome value: {exc}",
                                               context={"file": "trace_metadata.json"}) from None
                b.outcome = Outcome(out["status"], enc, _opt_str(out.get("exc_type")),
                                    _opt_str(out.get("exc_message")), _opt_str(out.get("traceback")))
            reason = ct.get("stop_reason")
            b.stop_reason = reason if isinstance(reason, str) else None
            dropped = ct.get("dropped_steps")
            b.dropped_steps = dropped if isinstance(dropped, int) else 0
            b.failure = _opt_str(ct.get("failure"))
            io_dropped = ct.get("io_dropped")
            if isinstance(io_dropped, dict):
                b.io_dropped = {str(k): int(v) for k, v in io_dropped.items() if isinstance(v, int)}
            early = [row for row in ct.get("exceptions") or () if isinstance(row, list)
                     and len(row) == 4]
            if early:
                self._prepend_exceptions(early)
        else:
            for key in ("program", "args", "workdir"):
                if key in self.meta:
                    b.meta[key] = self.meta[key]
            recorder = self.meta.get("recorder")
            if isinstance(recorder, dict) and isinstance(recorder.get("name"), str):
                b.meta["recorder"] = recorder["name"]
                b.meta["recorder_version"] = str(recorder.get("version", ""))
            b.meta["imported_from"] = str(self.folder)
            if self.error_event is not None:
                exc_type, _, msg = self.error_event.partition(": ")
                b.outcome = Outcome("raised", None, exc_type or "Error", msg, None)
            elif isinstance(code, int) and code != 0:
                b.outcome = Outcome("raised", None, "SystemExit", str(code), None)
            else:
                b.outcome = Outcome("returned", None)
        if isinstance(code, int) and not isinstance(code, bool):
            b.meta["exit_code"] = code
        elif isinstance(label, str):
            b.meta["exit_label"] = label
        if self.warnings:
            b.meta["import_warnings"] = dict(self.warnings)
        if self.other_events:
            b.meta["import_skipped_events"] = dict(self.other_events)

    def _prepend_exceptions(self, rows: list[list[Any]]) -> None:
        b = self.b
        old = (list(b.exc_step), list(b.exc_frame), list(b.exc_kind), list(b.exc_type),
               list(b.exc_msg))
        del b.exc_step[:], b.exc_frame[:], b.exc_kind[:], b.exc_type[:], b.exc_msg[:]
        for kind, tname, msg, fr in rows:
            b.add_exception(-1, fr if isinstance(fr, int) else -1, str(kind), str(tname), str(msg))
        for row in zip(*old):
            b.add_exception(*row)


_MISSING = object()

#: Required fields of each ValueRecord kind and their JSON types (checked at the Value event).
_FIELDS: dict[str, tuple[tuple[str, tuple[type, ...]], ...]] = {
    "None": (),
    "Bool": (("b", (bool,)),),
    "Int": (("i", (int,)),),
    "Float": (("f", (int, float, str)),),
    "String": (("text", (str,)),),
    "Raw": (("r", (str,)),),
    "Error": (("msg", (str,)),),
    "Sequence": (("elements", (list,)),),
    "Tuple": (("elements", (list,)),),
    "Struct": (("field_values", (list,)),),
    "Variant": (("discriminator", (str,)), ("contents", (dict,))),
    "Reference": (("dereferenced", (dict,)),),
    "Cell": (),
    "BigInt": (("b", (str, list)),),
}

_HANDLERS = {
    "Path": _Reader._path,
    "Function": _Reader._function,
    "Type": _Reader._type,
    "VariableName": _Reader._variable_name,
    "Variable": _Reader._variable_name,
    "Value": _Reader._value,
    "Step": _Reader._step,
    "Call": _Reader._call,
    "Return": _Reader._return,
    "Event": _Reader._io,
}


def _with_next(events: Iterator[object]) -> Iterator[tuple[int, object, object]]:
    """Yield ``(index, event, next event or None)``."""
    it = iter(events)
    try:
        current = next(it)
    except StopIteration:
        return
    index = 0
    for following in it:
        yield index, current, following
        current = following
        index += 1
    yield index, current, None


def _int(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Bad(f"{key} is missing or not an integer")
    if value < 0 and key != "line":
        raise _Bad(f"{key} is negative")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"{what} is not a string")
    return value


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(f"{what} is not a list")
    return value


def _length(rec: dict[str, Any], elements: list[Any]) -> int:
    n = rec.get("ct_len")
    return n if isinstance(n, int) and not isinstance(n, bool) and n >= len(elements) else len(elements)


def _float(value: float | str) -> float:
    if isinstance(value, str):
        text = value.strip()
        lowered = text.lower()
        if lowered in ("nan", "+nan", "-nan"):
            return math.nan
        return float(text)
    return float(value)


def _bigint(rec: dict[str, Any]) -> int:
    raw = rec.get("b")
    if isinstance(raw, str):
        data = base64.b64decode(raw, validate=True)
    elif isinstance(raw, list) and all(isinstance(x, int) and 0 <= x < 256 for x in raw):
        data = bytes(raw)
    else:
        raise _Bad("BigInt.b is neither base64 text nor a byte list")
    value = int.from_bytes(data, "big")
    return -value if rec.get("negative") is True else value


__all__ = ["read_trace"]
