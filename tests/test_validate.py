"""The trace folder validator: good traces pass, each invariant broken once is reported."""

from __future__ import annotations

import builtins
import json
import pathlib
from collections.abc import Callable
from typing import Any

import pytest

from ct_jupyter.codetracer import export
from ct_jupyter.codetracer.validate import validate
from tests.test_export_codetracer import REFERENCE, record_program
from tests.test_reader import HAND_WRITTEN, REFERENCE_TRACES, write_folder


def _events() -> list[Any]:
    return json.loads(json.dumps(HAND_WRITTEN))


def test_hand_written_example_is_valid(tmp_path: pathlib.Path) -> None:
    report = validate(write_folder(tmp_path / "t", _events()))
    assert report.ok, [str(p) for p in report.problems]
    assert (report.events, report.steps, report.calls) == (32, 6, 3)
    assert report.summary().startswith(
        "valid CodeTracer trace (32 events: 6 Step events, 3 Call events")


@pytest.mark.parametrize("folder", REFERENCE_TRACES, ids=lambda p: p.name)
def test_reference_traces_are_valid(folder: pathlib.Path) -> None:
    report = validate(folder)
    assert report.ok and report.schema_checked, [str(p) for p in report.problems]


def test_our_export_is_valid(tmp_path: pathlib.Path, backend: str) -> None:
    trace, _ = record_program(REFERENCE / "programs" / "exceptions.py", backend)
    report = validate(export(trace, tmp_path / "out"))
    assert report.ok, [str(p) for p in report.problems]


def _insert(index: int, event: object) -> Callable[[list[Any]], None]:
    return lambda ev: ev.insert(index, event)


def _replace(index: int, event: object) -> Callable[[list[Any]], None]:
    return lambda ev: ev.__setitem__(index, event)


def _delete(index: int) -> Callable[[list[Any]], None]:
    return lambda ev: ev.__delitem__(index)


BROKEN = [
    # (id, mutation, file, event index or None, words in the message)
    ("path-before-declared", _replace(8, {"Step": {"path_id": 3, "line": 4}}),
     "trace.json", 8, "path_id 3 before a Path event declared it"),
    ("function-before-declared", _replace(19, {"Call": {"function_id": 7, "args": []}}),
     "trace.json", 19, "function_id 7 before a Function event declared it"),
    ("type-before-declared", _replace(11, {"Value": {"variable_id": 0, "value": {
        "kind": "Raw", "r": "x", "type_id": 12}}}),
     "trace.json", 11, "type_id 12 before a Type event declared it"),
    ("nested-type-before-declared", _replace(11, {"Value": {"variable_id": 0, "value": {
        "kind": "Sequence", "elements": [{"kind": "Int", "i": 1, "type_id": 2}],
        "is_slice": False, "type_id": 1}}}),
     "trace.json", 11, "type_id 2 before a Type event declared it"),
    ("variable-before-declared", _replace(11, {"Value": {"variable_id": 5, "value": {
        "kind": "None", "type_id": 0}}}),
     "trace.json", 11, "variable_id 5 before a VariableName declared it"),
    ("step-before-call", _insert(2, {"Step": {"path_id": 0, "line": 1}}),
     "trace.json", 2, "Step before any Call"),
    ("value-before-step", _insert(4, {"Value": {"variable_id": 0, "value": {
        "kind": "None", "type_id": 0}}}),
     "trace.json", 4, "Value before any Step"),
    ("call-without-def-line-step", _delete(18),
     "trace.json", 18, "not immediately preceded by a Step at its definition"),
    ("call-after-wrong-step", _replace(18, {"Step": {"path_id": 0, "line": 3}}),
     "trace.json", 19, "not immediately preceded by a Step at its definition (path_id 0, line 1)"),
    ("return-without-call", _insert(32, {"Return": {"return_value": {"kind": "None", "type_id": 0}}}),
     "trace.json", 32, "Return without an open Call"),
    ("calls-left-open", _delete(31),
     "trace.json", None, "1 call(s) still open at the end"),
    ("forbidden-assignment", _insert(20, {"Assignment": {"to": 0, "from": 1, "pass_by": "Value"}}),
     "trace.json", 20, "Assignment must not be written"),
    ("forbidden-bind-variable", _insert(20, {"BindVariable": {"variable_id": 0, "place": 1}}),
     "trace.json", 20, "BindVariable must not be written"),
    ("forbidden-drop-variables", _insert(20, {"DropVariables": [0]}),
     "trace.json", 20, "DropVariables must not be written"),
    ("forbidden-thread-event", _insert(20, {"ThreadSwitch": 2}),
     "trace.json", 20, "ThreadSwitch must not be written"),
    ("forbidden-drop-last-step", _insert(20, "DropLastStep"),
     "trace.json", 20, "DropLastStep must not be written"),
    ("first-call-not-toplevel", _replace(1, {"Function": {"path_id": 0, "line": 1, "name": "main"}}),
     "trace.json", 1, "function 0 must be <toplevel>"),
    ("type-0-not-none", _replace(3, {"Type": {"kind": 7, "lang_type": "Int",
                                              "specific_info": {"kind": "None"}}}),
     "trace.json", 3, "type 0 must be the None type"),
    ("int-out-of-range", _replace(11, {"Value": {"variable_id": 0, "value": {
        "kind": "Int", "i": 2**64, "type_id": 0}}}),
     "trace.json", 11, "outside the 64-bit range"),
    ("schema-shape", _replace(8, {"Step": {"path_id": 0, "line": "four"}}),
     "trace.json", 8, "schema:"),
    ("schema-float-number", _replace(11, {"Value": {"variable_id": 0, "value": {
        "kind": "Float", "f": 1.5, "type_id": 0}}}),
     "trace.json", 11, "schema:"),
    ("event-metadata-path", _replace(29, {"Event": {"kind": 0, "content": "3\n",
                                                    "metadata": "{\"path_id\": 4}"}}),
     "trace.json", 29, "Event metadata uses path_id 4"),
]


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_each_broken_invariant_is_reported(tmp_path: pathlib.Path, case: tuple[Any, ...]) -> None:
    _, mutate, file, index, words = case
    events = _events()
    paths = [e["Path"] for e in events if "Path" in e]
    mutate(events)
    report = validate(write_folder(tmp_path / "t", events, paths=paths))
    assert not report.ok
    hits = [p for p in report.errors if words in p.message]
    assert hits, [str(p) for p in report.problems]
    assert hits[0].file == file and hits[0].index == index
    text = str(hits[0])
    assert text.startswith(f"error: {file}" + (f": event {index}:" if index is not None else ":"))
    assert report.summary().startswith("INVALID")


def test_paths_file_must_equal_the_path_events(tmp_path: pathlib.Path) -> None:
    folder = write_folder(tmp_path / "t", _events(), paths=["/elsewhere.py"])
    report = validate(folder)
    [problem] = report.errors
    assert problem.file == "trace_paths.json"
    assert "'/elsewhere.py'" in problem.message and "'/home/user/proj/main.py'" in problem.message
    folder = write_folder(tmp_path / "u", _events(), paths=["/home/user/proj/main.py", "/x.py"])
    assert "2 entries but trace.json has 1 Path events" in validate(folder).errors[0].message
    (folder / "trace_paths.json").unlink()
    assert validate(folder).errors[0].file == "trace_paths.json"


def test_metadata_needs_workdir_program_args(tmp_path: pathlib.Path) -> None:
    folder = write_folder(tmp_path / "t", _events(), meta={"workdir": "/w", "args": []})
    [problem] = validate(folder).errors
    assert problem.file == "trace_metadata.json" and "program" in problem.message


def test_truncated_and_missing_traces_are_reports_not_crashes(tmp_path: pathlib.Path) -> None:
    text = json.dumps(_events())
    folder = write_folder(tmp_path / "t", text[: len(text) // 2])
    report = validate(folder)
    assert not report.ok
    assert any("truncated" in p.message for p in report.errors)
    missing = validate(tmp_path / "nowhere")
    assert not missing.ok and "does not exist" in missing.errors[0].message


def test_experimental_events_only_warn(tmp_path: pathlib.Path) -> None:
    events = _events()
    events.insert(20, {"Asm": ["nop"]})
    report = validate(write_folder(tmp_path / "t", events))
    assert report.ok
    assert [p.severity for p in report.problems] == ["warning"]


def test_many_errors_are_capped(tmp_path: pathlib.Path) -> None:
    events = _events()
    for _ in range(30):
        events.insert(20, {"DropVariables": [0]})
    report = validate(write_folder(tmp_path / "t", events), max_problems=5)
    assert len(report.errors) == 5 and report.suppressed == 25
    assert report.summary().startswith("INVALID: 30 errors")


def test_without_jsonschema_the_invariants_are_still_checked(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_jsonschema(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "jsonschema" or name.startswith("jsonschema."):
            raise ImportError("No module named 'jsonschema'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jsonschema)
    good = validate(write_folder(tmp_path / "good", _events()))
    assert good.ok and not good.schema_checked
    [note] = good.problems
    assert note.severity == "note" and "pip install jsonschema" in note.message
    assert good.summary().endswith("invariants only)")
    events = _events()
    del events[31]
    bad = validate(write_folder(tmp_path / "bad", events))
    assert not bad.ok and "still open" in bad.errors[0].message
    events = _events()
    events[8] = {"Step": {"path_id": 0, "line": "four"}}  # a shape only the schema checks
    assert validate(write_folder(tmp_path / "shape", events)).ok
