"""Where each recorded path goes in an exported CodeTracer folder, and which files are copied.

A real file keeps its path; a notebook cell or another synthetic source (``<ipython-input-…>``)
gets a stable, readable name under ``cells/``. Copied sources go under ``files/`` in
CodeTracer's own layout (`payload_path`). A loaded trace's sources come from its own folder
only (`LOADED_FROM`), never from local files of the same name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from ..model.trace import Trace

_SAFE_NAME = re.compile(r"[^A-Za-z0-9]+")

#: The ``Trace.meta`` key saying which folder a loaded trace came from (never exported): the
#: sources of a loaded trace come from that folder only, never from local files of the same name.
LOADED_FROM = "loaded_from"


def is_leftover_name(name: str) -> bool:
    """Return True if ``name`` is a hidden temporary folder of an export (see `target`)."""
    from .target import is_leftover_name as check

    return check(name)


def payload_path(path: str) -> str:
    """Return where CodeTracer keeps ``path`` under ``files/``: the root stripped, no ``..``.

    This is CodeTracer's own layout (``tracePayloadRelativePath`` in
    ``metacraft-labs/codetracer:src/ct/trace/source_paths.nim``): an absolute path loses its
    root (``/home/a/x.py`` -> ``home/a/x.py``), a relative one stays relative.
    """
    text = path.replace("\\", "/")
    if len(text) >= 2 and text[1] == ":":
        text = text[2:]
    parts = [p for p in text.split("/") if p not in ("", ".", "..")]
    return "/".join(parts)


def is_synthetic(path: str) -> bool:
    """Return True for a path that is no file on disk (``<string>``, ``<ipython-input-…>``)."""
    stripped = path.strip()
    return stripped.startswith("<") and stripped.endswith(">")


def exported_paths(trace: Trace) -> dict[str, str]:
    """Map every path of ``trace`` to the path written in the export.

    Files keep their path. Notebook cells and other synthetic sources get a stable, readable
    relative name under ``cells/``: from their label (``In [3]`` -> ``cells/In_3.py``) or else
    from the synthetic name itself.
    """
    labels = trace.path_labels
    out: dict[str, str] = {}
    taken: set[str] = set()
    for path in trace.paths:
        label = labels.get(path)
        if label is None and not is_synthetic(path):
            name = path
        else:
            base = _SAFE_NAME.sub("_", label if label is not None else path.strip("<> ")).strip("_")
            base = base or "cell"
            name = f"cells/{base}.py"
            n = 2
            while name in taken:
                name = f"cells/{base}_{n}.py"
                n += 1
        taken.add(name)
        out[path] = name
    return out


def iter_files(trace: Trace, paths: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Yield ``(relative file name under files/, source text)`` for every path with a source."""
    sources = trace.sources
    seen: set[str] = set()
    loaded = LOADED_FROM in trace.meta  # its sources come from its own folder, never from here
    for path in trace.paths:
        text = sources.get(path)
        if text is None and not loaded and not is_synthetic(path) and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
            except OSError:
                text = None
        if text is None:
            continue
        rel = payload_path(paths.get(path, path))
        if not rel or rel in seen or any(is_leftover_name(part) for part in rel.split("/")):
            continue  # a killed export's hidden folder is never copied into files/
        seen.add(rel)
        yield rel, text


__all__ = ["LOADED_FROM", "exported_paths", "is_leftover_name", "is_synthetic", "iter_files",
           "payload_path"]
