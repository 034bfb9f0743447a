"""Where a trace folder may be written: what may be replaced, and the export's hidden leftovers.

A trace folder is replaced only when it holds nothing but a trace's own files (`TRACE_ENTRIES`);
anything else in it — a notebook, a script, a results file — makes the export refuse with
``ERR_TRACE_DIR_CONFLICT``, ``overwrite`` or not. The working directory, ``$HOME``, a folder
holding a recorded source file, and any folder above one of these are never replaced.

An export is written into a hidden ``.NAME.tmp-PID-XXXX`` folder beside the target and renamed
into place; an export killed half-way leaves that folder behind. `clean_leftovers` removes such
folders (and ``.NAME.old-PID-XXXX`` ones from an interrupted replace) the next time a trace is
written beside them, once the process that made them is gone.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import stat
import uuid
from collections.abc import Iterable

from ..errors import UsageError

#: The entries of a trace folder, and whether each is a folder (``files/``) or a file.
TRACE_ENTRIES: dict[str, bool] = {
    "trace.json": False,
    "trace_metadata.json": False,
    "trace_paths.json": False,
    "trace.bin": False,  # CodeTracer's binary (Cap'n Proto) trace
    "trace.ct": False,  # CodeTracer's CTFS container
    "files": True,
}

#: How many foreign entries an ERR_TRACE_DIR_CONFLICT error names.
SHOWN_FOREIGN = 5

_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:tmp|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{12}\Z")


class TraceDirConflict(UsageError):
    """The export target exists and may not be replaced (see the module docstring)."""

    code = "ERR_TRACE_DIR_CONFLICT"


def check_target(target: pathlib.Path, overwrite: bool,
                 protect: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Raise `TraceDirConflict` unless a trace may be written at the absolute path ``target``.

    ``protect`` names files or folders (recorded sources, the script) whose folders must never
    be replaced, in addition to the working directory and ``$HOME``.
    """
    try:
        info = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        return  # does not exist (creating it reports what is in the way)
    except OSError as exc:
        raise TraceDirConflict("the trace folder path cannot be inspected",
                               context={"path": str(target), "io": str(exc)}) from None
    if stat.S_ISLNK(info.st_mode):
        raise TraceDirConflict("the trace folder path is a symbolic link; it is never replaced",
                               context={"path": str(target)})
    if not stat.S_ISDIR(info.st_mode):
        raise TraceDirConflict("the trace folder path exists and is not a folder",
                               context={"path": str(target)})
    guarded = _guarded_by(target, protect)
    if guarded is not None:
        raise TraceDirConflict(f"the trace folder would replace {guarded[0]}; it is never replaced",
                               context={"path": str(target), "protected": guarded[1]})
    entries = _entries(target)
    if not entries:
        return
    foreign = foreign_entries(target, entries)
    if foreign:
        shown = ", ".join(foreign[:SHOWN_FOREIGN]) + (", ..." if len(foreign) > SHOWN_FOREIGN
                                                      else "")
        raise TraceDirConflict(
            f"the trace folder holds files that are not part of a trace ({shown}); "
            "it is never replaced — choose another folder",
            context={"path": str(target), "foreign": ", ".join(foreign[:SHOWN_FOREIGN]),
                     "foreign_count": len(foreign)})
    if not overwrite:
        raise TraceDirConflict(
            "the trace folder already holds a trace; pass overwrite=True "
            "(--overwrite on the command line) to replace it", context={"path": str(target)})


def foreign_entries(folder: pathlib.Path, entries: list[str] | None = None) -> list[str]:
    """Return the sorted names in ``folder`` that are not a trace's own files."""
    foreign = []
    for name in sorted(_entries(folder) if entries is None else entries):
        want_dir = TRACE_ENTRIES.get(name)
        if want_dir is None:
            foreign.append(name)
            continue
        try:
            mode = os.lstat(folder / name).st_mode
        except OSError:
            continue  # vanished meanwhile
        if (stat.S_ISDIR(mode) if want_dir else stat.S_ISREG(mode)) is False:
            foreign.append(name)
    return foreign


def temporary_sibling(target: pathlib.Path, kind: str) -> pathlib.Path:
    """Return a fresh hidden path beside ``target`` for a ``tmp`` or ``old`` folder."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


def clean_leftovers(target: pathlib.Path) -> list[pathlib.Path]:
    """Remove the hidden folders killed exports to ``target`` left beside it; return them.

    Only folders named like ours, made by a process that no longer runs, and holding nothing
    but a trace's own files are removed.
    """
    removed: list[pathlib.Path] = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        match = _LEFTOVER.match(name)
        if match is None or match["name"] != target.name:
            continue
        pid = match["pid"]
        if pid is not None and _alive(int(pid)):
            continue
        path = target.parent / name
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode) or foreign_entries(path):
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def is_leftover_name(name: str) -> bool:
    """Return True if ``name`` is one of an export's hidden temporary folders."""
    return _LEFTOVER.match(name) is not None


def _entries(folder: pathlib.Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError as exc:
        raise TraceDirConflict("the trace folder cannot be listed",
                               context={"path": str(folder), "io": str(exc)}) from None


def _guarded_by(target: pathlib.Path,
                protect: Iterable[str | os.PathLike[str]]) -> tuple[str, str] | None:
    """Return (what, path) when replacing ``target`` would replace a protected folder."""
    real = pathlib.Path(os.path.realpath(target))
    candidates: list[tuple[str, str]] = []
    try:
        candidates.append(("the working directory", os.getcwd()))
    except OSError:
        pass
    home = os.path.expanduser("~")
    if home and home != "~":
        candidates.append(("the home folder", home))
    candidates.extend(("a folder holding a recorded file", os.fspath(p)) for p in protect)
    for what, path in candidates:
        if not os.path.isabs(path):
            continue
        held = pathlib.Path(os.path.realpath(path))
        if held == real or real in held.parents:
            return what, str(held)
    return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    except OSError:
        return True
    return True


__all__ = ["TRACE_ENTRIES", "TraceDirConflict", "check_target", "clean_leftovers",
           "foreign_entries", "is_leftover_name", "temporary_sibling"]
