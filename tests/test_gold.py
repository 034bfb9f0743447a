"""Gold corpus: teaching programs and cells, rendered step by step, checked against text files.

Every program in ``tests/gold/programs`` runs through every backend of this Python; its
`steps_text` rendering (line, frame, what each line changed with values, calls, returns,
exceptions, output, final state) must equal ``tests/gold/<name>.txt`` — or
``<name>.py3XX.txt`` where this Python's line events really differ. So the two backends and the
three Python versions cannot be wrong in the same way unnoticed.

``CT_JUPYTER_REGEN=1`` rewrites the gold (a version-specific file only when this version's
output differs from the shared one); on a mismatch the actual output is written to
``tests/gold/actual/`` (git-ignored).

A program whose first line is ``# gold: cell`` runs as a notebook cell (through
`session.record_cell`, as ``%%codetrace`` does); ``# gold: max_steps=N`` sets a limit.
"""

from __future__ import annotations

import ast
import os
import pathlib
import sys
import warnings
from typing import Any

import pytest

import ct_jupyter
from ct_jupyter.errors import CodetraceWarning
from ct_jupyter.render.text import steps_text

GOLD = pathlib.Path(__file__).parent / "gold"
PROGRAMS = sorted((GOLD / "programs").glob("*.py"))
VERSION = f"py{sys.version_info[0]}{sys.version_info[1]}"


#: Known disagreements, each tied to an open issue item: strict xfail, so the fix must remove it.
KNOWN: dict[tuple[str, str], str] = {}


def _directives(source: str) -> dict[str, str]:
    first = source.splitlines()[0] if source else ""
    out: dict[str, str] = {}
    if first.startswith("# gold:"):
        for part in first[len("# gold:"):].split():
            key, _, value = part.partition("=")
            out[key] = value
    return out


def _shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def _record(path: pathlib.Path, backend: str) -> ct_jupyter.Trace:
    source = path.read_text()
    how = _directives(source)
    options: dict[str, Any] = {"backend": backend, "io": "proxies"}
    if "max_steps" in how:
        options["max_steps"] = int(how["max_steps"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CodetraceWarning)  # the stopped sample warns, as it should
        if "cell" not in how:
            return ct_jupyter.record(source, filename=f"<{path.stem}>", **options)
        from ct_jupyter.options import TraceOptions
        from ct_jupyter.session import record_cell

        shell = _shell()
        for node in ast.walk(ast.parse(source)):  # a fresh namespace for the cell's names
            if isinstance(node, ast.Name):
                shell.user_ns.pop(node.id, None)
        return record_cell(shell, source, TraceOptions.build(**options)).trace


def _gold_file(name: str) -> pathlib.Path:
    specific = GOLD / f"{name}.{VERSION}.txt"
    return specific if specific.exists() else GOLD / f"{name}.txt"


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_gold(program: pathlib.Path, backend: str, request: pytest.FixtureRequest) -> None:
    reason = KNOWN.get((program.stem, backend))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    actual = steps_text(_record(program, backend))
    gold = _gold_file(program.stem)
    shared = GOLD / f"{program.stem}.txt"
    if os.environ.get("CT_JUPYTER_REGEN") and not reason:  # a known-wrong backend never writes gold
        if not shared.exists() or (VERSION == "py312" and gold == shared):
            shared.write_text(actual)
        elif actual != shared.read_text():
            (GOLD / f"{program.stem}.{VERSION}.txt").write_text(actual)
        gold = _gold_file(program.stem)
    expected = gold.read_text() if gold.exists() else ""
    if actual != expected:
        out = GOLD / "actual" / f"{program.stem}.{backend}.{VERSION}.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text(actual)
        pytest.fail(f"{program.stem} ({backend}, {VERSION}) differs from {gold.name}; "
                    f"actual output written to {out.relative_to(GOLD.parent.parent)}")


def test_the_corpus_covers_what_teachers_write() -> None:
    names = {p.stem for p in PROGRAMS}
    assert {"recursion", "aliasing", "comprehension_exception", "generators",
            "cell_trailing_expression", "cell_print", "stopped", "class_account"} <= names
    assert len(names) >= 12
