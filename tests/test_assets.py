"""The committed front-end builds match js/src (a stale bundle would ship old viewer code)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "js" / "src"
STATIC = ROOT / "ct_jupyter" / "static"


def source_hash() -> str:
    """Return the hash js/build.mjs stamps into its outputs (same recipe)."""
    digest = hashlib.sha256()
    for path in sorted(SRC.rglob("*"), key=lambda p: p.relative_to(SRC).as_posix()):
        if path.is_file():
            digest.update(path.relative_to(SRC).as_posix().encode() + b"\n")
            digest.update(path.read_bytes())
            digest.update(b"\n")
    return digest.hexdigest()[:16]


def stamp(text: str) -> str | None:
    """Return the ``source-hash`` stamped in a built file, or None."""
    found = re.search(r"source-hash: ([0-9a-f]{16})", text)
    return found.group(1) if found else None


def test_anywidget_bundle_is_built_from_the_current_sources():
    expected = source_hash()
    for name in ("widget.js", "widget.css"):
        built = (STATIC / name).read_text(encoding="utf-8")
        assert stamp(built) == expected, (
            f"ct_jupyter/static/{name} is stale: run `npm run build` in js/ and commit the result")


def test_bundle_is_one_module_without_imports():
    """anywidget loads one ESM file: the bundle must not import anything (offline, no CDN)."""
    js = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert not re.search(r"^\s*import\s", js, re.MULTILINE)
    assert "export default" in js or "export {" in js
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js


def test_labextension_is_built_from_the_current_sources():
    lab = ROOT / "ct_jupyter" / "labextension"
    assert (lab / "source-hash.txt").read_text(encoding="utf-8").strip() == source_hash(), (
        "ct_jupyter/labextension is stale: run `npm run build:lab` in js/ and commit the result")
    meta = json.loads((lab / "package.json").read_text(encoding="utf-8"))
    entry = lab / meta["jupyterlab"]["_build"]["load"]
    assert entry.is_file()
    assert meta["name"] == "ct-jupyter-viewer"


def test_wheel_installs_the_labextension_where_jupyterlab_looks():
    """setup.py's data_files put every built file under share/jupyter/labextensions/."""
    import runpy
    import sys
    import types

    calls: list[dict] = []

    class _Stub(types.ModuleType):
        """setuptools stand-in: `setup` records its arguments, anything else is a dummy class."""

        def __getattr__(self, name: str) -> object:
            if name == "setup":
                return lambda **kw: calls.append(kw)
            return type(name, (), {"__init__": lambda self, *a, **k: None})

    names = ("setuptools", "setuptools.command", "setuptools.command.build_ext")
    saved = {n: sys.modules.get(n) for n in names}
    sys.modules.update({n: _Stub(n) for n in names})
    try:
        runpy.run_path(str(ROOT / "setup.py"), run_name="__main__")
    finally:
        for n, mod in saved.items():
            if mod is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = mod
    data_files = dict(calls[0]["data_files"])
    installed = {f"{dest}/{Path(f).name}" for dest, files in data_files.items() for f in files}
    labext = ROOT / "ct_jupyter" / "labextension"
    built = {f"share/jupyter/labextensions/ct-jupyter-viewer/{p.relative_to(labext).as_posix()}"
             for p in labext.rglob("*") if p.is_file()}
    assert installed == built
