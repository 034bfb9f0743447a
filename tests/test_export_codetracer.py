"""Export to CodeTracer JSON trace folders: structure, values, reference parity, safety, memory.

The reference traces in ``tests/samples/export/reference/`` were written by the CodeTracer Rust
recorder (0.3.0, CPython 3.12) for the programs in ``reference/programs/``. Our export of the
same programs must have the same ``Step`` (path, line) sequence, the same ``Call``/``Return``
nesting and the same value for every local variable both record.

Deliberate differences from the reference recorder (also listed in the README):

* volume: the reference re-records every module global, ``__builtins__`` included, at every
  module-level step; we record a frame's own variables at every step, and at module or cell
  level only the names the code touches (never ``__builtins__``);
* values: we write floats, big ints, complex numbers, bytes and ranges as ``Raw`` text too, but
  with a type saying what they are (floats get a ``Float``-kind type); containers keep their
  structure (sets as ``Sequence``s of a ``Set``-kind type), instances are ``Struct``s, enum
  members ``Variant``s; cycles and over-deep values become ``Error`` records instead of crashing;
* exceptions: an object is shown by its repr (``ValueError('boom')``) where the reference
  writes ``str(exc)`` (``boom``); the comparison accepts exactly that difference;
* functions, classes, modules and generators are shown by an address-free repr; the
  comparison skips such identity-only values, and objects whose custom repr the recorder could
  not call (it stops asking a class after its repr failed once, e.g. inside ``__init__``).
"""

from __future__ import annotations

import functools
import io
import json
import os
import pathlib
import re
import sys
import tracemalloc
from typing import Any

import pytest

import ct_jupyter
from ct_jupyter.cli import record_script
from ct_jupyter.codetracer import TraceDirConflict, export, load
from ct_jupyter.codetracer.validate import validate
from ct_jupyter.codetracer.value_records import MAX_VALUE_DEPTH
from ct_jupyter.errors import CodetraceError, ExportError
from ct_jupyter.model import FunctionInfo, Outcome, Trace, TraceBuilder
from ct_jupyter.options import TraceOptions

HERE = pathlib.Path(__file__).parent
REFERENCE = HERE / "samples" / "export" / "reference"
PROGRAMS = sorted((REFERENCE / "programs").glob("*.py"))
EXPORT_SAMPLES = sorted((HERE / "samples" / "export").glob("*.py"))
CORE_SAMPLES = sorted((HERE / "samples").glob("*.py"))
STDIN = {"io_streams": "Ada\nteal\n"}
HAS_SYSMON = hasattr(sys, "monitoring")


# -- helpers shared with the other export tests ---------------------------------------------
def record_program(path: pathlib.Path, backend: str = "auto", *, stdin: str | None = None,
                   args: tuple[str, ...] = (), **options: Any) -> tuple[Trace, int]:
    """Record a script file the way ``ct-jupyter record`` does; return (trace, exit code)."""
    opts = TraceOptions.build(None, backend=backend, **options)
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        trace, code, _ = record_script(str(path), list(args), opts)
    finally:
        sys.stdin = saved
    return trace, code


def read_events(folder: pathlib.Path) -> list[Any]:
    """Return the parsed events of ``folder/trace.json``."""
    return json.loads((folder / "trace.json").read_text(encoding="utf-8"))


def files_equal(a: pathlib.Path, b: pathlib.Path) -> list[str]:
    """Return the relative names of files that differ between two folders (both ways)."""
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    return sorted(str(n) for n in names
                  if not (a / n).is_file() or not (b / n).is_file()
                  or (a / n).read_bytes() != (b / n).read_bytes())


class Parsed:
    """A trace.json read into what the reference comparison looks at."""

    def __init__(self, events: list[Any]) -> None:
        self.paths: list[str] = []
        self.functions: list[str] = []
        self.types: list[dict[str, Any]] = []
        self.names: list[str] = []
        self.flow: list[tuple[object, ...]] = []
        self.values: list[dict[str, Any]] = []
        for ev in events:
            (kind, p), = ev.items() if isinstance(ev, dict) else (("Drop", None),)
            if kind == "Path":
                self.paths.append(p)
            elif kind == "Function":
                self.functions.append(p["name"])
            elif kind == "Type":
                self.types.append(p)
            elif kind == "VariableName":
                self.names.append(p)
            elif kind == "Step":
                self.flow.append(("step", os.path.basename(self.paths[p["path_id"]]), p["line"]))
                self.values.append({})
            elif kind == "Value":
                if self.values:
                    self.values[-1][self.names[p["variable_id"]]] = p["value"]
            elif kind == "Call":
                self.flow.append(("call", self.functions[p["function_id"]]))
            elif kind == "Return":
                self.flow.append(("return",))


def render(rec: dict[str, Any], types: list[dict[str, Any]], like: dict[str, Any] | None = None
           ) -> str | None:
    """Return Python's ``str()`` of a recorded value, or None when it cannot be compared."""
    kind = rec["kind"]
    t = types[rec["type_id"]] if "type_id" in rec else {}
    ct = t.get("ct_kind")
    if kind == "None":
        return "None"
    if kind == "Bool":
        return "True" if rec["b"] else "False"
    if kind == "Int":
        return str(rec["i"])
    if kind == "Float":
        return str(rec["f"])
    if kind == "String":
        return rec["text"]
    if kind == "Error":
        return None
    if kind == "Raw":
        text = re.sub(r" at 0x[0-9a-f]+", "", rec["r"])
        if ct == "repr" and text.startswith("<"):
            return None  # functions, classes, modules, generators: identity, not value
        return text
    if kind == "Variant":
        return f"{t['lang_type']}.{rec['discriminator']}"
    if kind == "Struct":
        values = rec["field_values"]
        if like is not None and like.get("kind") == "Tuple":
            return _items("(", [_inner(v, types) for v in values], ")", len(values) == 1)
        if "ct_label" in rec:
            label = rec["ct_label"]
            # the recorder shows a placeholder once a class's repr has failed (e.g. in __init__)
            return None if label.startswith("<") and "repr" in label else label
        names = [f["name"] for f in t["specific_info"]["fields"]]
        parts = [f"{n}={_inner(v, types)}" for n, v in zip(names, values)]
        return f"{t['lang_type']}({', '.join(parts)})"
    if kind == "Tuple":
        return _items("(", [_inner(v, types) for v in rec["elements"]], ")",
                      len(rec["elements"]) == 1)
    if kind == "Sequence":
        lang = t.get("lang_type")
        items = rec["elements"]
        if ct == "dict" or lang == "Dict":
            return "{" + ", ".join(f"{_inner(e['elements'][0], types)}: "
                                   f"{_inner(e['elements'][1], types)}" for e in items) + "}"
        parts = [_inner(v, types) for v in items]
        if ct == "set":
            return "{" + ", ".join(parts) + "}" if parts else "set()"
        if ct == "frozenset":
            return "frozenset({" + ", ".join(parts) + "})" if parts else "frozenset()"
        return "[" + ", ".join(parts) + "]"
    return None


class _NotComparable(Exception):
    pass


def _inner(rec: dict[str, Any], types: list[dict[str, Any]]) -> str:
    text = render(rec, types)
    if text is None:
        raise _NotComparable()
    return repr(text) if rec["kind"] == "String" else text


def _items(opener: str, parts: list[str], closer: str, single: bool) -> str:
    return opener + ", ".join(parts) + ("," if single else "") + closer


def compare_with_reference(program: pathlib.Path, tmp: pathlib.Path, backend: str) -> list[str]:
    """Record ``program`` and compare its export with the reference trace; return problems."""
    name = program.stem
    script = tmp / f"{name}.py"  # compared by basename with /home/learner/lesson/<name>.py
    script.write_text(program.read_text())
    # the reference recorder labels objects with their own __repr__: ours only when asked
    trace, code = record_program(script, backend, stdin=STDIN.get(name), repr_user=True)
    assert code == 0
    out = export(trace, tmp / "out")
    ours = Parsed(read_events(out))
    ref = Parsed(json.loads((REFERENCE / name / "trace.json").read_text()))
    problems: list[str] = []
    if ours.flow != ref.flow:
        for k, (a, b) in enumerate(zip(ours.flow, ref.flow)):
            if a != b:
                problems.append(f"{name}: flow differs at item {k}: ours {a}, reference {b}")
                break
        else:
            problems.append(f"{name}: flow lengths differ: ours {len(ours.flow)}, "
                            f"reference {len(ref.flow)}")
        return problems
    compared = 0
    for k, (mine, theirs) in enumerate(zip(ours.values, ref.values)):
        for var in sorted(set(mine) & set(theirs)):
            try:
                a = render(mine[var], ours.types, like=theirs[var])
                b = render(theirs[var], ref.types)
            except _NotComparable:
                continue
            if a is None or b is None:
                continue
            compared += 1
            if a != b and a != f"{ours.types[mine[var]['type_id']]['lang_type']}({b!r})":
                problems.append(f"{name}: step {k}: {var} = {a!r} here, {b!r} in the reference")
    if compared == 0:
        problems.append(f"{name}: no variable was compared")
    return problems


# -- reference parity -------------------------------------------------------------------------
def _comparable_here(program: pathlib.Path) -> str | None:
    """Return why ``program`` cannot be compared on this interpreter (None when it can)."""
    if sys.version_info >= (3, 12):
        return None
    text = program.read_text()
    if re.search(r"\[[^\]]* for |\{[^}]* for |\byield\b", text):
        return ("the reference was recorded on CPython 3.12: on 3.11 comprehensions are separate "
                "frames (PEP 709) and generator resumes report their line again")
    return None


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_export_matches_the_reference_recorder(program: pathlib.Path, backend: str,
                                               tmp_path: pathlib.Path) -> None:
    reason = _comparable_here(program)
    if reason is not None:
        pytest.skip(reason)
    assert compare_with_reference(program, tmp_path, backend) == []


def test_reference_comparison_can_fail(tmp_path: pathlib.Path) -> None:
    """The comparison itself notices a changed value and a changed line."""
    program = REFERENCE / "programs" / "bubble_sort.py"
    altered = tmp_path / "src"
    altered.mkdir()
    fake = altered / "bubble_sort.py"
    fake.write_text(program.read_text().replace("data = [5, 1, 4, 2, 8]", "data = [5, 1, 4, 2, 9]"))
    (tmp_path / "a").mkdir()
    problems = compare_with_reference(fake, tmp_path / "a", "auto")
    assert problems and "9" in " ".join(problems)
    fake.write_text("\n" + program.read_text())
    (tmp_path / "b").mkdir()
    problems = compare_with_reference(fake, tmp_path / "b", "auto")
    assert problems and "flow differs" in problems[0]


# -- every sample through every backend -------------------------------------------------------
@pytest.mark.parametrize("sample", CORE_SAMPLES + EXPORT_SAMPLES + PROGRAMS,
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_sample_exports_validates_and_round_trips(sample: pathlib.Path, backend: str,
                                                        tmp_path: pathlib.Path) -> None:
    trace, _ = record_program(sample, backend, stdin=STDIN.get(sample.stem, ""))
    first = export(trace, tmp_path / "first")
    report = validate(first)
    assert report.ok, [str(p) for p in report.problems]
    assert report.schema_checked
    assert report.steps >= len(trace)
    loaded = load(first)
    assert len(loaded) == len(trace)
    assert [loaded.line_of(i) for i in range(len(loaded))] == \
        [trace.line_of(i) for i in range(len(trace))]
    second = export(loaded, tmp_path / "second")
    assert files_equal(first, second) == []


# -- structure --------------------------------------------------------------------------------
def _write(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_prologue_def_line_steps_and_balanced_returns(tmp_path: pathlib.Path, backend: str) -> None:
    script = _write(tmp_path, "prog.py",
                    "def add(a, b):\n    return a + b\n\nx = add(1, 2)\nprint(x)\n")
    trace, _ = record_program(script, backend, io="off")
    events = read_events(export(trace, tmp_path / "out"))
    assert events[0] == {"Path": str(script)}
    assert events[1] == {"Function": {"path_id": 0, "line": 1, "name": "<toplevel>"}}
    assert events[2] == {"Call": {"function_id": 0, "args": []}}
    assert events[3]["Type"]["kind"] == 30 and events[3]["Type"]["lang_type"] == "None"
    calls = [i for i, e in enumerate(events) if "Call" in e]
    functions = [e["Function"] for e in events if "Function" in e]
    for i in calls[1:]:
        fn = functions[events[i]["Call"]["function_id"]]
        assert events[i - 1] == {"Step": {"path_id": fn["path_id"], "line": fn["line"]}}
    add_call = next(e["Call"] for e in events if "Call" in e
                    and functions[e["Call"]["function_id"]]["name"] == "add")
    names = [e["VariableName"] for e in events if "VariableName" in e]
    assert [(names[a["variable_id"]], a["value"]["i"]) for a in add_call["args"]] == \
        [("a", 1), ("b", 2)]
    assert functions[1]["name"] == "<__main__>"
    depth = 0
    for e in events:
        depth += ("Call" in e) - ("Return" in e)
        assert depth >= 0
    assert depth == 0
    assert events[-1] == {"Return": {"return_value": {"kind": "Int", "i": 0, "type_id":
                                                      events[-1]["Return"]["return_value"]["type_id"]}}}


def test_every_step_carries_the_frames_variables(tmp_path: pathlib.Path) -> None:
    """Readers expect full variable sets per step; the model stores deltas.

    Deliberate difference from the reference: module-level steps carry only the names the
    code touches, never ``__builtins__`` or the other module dunders.
    """
    script = _write(tmp_path, "prog.py",
                    "def f(n):\n    a = n\n    b = 2\n    c = a + b\n    return c\n\ny = f(1)\n")
    trace, _ = record_program(script, io="off")
    events = read_events(export(trace, tmp_path / "out"))
    names: list[str] = []
    steps: list[tuple[int, list[str]]] = []
    for e in events:
        if "VariableName" in e:
            names.append(e["VariableName"])
        elif "Step" in e:
            steps.append((e["Step"]["line"], []))
        elif "Value" in e:
            steps[-1][1].append(names[e["Value"]["variable_id"]])
    in_f = [(line, sorted(vs)) for line, vs in steps if 2 <= line <= 5]
    assert in_f == [(2, ["n"]), (3, ["a", "n"]), (4, ["a", "b", "n"]), (5, ["a", "b", "c", "n"])]
    assert "__builtins__" not in names and "__name__" not in names


def test_values_use_types_both_readers_accept(tmp_path: pathlib.Path) -> None:
    sample = HERE / "samples" / "export" / "value_kinds.py"
    trace, _ = record_program(sample, io="off", max_depth=40)
    folder = export(trace, tmp_path / "out")
    assert validate(folder).ok
    events = read_events(folder)
    parsed = Parsed(events)
    last = {}
    for values in parsed.values:
        last.update(values)
    types = parsed.types

    def typ(name: str) -> dict[str, Any]:
        return types[last[name]["type_id"]]

    assert last["ratio"]["kind"] == "Raw" and last["ratio"]["r"] == "0.30000000000000004"
    assert typ("ratio")["kind"] == 8
    specials = [e["r"] for e in last["specials"]["elements"]]
    assert specials == ["nan", "inf", "-inf", "-0.0"]
    assert last["big"] == {"kind": "Raw", "r": str(2**80), "type_id": last["big"]["type_id"]}
    assert typ("big")["lang_type"] == "BigInt" and typ("big")["kind"] == 7
    assert last["small"]["kind"] == "Int" and last["edge"]["kind"] == "Int"
    assert last["beyond"]["kind"] == "Raw"
    assert last["flag"]["kind"] == "Bool"
    assert last["unique"]["kind"] == "Sequence" and typ("unique")["kind"] == 1
    assert last["table"]["kind"] == "Sequence" and typ("table")["lang_type"] == "Dict"
    assert all(p["kind"] == "Tuple" and len(p["elements"]) == 2
               for p in last["table"]["elements"])
    assert last["point"]["kind"] == "Struct"
    fields = typ("point")["specific_info"]["fields"]
    assert [f["name"] for f in fields] == ["x", "y"]
    assert last["color"]["kind"] == "Variant" and last["color"]["discriminator"] == "GREEN"
    loop = last["loop"]
    assert loop["kind"] == "Sequence" and loop["elements"][1]["kind"] == "Error"
    assert loop["elements"][1]["msg"] == "<cycle>"
    assert last["long_text"]["kind"] == "String" and last["long_text"]["ct_cut"] == 50_000
    assert last["odd"]["kind"] == "String" and "\ufffd" in last["odd"]["text"]
    assert last["raw_bytes"]["kind"] == "Raw" and last["raw_bytes"]["r"] == "b'\\x00\\xffab'"

    def depth(rec: dict[str, Any]) -> int:
        kids = rec.get("elements") or rec.get("field_values") or []
        return 1 + max((depth(k) for k in kids), default=0)

    assert depth(last["deep"]) == MAX_VALUE_DEPTH + 1  # 24 list levels, then an Error leaf
    leaf = last["deep"]
    while leaf.get("elements"):
        leaf = leaf["elements"][0]
    assert leaf["kind"] == "Error" and leaf["msg"] == "<depth limit>"
    # the file is valid UTF-8 JSON even with the lone surrogate
    json.loads((folder / "trace.json").read_bytes().decode("utf-8"))


def test_io_events_have_stream_kinds_and_json_metadata(tmp_path: pathlib.Path) -> None:
    trace, _ = record_program(REFERENCE / "programs" / "io_streams.py", stdin="Ada\nteal\n",
                              io="proxies")
    events = read_events(export(trace, tmp_path / "out"))
    io_events = [e["Event"] for e in events if "Event" in e]
    kinds = {(e["kind"], json.loads(e["metadata"])["stream"]) for e in io_events}
    assert {(0, "stdout"), (2, "stderr"), (3, "stdin")} <= kinds
    contents = "".join(e["content"] for e in io_events if e["kind"] == 0)
    assert "hello, Ada\n" in contents and "favourite: teal\n" in contents
    assert [e["content"] for e in io_events if e["kind"] == 3] == ["Ada\n", "teal\n"]
    first_step = next(i for i, e in enumerate(events) if "Step" in e)
    assert all(i > first_step for i, e in enumerate(events) if "Event" in e)


def test_exit_status_and_uncaught_exception(tmp_path: pathlib.Path) -> None:
    exits = _write(tmp_path, "exits.py", "import sys\nx = 1\nsys.exit(3)\n")
    trace, code = record_program(exits, io="off")
    assert code == 3
    events = read_events(export(trace, tmp_path / "a", exit_code=code))
    assert events[-1]["Return"]["return_value"]["i"] == 3
    meta = json.loads((tmp_path / "a" / "trace_metadata.json").read_text())
    assert meta["process_exit_status"] == {"code": 3, "label": None}

    boom = _write(tmp_path, "boom.py", "def f():\n    raise ValueError('bad')\n\nf()\n")
    trace, code = record_program(boom, io="off")
    assert code == 1
    folder = export(trace, tmp_path / "b")
    events = read_events(folder)
    errors = [e["Event"] for e in events if "Event" in e and e["Event"]["kind"] == 11]
    assert errors == [{"kind": 11, "metadata": "", "content": "ValueError: bad"}]
    ends = [e["Return"].get("ct_end") for e in events if "Return" in e]
    assert ends.count("exception") == 2  # f and the module unwound
    assert events[-1]["Return"]["return_value"]["i"] == 1
    assert validate(folder).ok


# -- files/ and paths ---------------------------------------------------------------------------
def test_files_hold_every_source_in_codetracers_layout(tmp_path: pathlib.Path) -> None:
    pkg = tmp_path / "proj"
    pkg.mkdir()
    (pkg / "helper.py").write_text("def twice(v):\n    return v * 2\n")
    main = _write(pkg, "main.py", f"import sys\nsys.path.insert(0, {str(pkg)!r})\n"
                                  "from helper import twice\nprint(twice(4))\n")
    trace, _ = record_program(main, io="off", include=(str(pkg / "helper.py"),))
    folder = export(trace, tmp_path / "out")
    paths = json.loads((folder / "trace_paths.json").read_text())
    assert str(main) in paths and str(pkg / "helper.py") in paths
    for p in paths:
        copy = folder / "files" / p.lstrip("/")
        assert copy.read_text() == pathlib.Path(p).read_text()


def test_notebook_cells_get_stable_readable_names(tmp_path: pathlib.Path) -> None:
    from ct_jupyter.api import compile_source, run_recorded

    code, fname = compile_source("def sq(v):\n    return v * v\nz = sq(7)\n")
    ns: dict[str, Any] = {"__name__": "__main__"}
    result = run_recorded(functools.partial(exec, code, ns), options=TraceOptions(io="off"),
                          user_files={fname}, labels={fname: "In [3]"})
    folder = export(result.trace, tmp_path / "out")
    assert json.loads((folder / "trace_paths.json").read_text()) == ["cells/In_3.py"]
    assert (folder / "files" / "cells" / "In_3.py").read_text() == \
        "def sq(v):\n    return v * v\nz = sq(7)\n"
    loaded = load(folder)
    assert loaded.paths == (fname,)
    assert loaded.path_labels == {fname: "In [3]"}
    assert loaded.sources[fname].startswith("def sq")

    unlabelled = ct_jupyter.record("a = 1\nb = a + 1\n", io="off")
    folder = export(unlabelled, tmp_path / "plain")
    [name] = json.loads((folder / "trace_paths.json").read_text())
    assert re.fullmatch(r"cells/ct_jupyter_\d+\.py", name)
    assert (folder / "files" / name).is_file()


# -- the safe writer ----------------------------------------------------------------------------
def _small_trace() -> Trace:
    return ct_jupyter.record("a = 1\nb = a + 1\n", io="off")


def test_existing_folder_is_not_overwritten_without_the_option(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(TraceDirConflict) as info:
        export(_small_trace(), target)
    assert info.value.code == "ERR_TRACE_DIR_CONFLICT"
    assert (target / "keep.txt").read_text() == "mine"
    (target / "keep.txt").unlink()
    export(_small_trace(), target)
    export(_small_trace(), target, overwrite=True)  # a folder holding only a trace
    assert (target / "trace.json").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export(_small_trace(), empty) == empty
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(TraceDirConflict):
        export(_small_trace(), afile)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "empty", "out"]


def test_failed_export_leaves_no_half_written_folder(tmp_path: pathlib.Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from ct_jupyter.codetracer import writer as codetracer

    def explode(self: codetracer.CodeTracerWriter) -> None:
        self.out.write(b"[\n{\"Path\":\"x\"}")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(codetracer.CodeTracerWriter, "write", explode)
    with pytest.raises(ExportError) as info:
        export(_small_trace(), tmp_path / "out")
    assert "disk on fire" in str(info.value)
    assert list(tmp_path.iterdir()) == []
    # replacing an existing trace: the old one survives a failed export
    monkeypatch.undo()
    export(_small_trace(), tmp_path / "out")
    before = (tmp_path / "out" / "trace.json").read_bytes()
    monkeypatch.setattr(codetracer.CodeTracerWriter, "write", explode)
    with pytest.raises(CodetraceError):
        export(_small_trace(), tmp_path / "out", overwrite=True)
    assert (tmp_path / "out" / "trace.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_export_rejects_what_is_not_a_trace(tmp_path: pathlib.Path) -> None:
    with pytest.raises(CodetraceError) as info:
        export("not a trace", tmp_path / "x")  # type: ignore[arg-type]
    assert info.value.kind == "Usage"


# -- streaming ----------------------------------------------------------------------------------
def synthetic_trace(steps: int) -> Trace:
    """Build a one-frame trace of ``steps`` steps where a counter changes every other step."""
    b = TraceBuilder()
    pid = b.add_path("/synthetic/loop.py", "for i in range(N):\n    total += i\n")
    fid = b.add_function(FunctionInfo("<module>", "<module>", pid, 1, "__main__", True))
    frame = b.add_frame(fid, -1)
    add_step, add_change = b.add_step, b.add_change
    for k in range(steps // 2):
        step = add_step(frame, 1)
        add_change(step, frame, "i", k)
        add_step(frame, 2)
    b.end_frame(frame, "return", None)
    b.outcome = Outcome("returned", None)
    return b.freeze()


_MEASURE = """
import json, os, sys
from tests.test_export_codetracer import synthetic_trace
from ct_jupyter.codetracer import export

def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(key)

trace = synthetic_trace(1_000_000)
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak resident set size (VmHWM) to the current size
    reset = True
except OSError:
    reset = False
before = status("VmRSS")
peak_before = status("VmHWM")
folder = export(trace, sys.argv[1])
peak = status("VmHWM")
print(json.dumps({"steps": len(trace), "before": before, "peak": peak, "reset": reset,
                  "peak_before": peak_before,
                  "size": os.path.getsize(os.path.join(folder, "trace.json"))}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_million_step_export_is_streamed(tmp_path: pathlib.Path) -> None:
    """Exporting 1,000,000 steps never holds the JSON in memory.

    Measured in a fresh process (tracemalloc would slow this export ten-fold): the peak resident
    memory during the export grows by far less than the size of the JSON it writes. Where the
    peak cannot be reset (``/proc/self/clear_refs``), the bound allows for the peak left by
    building the trace, which still catches an export that holds its JSON.
    """
    import subprocess

    out = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path / "big")],
                         cwd=HERE.parent, capture_output=True, text=True, timeout=600,
                         check=True)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts["steps"] == 1_000_000
    size = facts["size"]
    assert size > 50_000_000
    growth = max(facts["peak"] - facts["before"], 0)
    allowed = size // 10
    if not facts["reset"]:
        allowed = max(allowed, facts["peak_before"] - facts["before"] + 1)
    assert growth < allowed, facts
    folder = tmp_path / "big"
    with open(folder / "trace.json", "rb") as fh:
        head = fh.read(400)
        fh.seek(-200, os.SEEK_END)
        tail = fh.read()
    assert head.startswith(b'[\n{"Path":"/synthetic/loop.py"}')
    assert tail.endswith(b'{"Return":{"return_value":{"kind":"Int","i":0,"type_id":1}}}\n]\n')
    assert validate(folder, schema=False).ok


def test_writer_memory_does_not_grow_with_the_trace() -> None:
    """tracemalloc: the writer's own peak stays flat from 5,000 to 50,000 steps."""
    from ct_jupyter.codetracer.writer import CodeTracerWriter

    class Sink:
        written = 0

        def write(self, data: bytes) -> None:
            self.written += len(data)

    peaks = []
    for steps in (5_000, 50_000):
        trace = synthetic_trace(steps)
        sink = Sink()
        tracemalloc.start()
        try:
            CodeTracerWriter(trace, sink, paths={}).write()  # type: ignore[arg-type]
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert sink.written > steps * 50
    assert peaks[1] < 4 * 1024 * 1024
    assert peaks[1] < peaks[0] * 3, peaks


def test_top_level_export_and_load_are_plain_functions(tmp_path: pathlib.Path) -> None:
    """``ct_jupyter.export``/``load`` stay functions even after the codetracer package is imported."""
    import inspect

    import ct_jupyter.codetracer.validate  # noqa: F401  (must not shadow the function)

    assert inspect.isfunction(ct_jupyter.export) and inspect.isfunction(ct_jupyter.load)
    assert list(inspect.signature(ct_jupyter.export).parameters) == [
        "trace", "path", "overwrite", "exit_code"]
    trace = _small_trace()
    assert ct_jupyter.export(trace, tmp_path / "a") == tmp_path / "a"
    from ct_jupyter import export as exported

    assert exported(trace, tmp_path / "b") == tmp_path / "b"
    assert ct_jupyter.load(tmp_path / "a").paths == trace.paths
