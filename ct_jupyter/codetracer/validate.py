"""Check a CodeTracer JSON trace folder: the shipped JSON Schema plus the id/order invariants.

The schema (``ct-trace.schema.json``, generated from the format crate's serde types) checks the
shape of every event; it cannot check what readers assume about the *stream* (ct-format.md
§1.7), so this module checks those too, event by event:

* every path, function, type and variable id is declared (by its ``Path`` / ``Function`` /
  ``Type`` / ``VariableName`` event) before it is used, nested values included;
* a ``Call`` comes before the first ``Step``; ``Value``s and ``Event``s follow a ``Step``;
* every ``Call`` but the first is immediately preceded by a ``Step`` at the called function's
  definition (path, line); the first calls function 0, ``<toplevel>``; type 0 is ``None``;
* calls and returns balance (no ``Return`` without an open call, none left open at the end);
* ``trace_paths.json`` equals the ``Path`` events, and ``trace_metadata.json`` has
  ``workdir``, ``program`` and ``args``;
* no event that readers reject (``Assignment``, ``BindVariable``, ``DropVariables``, thread
  events, ``DropLastStep``); experimental cell events only warn.

Every message names the file and the event index. ``jsonschema`` is optional: without it the
invariants are still checked and the report says how to get the schema check.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..errors import TraceFormatError
from ._stream import iter_json_array, read_json
from .folder import open_inside

SCHEMA_FILE = pathlib.Path(__file__).with_name("ct-trace.schema.json")

FORBIDDEN = {
    "Assignment": "cannot be serialised to JSON by the format crate and the db-backend panics on it",
    "BindVariable": "the db-backend has no implementation for it (it panics)",
    "DropVariables": "the db-backend has no implementation for it (it panics)",
    "ThreadStart": "thread events do not exist in the 0.14 readers",
    "ThreadExit": "thread events do not exist in the 0.14 readers",
    "ThreadSwitch": "thread events do not exist in the 0.14 readers",
    "DropLastStep": "is serialised differently by the two reader versions",
}
EXPERIMENTAL = frozenset({"CompoundValue", "CellValue", "AssignCompoundItem", "AssignCell",
                          "VariableCell", "DropVariable", "Asm"})
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Problem:
    """One finding: ``error`` (the trace is invalid), ``warning`` or ``note``."""

    severity: str
    file: str
    index: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.index is None else f"{self.file}: event {self.index}"
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class ValidationReport:
    """What `validate` found; ``ok`` is True when there is no error."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    events: int = 0
    steps: int = 0
    calls: int = 0
    schema_checked: bool = False
    suppressed: int = 0

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        """The errors only."""
        return [p for p in self.problems if p.severity == "error"]

    def summary(self) -> str:
        """Return a one-line verdict."""
        checks = "schema + invariants" if self.schema_checked else "invariants only"
        # "Step"/"Call events" are the format's counts; "steps"/"calls" alone (show, record)
        # mean the recording's line steps and function calls — the two differ by the def-line
        # Step before every Call and by the <toplevel> Call.
        counts = (f"{self.events} events: {_n(self.steps, 'Step event')}, "
                  f"{_n(self.calls, 'Call event')}")
        if self.ok:
            return f"valid CodeTracer trace ({counts}; {checks})"
        n = len(self.errors) + self.suppressed
        return f"INVALID: {n} error{'s' if n != 1 else ''} ({counts}; {checks})"


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


class _Checker:
    def __init__(self, report: ValidationReport, max_problems: int) -> None:
        self.report = report
        self.max_problems = max_problems
        self.file = "trace.json"
        self.paths: list[str] = []
        self.functions: list[tuple[int, int, str]] = []
        self.n_types = 0
        self.type0: tuple[int, str] | None = None
        self.n_names = 0
        self.depth = 0
        self.calls = 0
        self.steps = 0
        self.prev: tuple[str, Any] | None = None

    def problem(self, index: int | None, message: str, severity: str = "error",
                file: str | None = None) -> None:
        if severity == "error" and len(self.report.errors) >= self.max_problems:
            self.report.suppressed += 1
            return
        self.report.problems.append(Problem(severity, file or self.file, index, message))

    # -- values -----------------------------------------------------------------------------
    def value(self, i: int, rec: Any, what: str, depth: int = 0) -> None:
        if depth > 100:
            self.problem(i, f"{what} is nested more than 100 levels deep (readers refuse it)")
            return
        if not isinstance(rec, dict):
            return  # the schema reports the shape
        tid = rec.get("type_id")
        if isinstance(tid, int) and not isinstance(tid, bool) and tid >= self.n_types:
            self.problem(i, f"{what} uses type_id {tid} before a Type event declared it "
                            f"({self.n_types} declared so far)")
        if rec.get("kind") == "Int":
            v = rec.get("i")
            if isinstance(v, int) and not isinstance(v, bool) and not I64_MIN <= v <= I64_MAX:
                self.problem(i, f"{what} holds Int {v}, outside the 64-bit range readers accept")
        for key in ("elements", "field_values"):
            kids = rec.get(key)
            if isinstance(kids, list):
                for kid in kids:
                    self.value(i, kid, what, depth + 1)
        for key in ("contents", "dereferenced"):
            if key in rec:
                self.value(i, rec[key], what, depth + 1)

    def var(self, i: int, vid: Any, what: str) -> None:
        if isinstance(vid, int) and not isinstance(vid, bool) and vid >= self.n_names:
            self.problem(i, f"{what} uses variable_id {vid} before a VariableName declared it "
                            f"({self.n_names} declared so far)")

    def path(self, i: int, pid: Any, what: str) -> None:
        if isinstance(pid, int) and not isinstance(pid, bool) and pid >= len(self.paths):
            self.problem(i, f"{what} uses path_id {pid} before a Path event declared it "
                            f"({len(self.paths)} declared so far)")

    # -- events -----------------------------------------------------------------------------
    def event(self, i: int, ev: Any) -> None:
        if isinstance(ev, str):
            kind, payload = ev, None
        elif isinstance(ev, dict) and len(ev) == 1:
            (kind, payload), = ev.items()
        else:
            self.problem(i, "not a CodeTracer event (an object with one key)")
            self.prev = None
            return
        if kind in FORBIDDEN:
            self.problem(i, f"{kind} must not be written: {FORBIDDEN[kind]}")
        elif kind in EXPERIMENTAL:
            self.problem(i, f"{kind} is experimental; CodeTracer readers may ignore it", "warning")
        p = payload if isinstance(payload, dict) else {}
        if kind == "Path":
            if isinstance(payload, str):
                self.paths.append(payload)
        elif kind == "Function":
            self.path(i, p.get("path_id"), "Function")
            pid, line, name = p.get("path_id"), p.get("line"), p.get("name")
            self.functions.append((pid if isinstance(pid, int) else -1,
                                   line if isinstance(line, int) else -1,
                                   name if isinstance(name, str) else ""))
            if len(self.functions) == 1 and name not in ("<toplevel>", "<top-level>"):
                self.problem(i, f"function 0 must be <toplevel>, not {name!r}")
        elif kind == "Type":
            info = p.get("specific_info")
            if isinstance(info, dict):
                for f in info.get("fields") or ():
                    tid = f.get("type_id") if isinstance(f, dict) else None
                    if isinstance(tid, int) and tid >= self.n_types + 1:
                        self.problem(i, f"Type field uses type_id {tid} before it was declared")
                deref = info.get("dereference_type_id")
                if isinstance(deref, int) and deref >= self.n_types + 1:
                    self.problem(i, f"Pointer type uses type_id {deref} before it was declared")
            if self.n_types == 0:
                self.type0 = (p.get("kind"), p.get("lang_type"))  # type: ignore[assignment]
                if p.get("kind") != 30:
                    self.problem(i, "type 0 must be the None type (kind 30)")
            self.n_types += 1
        elif kind in ("VariableName", "Variable"):
            self.n_names += 1
        elif kind == "Value":
            if self.steps == 0:
                self.problem(i, "Value before any Step (values attach to the last Step)")
            self.var(i, p.get("variable_id"), "Value")
            self.value(i, p.get("value"), "Value")
        elif kind == "Step":
            self.path(i, p.get("path_id"), "Step")
            if self.calls == 0:
                self.problem(i, "Step before any Call (readers assert a Call comes first)")
            self.steps += 1
        elif kind == "Call":
            self.call(i, p)
        elif kind == "Return":
            if self.depth == 0:
                self.problem(i, "Return without an open Call (calls and returns do not balance)")
            else:
                self.depth -= 1
            self.value(i, p.get("return_value"), "Return value")
        elif kind == "Event":
            if self.steps == 0:
                self.problem(i, "Event before any Step (events attach to the last Step)")
            meta = p.get("metadata")
            if isinstance(meta, str) and meta.startswith("{"):
                try:
                    parsed = json.loads(meta)
                except (ValueError, RecursionError):
                    parsed = None
                if isinstance(parsed, dict):
                    self.path(i, parsed.get("path_id"), "Event metadata")
        self.prev = (kind, payload)

    def call(self, i: int, p: dict[str, Any]) -> None:
        fid = p.get("function_id")
        known = isinstance(fid, int) and not isinstance(fid, bool) and fid < len(self.functions)
        if isinstance(fid, int) and not isinstance(fid, bool) and not known:
            self.problem(i, f"Call uses function_id {fid} before a Function event declared it "
                            f"({len(self.functions)} declared so far)")
        if self.calls == 0:
            if fid != 0:
                self.problem(i, "the first Call must call function 0 (<toplevel>)")
        elif known:
            fpath, fline, fname = self.functions[fid]  # type: ignore[index]
            prev = self.prev
            ok = (prev is not None and prev[0] == "Step" and isinstance(prev[1], dict)
                  and prev[1].get("path_id") == fpath and prev[1].get("line") == fline)
            if not ok:
                self.problem(i, f"Call of {fname!r} is not immediately preceded by a Step at its "
                                f"definition (path_id {fpath}, line {fline})")
        for arg in p.get("args") or ():
            if isinstance(arg, dict):
                self.var(i, arg.get("variable_id"), "Call argument")
                self.value(i, arg.get("value"), "Call argument")
        self.calls += 1
        self.depth += 1


def _schema_validators() -> tuple[Any, Any] | None:
    try:
        import jsonschema
    except ImportError:
        return None
    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        schema = json.load(fh)
    defs = schema["definitions"]
    cls = jsonschema.Draft7Validator
    event = cls({"$ref": "#/definitions/TraceLowLevelEvent", "definitions": defs})
    meta = cls({"$ref": "#/definitions/TraceMetadata", "definitions": defs})
    return event, meta


def _schema_message(errors: Iterator[Any]) -> str | None:
    import jsonschema.exceptions

    best = jsonschema.exceptions.best_match(errors)
    if best is None:
        return None
    where = "/".join(str(p) for p in best.absolute_path)
    text = best.message
    if len(text) > 300:
        text = text[:300] + "…"
    return f"schema: {text}" + (f" (at {where})" if where else "")


def _key(event: object) -> bytes:
    try:
        return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # too deep or an int past 64 bits
        return json.dumps(event, sort_keys=True).encode()


def validate(path: str | os.PathLike[str], *, schema: bool = True,
             max_problems: int = 50) -> ValidationReport:
    """Check the CodeTracer JSON trace folder at ``path`` and return a `ValidationReport`.

    Parameters
    ----------
    path
        The trace folder (or its ``trace.json``).
    schema
        Also check every event against the shipped JSON Schema (needs ``jsonschema``).
    max_problems
        Errors reported at most; later ones are only counted (``report.suppressed``).
    """
    p = pathlib.Path(os.fspath(path))
    try:
        given_file = p.is_file()
        folder = p.parent if given_file else p
        is_folder = folder.is_dir()
    except (OSError, ValueError):
        given_file, folder, is_folder = False, p, False
    report = ValidationReport(str(folder))
    checker = _Checker(report, max_problems)
    validators = _schema_validators() if schema else None
    if schema and validators is None:
        checker.problem(None, "schema check skipped: it needs the jsonschema package "
                              "(pip install jsonschema); the invariants were checked",
                        "note", "ct-trace.schema.json")
    report.schema_checked = validators is not None
    trace_file = p if given_file else folder / "trace.json"
    if not is_folder:
        checker.problem(None, "the trace folder does not exist", file=str(folder))
        return report
    index = -1
    seen: dict[bytes, str | None] = {}  # values repeat at every step: check each shape once
    try:
        for index, event in enumerate(iter_json_array(
                open_inside(folder, trace_file, "trace.json"), "trace.json")):
            try:
                if validators is not None:
                    key = _key(event)
                    if key in seen:
                        msg = seen[key]
                    else:
                        msg = _schema_message(validators[0].iter_errors(event))
                        if len(seen) > 50_000:
                            seen.clear()
                        seen[key] = msg
                    if msg is not None:
                        checker.problem(index, msg)
                checker.event(index, event)
            except (RecursionError, ValueError, TypeError, MemoryError) as exc:
                checker.problem(index, f"the event cannot be checked ({type(exc).__name__}: "
                                       f"{str(exc)[:200]})")
    except TraceFormatError as exc:
        event_at = exc.context.get("event")
        checker.problem(int(event_at) if event_at and event_at.isdigit() else None, exc.message)
    report.events = index + 1
    report.steps = checker.steps
    report.calls = checker.calls
    if checker.depth > 0:
        checker.problem(None, f"calls and returns do not balance: {checker.depth} call(s) still "
                              "open at the end (the <toplevel> call must be returned too)")
    if report.events == 0 and os.path.isfile(trace_file):
        checker.problem(None, "the trace has no events")
    _check_paths(folder, checker)
    _check_metadata(folder, checker, validators[1] if validators else None)
    return report


_UNREAD = object()


def _read_side_file(folder: pathlib.Path, name: str, why: str, checker: _Checker) -> Any:
    """Return the parsed JSON of ``folder/name``, or `_UNREAD` after reporting why not."""
    f = folder / name
    if not os.path.lexists(f):
        checker.problem(None, f"missing ({why})", file=name)
        return _UNREAD
    try:
        with open_inside(folder, f, name) as fh:
            return read_json(fh, name)
    except TraceFormatError as exc:
        checker.problem(None, exc.message, file=name)
        return _UNREAD


def _check_paths(folder: pathlib.Path, checker: _Checker) -> None:
    paths = _read_side_file(folder, "trace_paths.json",
                            "CodeTracer reads the path table from it", checker)
    if paths is _UNREAD:
        return
    if not isinstance(paths, list) or not all(isinstance(x, str) for x in paths):
        checker.problem(None, "must be a JSON array of strings", file="trace_paths.json")
        return
    if paths != checker.paths:
        for k, (a, b) in enumerate(zip(paths, checker.paths)):
            if a != b:
                checker.problem(None, f"entry {k} is {a!r} but Path event number {k} is {b!r}",
                                file="trace_paths.json")
                return
        checker.problem(None, f"has {len(paths)} entries but trace.json has "
                              f"{len(checker.paths)} Path events", file="trace_paths.json")


def _check_metadata(folder: pathlib.Path, checker: _Checker, validator: Any) -> None:
    meta = _read_side_file(folder, "trace_metadata.json",
                           "CodeTracer needs workdir, program and args", checker)
    if meta is _UNREAD:
        return
    if validator is not None:
        try:
            msg = _schema_message(validator.iter_errors(meta))
        except (RecursionError, ValueError, TypeError, MemoryError) as exc:
            msg = f"cannot be checked ({type(exc).__name__})"
        if msg is not None:
            checker.problem(None, msg, file="trace_metadata.json")
    elif not isinstance(meta, dict) or not all(k in meta for k in ("workdir", "program", "args")):
        checker.problem(None, "must be an object with workdir, program and args",
                        file="trace_metadata.json")


__all__ = ["Problem", "ValidationReport", "validate"]
