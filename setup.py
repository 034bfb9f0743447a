"""Build steps that pyproject.toml cannot declare: the JupyterLab extension's data files.

Metadata lives in pyproject.toml. The viewer's front end is built from ``js/src`` by
``npm run build`` (js/build.mjs) and COMMITTED, so a plain ``pip install`` needs no Node:
``ct_jupyter/static/`` (the anywidget bundle, package data) and ``ct_jupyter/labextension/``
(the prebuilt JupyterLab 4 / Notebook 7 extension), which this file installs as data files
under ``share/jupyter/labextensions/ct-jupyter-viewer`` where JupyterLab finds it.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent
LABEXT = ROOT / "ct_jupyter" / "labextension"
#: Where JupyterLab looks for prebuilt extensions inside an environment.
LABEXT_DEST = "share/jupyter/labextensions/ct-jupyter-viewer"


def _labextension_files() -> list[tuple[str, list[str]]]:
    """Return ``data_files`` entries for every file of the prebuilt extension (none if unbuilt)."""
    entries: dict[str, list[str]] = {}
    for path in sorted(LABEXT.rglob("*")) if LABEXT.is_dir() else []:
        if path.is_file():
            rel = path.relative_to(LABEXT).parent
            dest = f"{LABEXT_DEST}/{rel.as_posix()}" if str(rel) != "." else LABEXT_DEST
            entries.setdefault(dest, []).append(path.relative_to(ROOT).as_posix())
    return sorted(entries.items())


setup(data_files=_labextension_files())
