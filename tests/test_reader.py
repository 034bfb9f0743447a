"""Import of CodeTracer JSON trace folders: reference traces, our own, hand-written, broken."""

from __future__ import annotations

import json
import pathlib
import sys

import pytest

import ct_jupyter
from ct_jupyter.codetracer import export, load
from ct_jupyter.codetracer.validate import validate
from ct_jupyter.errors import CodetraceWarning, TraceFormatError
from tests.test_export_codetracer import (
    REFERENCE,
    files_equal,
    record_program,
    synthetic_trace,
)

REFERENCE_TRACES = sorted(p for p in REFERENCE.iterdir() if (p / "trace.json").is_file())

# The example of ct-format.md §1.10 (module dunders left out), as CodeTracer reads it.
HAND_WRITTEN = [
    {"Path": "/home/user/proj/main.py"},
    {"Function": {"path_id": 0, "line": 1, "name": "<toplevel>"}},
    {"Call": {"function_id": 0, "args": []}},
    {"Type": {"kind": 30, "lang_type": "None", "specific_info": {"kind": "None"}}},
    {"Function": {"path_id": 0, "line": 1, "name": "<__main__>"}},
    {"Step": {"path_id": 0, "line": 1}},
    {"Call": {"function_id": 1, "args": []}},
    {"Step": {"path_id": 0, "line": 1}},
    {"Step": {"path_id": 0, "line": 4}},
    {"Type": {"kind": 16, "lang_type": "Object", "specific_info": {"kind": "None"}}},
    {"VariableName": "add"},
    {"Value": {"variable_id": 0, "value": {"kind": "Raw", "r": "<function add at 0x7f0000001000>",
                                           "type_id": 1}}},
    {"Type": {"kind": 7, "lang_type": "Int", "specific_info": {"kind": "None"}}},
    {"VariableName": "a"},
    {"VariableName": "b"},
    {"Function": {"path_id": 0, "line": 1, "name": "add"}},
    {"Value": {"variable_id": 1, "value": {"kind": "Int", "i": 1, "type_id": 2}}},
    {"Value": {"variable_id": 2, "value": {"kind": "Int", "i": 2, "type_id": 2}}},
    {"Step": {"path_id": 0, "line": 1}},
    {"Call": {"function_id": 2, "args": [
        {"variable_id": 1, "value": {"kind": "Int", "i": 1, "type_id": 2}},
        {"variable_id": 2, "value": {"kind": "Int", "i": 2, "type_id": 2}}]}},
    {"Step": {"path_id": 0, "line": 2}},
    {"Value": {"variable_id": 1, "value": {"kind": "Int", "i": 1, "type_id": 2}}},
    {"Value": {"variable_id": 2, "value": {"kind": "Int", "i": 2, "type_id": 2}}},
    {"Value": {"variable_id": 0, "value": {"kind": "Raw", "r": "<function add at 0x7f0000001000>",
                                           "type_id": 1}}},
    {"Return": {"return_value": {"kind": "Int", "i": 3, "type_id": 2}}},
    {"Step": {"path_id": 0, "line": 5}},
    {"Value": {"variable_id": 0, "value": {"kind": "Raw", "r": "<function add at 0x7f0000001000>",
                                           "type_id": 1}}},
    {"VariableName": "x"},
    {"Value": {"variable_id": 3, "value": {"kind": "Int", "i": 3, "type_id": 2}}},
    {"Event": {"kind": 0, "metadata": "{\"stream\":\"stdout\",\"thread\":\"ThreadId(1)\","
                                      "\"path_id\":0,\"line\":5,\"frame_id\":1,"
                                      "\"flags\":[\"newline\"]}", "content": "3\n"}},
    {"Return": {"return_value": {"kind": "None", "type_id": 0}}},
    {"Return": {"return_value": {"kind": "Int", "i": 0, "type_id": 2}}},
]


def write_folder(folder: pathlib.Path, events: list[object] | str, *,
                 paths: list[str] | None = None, meta: object = None) -> pathlib.Path:
    """Write a trace folder from events (or raw trace.json text)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = events if isinstance(events, str) else json.dumps(events)
    (folder / "trace.json").write_text(text, encoding="utf-8")
    if paths is None and not isinstance(events, str):
        paths = [e["Path"] for e in events if isinstance(e, dict) and "Path" in e]
    (folder / "trace_paths.json").write_text(json.dumps(paths or []))
    if meta is None:
        meta = {"workdir": "/home/user/proj", "program": "/home/user/proj/main.py", "args": []}
    (folder / "trace_metadata.json").write_text(json.dumps(meta))
    return folder


# -- reference traces -------------------------------------------------------------------------
@pytest.mark.parametrize("folder", REFERENCE_TRACES, ids=lambda p: p.name)
def test_every_reference_trace_loads(folder: pathlib.Path, tmp_path: pathlib.Path) -> None:
    events = json.loads((folder / "trace.json").read_text())
    steps = sum(1 for e in events if "Step" in e)
    calls = sum(1 for e in events if "Call" in e)
    trace = load(folder)
    # every Call but the <toplevel> one is preceded by the writer's def-line step
    assert len(trace) == steps - (calls - 1)
    assert trace.frame_count == calls - 1
    assert all(f.end_kind is not None for f in trace.frames())
    assert trace.paths == (f"/home/learner/lesson/{folder.name}.py",)
    assert trace.functions[0].is_module and trace.functions[0].module == "__main__"
    assert trace.meta["exit_code"] == 0
    assert trace.outcome is not None and trace.outcome.status == "returned"
    assert trace.meta["recorder"] == "codetracer_python_recorder"
    # the module frame's variables are the reference's globals, minus nothing we invent
    names = trace.variable_names(0)
    assert "__builtins__" in names  # the reference re-records it; we keep what it wrote
    # importing and writing again gives a valid trace
    out = export(trace, tmp_path / "again")
    report = validate(out)
    assert report.ok, [str(p) for p in report.problems]


def test_reference_values_and_io_come_through() -> None:
    bubble = load(REFERENCE / "bubble_sort")
    assert bubble.variable("result", len(bubble), 0).plain() == [1, 2, 4, 5, 8]
    sort_frame = next(f for f in bubble.frames() if f.function.qualname == "bubble_sort")
    assert sort_frame.result is not None and sort_frame.result.plain() == [1, 2, 4, 5, 8]
    assert bubble.arguments(sort_frame.id) == {"items": bubble.arguments(sort_frame.id)["items"]}
    io_trace = load(REFERENCE / "io_streams")
    chunks = [(c.stream, c.text) for c in io_trace.io]
    assert ("stdin", "Ada\n") in chunks and ("stdin", "teal\n") in chunks
    assert ("stdout", "hello, Ada\n") in chunks and ("stderr", "warning: low battery\n") in chunks
    greet = next(f for f in io_trace.frames() if f.function.qualname == "greet")
    hello = next(c for c in io_trace.io if c.text == "hello, Ada\n")
    assert io_trace.step(hello.step).frame == greet.id
    values = load(REFERENCE / "values")
    final = values.variables(len(values) - 1)
    assert final["big"].text == "1208925819614629174706176"
    assert final["table"].plain() == {"a": 1, 2: "b", (3, 4): [5]}
    assert final["text"].plain() == 'héllo\n<b>tag</b> "quoted"'


def test_generator_resumes_are_frames() -> None:
    trace = load(REFERENCE / "generators")
    countdown = [f for f in trace.frames() if f.function.qualname == "countdown"]
    assert len(countdown) == 7
    assert [f.result.plain() for f in countdown if f.result is not None][:3] == [3, 5, 4]


# -- our own traces -----------------------------------------------------------------------------
def test_round_trip_keeps_io_exceptions_and_truncation(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(
        "import sys\n"
        "def risky(v):\n"
        "    if v > 1:\n"
        "        raise ValueError(f'too big: {v}')\n"
        "    return v\n"
        "total = 0\n"
        "for k in range(4):\n"
        "    try:\n"
        "        total += risky(k)\n"
        "    except ValueError as exc:\n"
        "        print('caught', exc, file=sys.stderr)\n"
        "print('total', total)\n")
    trace, _ = record_program(script, io="proxies")
    first = export(trace, tmp_path / "a")
    loaded = load(first)
    assert [(c.stream, c.text) for c in loaded.io] == [(c.stream, c.text) for c in trace.io]
    assert [(e.step, e.kind, e.type_name, e.message) for e in loaded.exceptions] == \
        [(e.step, e.kind, e.type_name, e.message) for e in trace.exceptions]
    assert [f.end_kind for f in loaded.frames()] == [f.end_kind for f in trace.frames()]
    assert loaded.variable("total", len(loaded), 0).plain() == 1
    assert files_equal(first, export(loaded, tmp_path / "b")) == []

    with pytest.warns(CodetraceWarning, match="max_steps"):
        short, _ = record_program(script, io="off", max_steps=6)
    assert short.truncated
    folder = export(short, tmp_path / "short")
    again = load(folder)
    assert again.truncated and again.stop_reason == short.stop_reason
    assert again.dropped_steps == short.dropped_steps
    assert [f.end_kind for f in again.frames()] == [f.end_kind for f in short.frames()]
    assert files_equal(folder, export(again, tmp_path / "short2")) == []


def test_recorded_source_string_round_trips(tmp_path: pathlib.Path) -> None:
    trace = ct_jupyter.record("data = {'k': [1, 2.5, None]}\nalias = data\ndata['k'].append(3)\n",
                              io="off")
    first = export(trace, tmp_path / "a")
    loaded = ct_jupyter.load(first)
    assert loaded.variable("data", len(loaded), 0).plain() == {"k": [1, 2.5, None, 3]}
    assert loaded.sources == trace.sources
    assert files_equal(first, export(loaded, tmp_path / "b")) == []


def test_large_trace_loads_streamed(tmp_path: pathlib.Path) -> None:
    folder = export(synthetic_trace(100_000), tmp_path / "big")
    trace = load(folder / "trace.json")  # the file itself works too
    assert len(trace) == 100_000
    assert trace.variable("i", 99_999, 0).plain() == 49_999
    assert trace.change_count == 50_000  # unchanged values are not stored again


# -- hand-written traces ------------------------------------------------------------------------
def test_hand_written_trace_from_the_spec(tmp_path: pathlib.Path) -> None:
    trace = load(write_folder(tmp_path / "t", HAND_WRITTEN))
    assert [trace.line_of(i) for i in range(len(trace))] == [1, 4, 2, 5]
    assert [f.function.qualname for f in trace.frames()] == ["<module>", "add"]
    assert trace.arguments(1) == {"a": trace.variable("a", 2, 1), "b": trace.variable("b", 2, 1)}
    assert trace.frame(1).result is not None and trace.frame(1).result.plain() == 3
    assert trace.variable("x", 3, 0).plain() == 3
    assert [(c.step, c.stream, c.text, c.flags) for c in trace.io] == [(3, "stdout", "3\n", "newline")]


def test_steps_directly_in_toplevel_and_missing_metadata(tmp_path: pathlib.Path) -> None:
    events = [
        {"Path": "rel.py"},
        {"Function": {"path_id": 0, "line": 1, "name": "<top-level>"}},
        {"Call": {"function_id": 0, "args": []}},
        {"Type": {"kind": 7, "lang_type": "Integer", "specific_info": {"kind": "None"}}},
        {"Step": {"path_id": 0, "line": 1}},
        {"VariableName": "n"},
        {"Value": {"variable_id": 0, "value": {"kind": "Int", "i": 7, "type_id": 0}}},
        {"Step": {"path_id": 0, "line": 2}},
        {"Value": {"variable_id": 0, "value": {"kind": "Float", "f": "2.5", "type_id": 0}}},
    ]
    folder = write_folder(tmp_path / "t", events)
    (folder / "trace_metadata.json").unlink()
    trace = load(folder)
    assert len(trace) == 2
    assert trace.variable("n", 0, 0).plain() == 7
    assert trace.variable("n", 1, 0).plain() == 2.5
    assert trace.frame(0).end_kind is None  # the pure-Python recorder never closes <top-level>


# -- broken input -------------------------------------------------------------------------------
def _error(folder: pathlib.Path) -> TraceFormatError:
    with pytest.raises(TraceFormatError) as info:
        load(folder)
    return info.value


def test_truncated_file_names_the_file_and_event(tmp_path: pathlib.Path) -> None:
    text = json.dumps(HAND_WRITTEN)
    cut = text[: text.index('{"Step": {"path_id": 0, "line": 2}}') + 20]
    err = _error(write_folder(tmp_path / "t", cut, paths=[]))
    assert err.code == "ERR_TRACE_TRUNCATED"
    assert "trace.json" in err.message and "event 20" in err.message
    assert err.context == {"file": "trace.json", "event": "20"}
    whole_but_unclosed = text[:-1]
    err = _error(write_folder(tmp_path / "u", whole_but_unclosed, paths=[]))
    assert err.code == "ERR_TRACE_TRUNCATED" and "after 32 events" in err.message


@pytest.mark.parametrize("mutation, where, words", [
    (lambda ev: ev.__setitem__(7, 42), 7, "not a CodeTracer event"),
    (lambda ev: ev.__setitem__(11, {"Value": {"variable_id": 9, "value": {"kind": "None", "type_id": 0}}}),
     11, "variable_id 9"),
    (lambda ev: ev.__setitem__(11, {"Value": {"variable_id": 0, "value": {"kind": "Int", "i": 1, "type_id": 99}}}),
     11, "type_id 99"),
    (lambda ev: ev.__setitem__(8, {"Step": {"path_id": 4, "line": 4}}), 8, "path_id 4"),
    (lambda ev: ev.__setitem__(19, {"Call": {"function_id": 8, "args": []}}), 19, "function_id 8"),
    (lambda ev: ev.__setitem__(8, {"Step": {"path_id": 0, "line": "four"}}), 8, "line"),
    (lambda ev: ev.__setitem__(11, {"Value": {"variable_id": 0, "value": {"kind": "Nope", "type_id": 0}}}),
     11, "unknown value kind"),
], ids=["not-an-event", "variable", "type", "path", "function", "line-type", "value-kind"])
def test_malformed_events_name_the_event(tmp_path: pathlib.Path, mutation: object, where: int,
                                         words: str) -> None:
    events = json.loads(json.dumps(HAND_WRITTEN))
    mutation(events)  # type: ignore[operator]
    err = _error(write_folder(tmp_path / "t", events, paths=[]))
    assert f"event {where}" in err.message and words in err.message
    assert err.context["event"] == str(where) and err.context["file"] == "trace.json"


def test_step_before_any_call_is_refused(tmp_path: pathlib.Path) -> None:
    events = [{"Path": "a.py"}, {"Function": {"path_id": 0, "line": 1, "name": "<toplevel>"}},
              {"Step": {"path_id": 0, "line": 1}}, {"Step": {"path_id": 0, "line": 2}}]
    err = _error(write_folder(tmp_path / "t", events))
    assert "before any Call" in err.message


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("{}", "not a JSON array"),
    ('[{"Path": "a.py"} {"Path": "b.py"}]', "expected ','"),
    ('[{"Path": "a.py"},]', "trailing comma"),
    ('[{"Path": "a.py"}] trailing', "after the closing"),
    ('[{"Path": "a.py"}, {"Path": tru}]', "event 1 is not valid JSON"),
    ("[" + "[" * 100_000 + "]" * 100_000 + "]", "event 0"),
])
def test_not_json_arrays_are_typed_errors(tmp_path: pathlib.Path, text: str, words: str) -> None:
    err = _error(write_folder(tmp_path / "t", text, paths=[]))
    assert words in err.message
    assert "trace.json" in err.message


def test_bad_bytes_and_missing_files(tmp_path: pathlib.Path) -> None:
    folder = write_folder(tmp_path / "t", HAND_WRITTEN)
    (folder / "trace.json").write_bytes(b'[{"Path": "\xff\xfe"}]')
    assert "UTF-8" in _error(folder).message
    err = _error(tmp_path / "nowhere")
    assert err.code == "ERR_TRACE_MISSING"
    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "trace.bin").write_bytes(b"\xc0\xde\x72\xac\xe2\x00\x00\x00")
    err = _error(binary)
    assert err.code == "ERR_UNSUPPORTED_FORMAT" and "trace.bin" in err.message
    folder = write_folder(tmp_path / "m", HAND_WRITTEN, meta=["not", "an", "object"])
    assert "trace_metadata.json" in _error(folder).message
    (folder / "trace_metadata.json").write_text("{broken")
    assert "trace_metadata.json is not valid JSON" in _error(folder).message


def test_every_prefix_of_a_trace_fails_cleanly_or_loads(tmp_path: pathlib.Path) -> None:
    """Cut an export at many points: every cut is a TraceFormatError, never another error."""
    trace, _ = record_program(REFERENCE / "programs" / "recursion.py", io="proxies")
    folder = export(trace, tmp_path / "whole")
    data = (folder / "trace.json").read_bytes()
    target = write_folder(tmp_path / "cut", HAND_WRITTEN)
    for cut in range(1, len(data) - 3, max(1, len(data) // 60)):
        (target / "trace.json").write_bytes(data[:cut])
        with pytest.raises(TraceFormatError) as info:
            load(target)
        assert "trace.json" in info.value.message
    assert sys.getrecursionlimit() > 0


def test_foreign_value_kinds_decode(tmp_path: pathlib.Path) -> None:
    """Value records other writers use: 0.14 numeric floats, 0.16 string floats, BigInt…"""
    types = [
        {"Type": {"kind": 30, "lang_type": "None", "specific_info": {"kind": "None"}}},
        {"Type": {"kind": 8, "lang_type": "float", "specific_info": {"kind": "None"}}},
        {"Type": {"kind": 7, "lang_type": "Int", "specific_info": {"kind": "None"}}},
        {"Type": {"kind": 6, "lang_type": "Point", "specific_info": {
            "kind": "Struct", "fields": [{"name": "x", "type_id": 2}, {"name": "y", "type_id": 2}]}}},
        {"Type": {"kind": 1, "lang_type": "HashSet", "specific_info": {"kind": "None"}}},
        {"Type": {"kind": 17, "lang_type": "Color", "specific_info": {"kind": "None"}}},
        {"Type": {"kind": 14, "lang_type": "&i64", "specific_info": {
            "kind": "Pointer", "dereference_type_id": 2}}},
    ]
    values = {
        "f14": {"kind": "Float", "f": 1.5, "type_id": 1},
        "f16": {"kind": "Float", "f": "NaN", "type_id": 1},
        "huge": {"kind": "BigInt", "b": "AQAAAAAAAAAAAAA=", "negative": True, "type_id": 2},
        "pt": {"kind": "Struct", "field_values": [{"kind": "Int", "i": 1, "type_id": 2},
                                                 {"kind": "Int", "i": 2, "type_id": 2}],
               "type_id": 3},
        "s": {"kind": "Sequence", "elements": [{"kind": "Int", "i": 4, "type_id": 2}],
              "is_slice": False, "type_id": 4},
        "c": {"kind": "Variant", "discriminator": "Red", "contents": {"kind": "None", "type_id": 0},
              "type_id": 5},
        "r": {"kind": "Reference", "dereferenced": {"kind": "Int", "i": 9, "type_id": 2},
              "address": 4096, "mutable": False, "type_id": 6},
        "cell": {"kind": "Cell", "place": 3},
    }
    events: list[object] = [
        {"Path": "/p/main.rs"},
        {"Function": {"path_id": 0, "line": 1, "name": "<toplevel>"}},
        {"Call": {"function_id": 0, "args": []}},
        *types,
        {"Function": {"path_id": 0, "line": 1, "name": "main"}},
        {"Step": {"path_id": 0, "line": 1}},
        {"Call": {"function_id": 1, "args": []}},
        {"Step": {"path_id": 0, "line": 2}},
    ]
    for k, (name, rec) in enumerate(values.items()):
        events.append({"VariableName": name})
        events.append({"Value": {"variable_id": k, "value": rec}})
    events += [{"Return": {"return_value": {"kind": "None", "type_id": 0}}},
               {"Return": {"return_value": {"kind": "Int", "i": 0, "type_id": 2}}}]
    trace = load(write_folder(tmp_path / "t", events))
    got = trace.variables(0)
    assert got["f14"].plain() == 1.5
    assert got["f16"].kind == "float" and got["f16"].text == "nan"
    assert got["huge"].plain() == -(2**80)
    assert got["pt"].plain() == {"<Point>": {"x": 1, "y": 2}}
    assert got["s"].kind == "set" and got["s"].type_name == "HashSet"
    assert got["c"].text == "Color.Red"
    assert got["r"].plain() == 9
    assert got["cell"].kind == "error"
    assert trace.functions[0].qualname == "main" and not trace.functions[0].is_module
