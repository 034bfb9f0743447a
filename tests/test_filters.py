"""What is stepped into: user files under the working directory, patterns, never libraries."""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

import ct_jupyter


@pytest.fixture()
def project(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    (tmp_path / "helpers_mod.py").write_text("def double(x):\n    y = x * 2\n    return y\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "inner.py").write_text("def triple(x):\n    return x * 3\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("helpers_mod", "pkg", "pkg.inner"):
        sys.modules.pop(name, None)


SRC = "import helpers_mod, pkg.inner, json\na = helpers_mod.double(2)\nb = pkg.inner.triple(a)\nc = json.dumps(b)\n"


def _functions(trace: ct_jupyter.Trace) -> set[str]:
    return {f.function.qualname for f in trace.frames()}


def test_files_under_the_working_directory_are_user_code(project: pathlib.Path, backend: str) -> None:
    trace = ct_jupyter.record(SRC, backend=backend, io="off")
    assert _functions(trace) == {"<module>", "double", "triple"}
    double = next(f for f in trace.frames() if f.function.name == "double")
    assert trace.step(double.first_step).path == os.path.realpath(project / "helpers_mod.py")
    assert trace.sources[trace.step(double.first_step).path].startswith("def double")


def test_exclude_by_module_and_by_path(project: pathlib.Path, backend: str) -> None:
    trace = ct_jupyter.record(SRC, backend=backend, io="off", exclude=("pkg.*",))
    assert _functions(trace) == {"<module>", "double"}
    trace = ct_jupyter.record(SRC, backend=backend, io="off", exclude=("*/helpers_mod.py",))
    assert _functions(trace) == {"<module>", "triple"}


def test_include_library_module(project: pathlib.Path, backend: str) -> None:
    trace = ct_jupyter.record("import json\nj = json.dumps([1])\n", backend=backend, io="off",
                              include=("json", "json.*"))
    assert any(f.function.module.startswith("json") for f in trace.frames())


def test_bad_patterns_are_usage_errors() -> None:
    from ct_jupyter.errors import UsageError

    with pytest.raises(UsageError):
        ct_jupyter.record("a = 1", include="json")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        ct_jupyter.record("a = 1", exclude=("",))
