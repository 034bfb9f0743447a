"""Build steps that pyproject.toml cannot declare: ship the viewer's front end in the package.

Metadata lives in pyproject.toml. The viewer's sources live in ``js/``; a build copies the
files the widget loads into ``ct_jupyter/static/`` inside the wheel (an editable install reads
them from ``js/`` directly).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
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


setup(cmdclass={"build_py": BuildPy})
