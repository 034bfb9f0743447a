"""Build steps that pyproject.toml cannot declare: the optional C core and the extension's data files.

Metadata lives in pyproject.toml. The viewer's front end is built from ``js/src`` by
``npm run build`` (js/build.mjs) and COMMITTED, so a plain ``pip install`` needs no Node:
``ct_jupyter/static/`` (the anywidget bundle, package data) and ``ct_jupyter/labextension/``
(the prebuilt JupyterLab 4 / Notebook 7 extension), which this file installs as data files
under ``share/jupyter/labextensions/ct-jupyter-viewer`` where JupyterLab finds it.
The recorder's C hot path (``ct_jupyter/core/_ccore.c``) is optional: without a compiler the
install still succeeds and the pure-Python core is used.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

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


class OptionalBuildExt(build_ext):
    """build_ext that never fails the install: without a compiler the Python core is used.

    The same approach as coverage.py's setup.py (its CTracer is optional too).
    """

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers: the pure-Python core still works
            _skip(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            _skip(exc)


def _skip(exc: BaseException) -> None:
    print(f"ct_jupyter: the optional C core was not built ({exc}); the pure-Python core "
          "will be used (install a C compiler and the Python headers to build it)",
          file=sys.stderr)


#: The recorder's optional C hot path (ct_jupyter/core/ccore.py chooses it at run time): one
#: translation unit, _ccore.c, which includes its parts (_ccore_*.h).
CCORE = Extension("ct_jupyter.core._ccore", sources=["ct_jupyter/core/_ccore.c"],
                  depends=sorted(str(p.relative_to(ROOT))
                                 for p in (ROOT / "ct_jupyter" / "core").glob("_ccore_*.h")),
                  optional=True)

setup(data_files=_labextension_files(),
      cmdclass={"build_ext": OptionalBuildExt},
      ext_modules=[] if platform.python_implementation() != "CPython" else [CCORE])
