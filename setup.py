"""Build steps that pyproject.toml cannot declare: the viewer's front end and the optional C core.

Metadata lives in pyproject.toml. The viewer's sources live in ``js/``; a build copies the
files the widget loads into ``ct_jupyter/static/`` inside the wheel (an editable install reads
them from ``js/`` directly).
"""

from __future__ import annotations

import platform
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
#: Front-end files the widget loads, copied from js/ into the package's static/ folder.
STATIC = ("widget.js", "widget.css")


class BuildPy(build_py):
    """build_py that also places the viewer's front end in ``ct_jupyter/static/``."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "ct_jupyter" / "static"
        target.mkdir(parents=True, exist_ok=True)
        for name in STATIC:
            source = ROOT / "js" / name
            if source.is_file():
                shutil.copyfile(source, target / name)


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


#: The recorder's optional C hot path (ct_jupyter/core/ccore.py chooses it at run time).
CCORE = Extension("ct_jupyter.core._ccore", sources=["ct_jupyter/core/_ccore.c"], optional=True)

setup(cmdclass={"build_py": BuildPy, "build_ext": OptionalBuildExt},
      ext_modules=[] if platform.python_implementation() != "CPython" else [CCORE])
