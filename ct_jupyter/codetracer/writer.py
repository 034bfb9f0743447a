"""Streamed writer of CodeTracer JSON trace folders (``trace.json`` and its sidecars).

The event stream follows what the CodeTracer Python recorder 0.3.0 writes (see
``ct-format.md``): the prologue ``Path`` / ``Function <toplevel>`` / ``Call`` / ``Type None``;
for every activation the argument ``Value``s, a ``Step`` at the ``def`` line and the ``Call``;
per executed line a ``Step`` followed by the ``Value`` of every variable visible in that frame
and the IO ``Event``s written during it; a ``Return`` for every call, yield or unwind, and a
last ``Return`` closing ``<toplevel>`` with the exit status. Ids are positions: paths, functions,
types and variable names are interned and declared the first time they are used.

Values are encoded by `value_records` (``ValueRecord`` JSON, types declared as needed).
Keys starting with ``ct_`` carry what CodeTracer has no field for (a string's full
length, a frame's end kind, exceptions); readers ignore unknown keys, and `ct_jupyter.load`
uses them to rebuild the trace exactly.

Nothing is built in memory beyond the interning tables: every event is encoded with orjson
and written as soon as it is known.
"""

from __future__ import annotations

import ast
from typing import IO, Any

import orjson

from ..model.builder import FunctionInfo
from ..model.encoded import UNBOUND, Ref
from ..model.trace import Trace
from .json_text import dumps as _dumps
from .json_text import text as _text
from .value_records import (
    I64_MAX,
    I64_MIN,
    K_INT,
    K_STRING,
    MAX_VALUE_NODES,
    ValueRecords,
)

#: EventLogKind per stream
STREAM_KIND = {"stdout": 0, "stderr": 2, "stdin": 3}

_HIDDEN_NAMES = frozenset({"__builtins__"})


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
        self._pending: list[bytes] = []  # declarations due before the next event
        self.values = ValueRecords(trace, self._pending)
        # interning tables
        self.paths_out: list[str] = []
        self._path_ids: dict[str, int] = {}
        self._func_ids: dict[tuple[object, ...], int] = {}
        self._names: dict[str, int] = {}
        self._name_bytes: dict[str, bytes] = {}
        self._value_prefix: dict[str, bytes] = {}
        self._dirty: dict[int, set[str]] = {}
        self._last_step: dict[int, int] = {}
        self._sigs = _Signatures(trace)
        self._func_path: list[int] = []

    # -- low-level output -------------------------------------------------------------------
    def _write(self, event: bytes) -> None:
        pending = self._pending
        if pending:  # drained in place: `values` appends to the same list
            self._buf.extend(pending)
            pending.clear()
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
        self.values.declare_none()
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
        self.outcome_value = (self.values.value(outcome.value, n) if outcome is not None
                              and outcome.status == "returned" else None)
        code, label = self.exit
        if code is not None:
            ret = b'{"kind":"Int","i":%d,"type_id":%d}' % (code, self.values.type_id(K_INT, "Int", "int"))
        else:
            ret = (b'{"kind":"String","text":' + _text(label or "<exit>")
                   + b',"type_id":%d}' % self.values.type_id(K_STRING, "String", "str"))
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
                args.append((self._var(name), self.values.value(enc, s + 1)))
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
            value = self.values.value(result, max(self.fr_end_step[g], 0) + 1)
            extra = b"" if kind == "return" else b',"ct_end":' + _text(kind)
        final = self._final_state(g, s)
        if final:
            extra += b',"ct_final":[' + b",".join(final) + b"]"
        self._write(b'{"Return":{"return_value":' + value + extra + b"}}")
        self.state.pop(g, None)
        self._dirty.pop(g, None)
        self._last_step.pop(g, None)

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
                        self.values.probe(enc, last) != self.values.probe(enc, end):
                    names.add(name)
        out: list[bytes] = []
        for name in vars_:
            if name in names:
                enc = vars_[name]
                val = b"null" if enc is UNBOUND else self.values.value(enc, end)
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
            values = self.values
            value = values.encode
            write = self._write
            prefixes = self._value_prefix
            for name, enc in vars_.items():
                if enc is UNBOUND:
                    continue
                prefix = prefixes.get(name)
                if prefix is None:
                    prefix = prefixes[name] = (b'{"Value":{"variable_id":' + self._var(name)
                                               + b',"value":')
                values.budget = MAX_VALUE_NODES
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


__all__ = ["CodeTracerWriter", "exit_status"]
