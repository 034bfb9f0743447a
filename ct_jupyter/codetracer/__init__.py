"""Write a `Trace` as a CodeTracer JSON trace folder, and read such folders back.

``export(trace, "out")`` writes ``out/trace.json``, ``out/trace_metadata.json``,
``out/trace_paths.json`` and ``out/files/…`` (the source of every recorded path, notebook cells
included). Everything is written into a temporary folder beside the target and renamed into
place at the end, so a failed export leaves no half-written folder. An existing folder is only
replaced when it holds nothing but a trace (and then only with ``overwrite=True``); see
`ct_jupyter.codetracer.target`.

``load("out")`` reads a CodeTracer JSON trace folder — ours, the CodeTracer recorders', or a
hand-written one — into a `Trace`.
"""

from __future__ import annotations

import os
import pathlib
import shutil

from ..errors import CodetraceError, ExportError, UsageError
from ..model.trace import Trace
from .target import (
    TraceDirConflict,
    check_target,
    clean_leftovers,
    foreign_entries,
    temporary_sibling,
)


def export(trace: Trace, path: str | os.PathLike[str], *, overwrite: bool = False,
           exit_code: int | None = None) -> pathlib.Path:
    """Write ``trace`` as a CodeTracer JSON trace folder at ``path`` and return its path.

    Parameters
    ----------
    trace
        The recording to write.
    path
        The folder to create. It must not exist, or be an empty folder, unless ``overwrite``.
    overwrite
        Replace an existing folder that holds nothing but a trace's own files (the old one is
        removed only after the new one is complete). A folder holding anything else, the
        working directory, ``$HOME`` and folders holding recorded files are never replaced.
    exit_code
        The process exit status to record (the ``<toplevel>`` return value); by default it is
        derived from the trace's outcome (0 when it returned, the ``SystemExit`` code, else 1).
    """
    if not isinstance(trace, Trace):
        raise UsageError("export() needs a Trace", code="ERR_INVALID_TARGET",
                         context={"type": type(trace).__name__})
    target = pathlib.Path(os.path.abspath(os.fspath(path)))
    protect = _recorded_files(trace)
    check_target(target, overwrite, protect)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError("cannot create the parent folder of the trace folder",
                          code="ERR_TRACE_DIR_CREATE_FAILED",
                          context={"path": str(target.parent), "io": str(exc)}) from exc
    clean_leftovers(target)
    tmp = temporary_sibling(target, "tmp")
    try:
        tmp.mkdir()
        _write_folder(trace, tmp, exit_code)
        _move_into_place(tmp, target, overwrite, protect)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, CodetraceError) or not isinstance(exc, Exception):
            raise
        if isinstance(exc, OSError):
            raise ExportError("could not write the trace folder",
                              context={"path": str(target), "io": str(exc)}) from exc
        raise ExportError(f"could not write the trace folder: {type(exc).__name__}: {exc}",
                          context={"path": str(target)}) from exc
    return target


def _recorded_files(trace: Trace) -> list[str]:
    """Return the recorded paths that are real files (their folders are never replaced)."""
    return [p for p in trace.paths if os.path.isabs(p) and os.path.isfile(p)]


def _write_folder(trace: Trace, folder: pathlib.Path, exit_code: int | None) -> None:
    import orjson

    from .metadata import write_metadata
    from .paths import exported_paths, iter_files
    from .writer import CodeTracerWriter

    names = exported_paths(trace)
    with open(folder / "trace.json", "wb", buffering=1 << 20) as fh:
        writer = CodeTracerWriter(trace, fh, paths=names, exit_code=exit_code)
        writer.write()
    with open(folder / "trace_paths.json", "wb") as fh:
        fh.write(orjson.dumps(writer.paths_out))
    with open(folder / "trace_metadata.json", "wb") as fh:
        write_metadata(trace, fh, writer)
    files = folder / "files"
    files.mkdir()
    root = files.resolve()
    for rel, text in iter_files(trace, names):
        dest = (files / rel).resolve()
        if root not in dest.parents:
            continue  # never write outside files/
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", encoding="utf-8", errors="surrogatepass", newline="") as out:
            out.write(text)


def _move_into_place(tmp: pathlib.Path, target: pathlib.Path, overwrite: bool,
                     protect: list[str]) -> None:
    check_target(target, overwrite, protect)  # again: the folder may have changed meanwhile
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    if not os.listdir(target):
        target.rmdir()
        os.rename(tmp, target)
        return
    old = temporary_sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    if foreign_entries(old):  # pragma: no cover - a racing writer added files: keep them
        raise TraceDirConflict("files were added to the replaced trace folder while exporting; "
                               "they are kept", context={"path": str(old)})
    shutil.rmtree(old, ignore_errors=True)


def load(path: str | os.PathLike[str]) -> Trace:
    """Read a CodeTracer JSON trace folder (or its ``trace.json``) into a `Trace`."""
    from .reader import read_trace

    return read_trace(path)


__all__ = ["TraceDirConflict", "export", "load"]
