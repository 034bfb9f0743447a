"""Opening files of an untrusted trace folder: only inside it, only regular files, bounded.

A trace folder comes from someone else. Every file the reader and the validator open goes
through `open_inside`, which resolves the name (symbolic links included) and refuses anything
that ends up outside the folder, and anything that is not a regular file (a FIFO, a device, a
socket — opened without blocking, so a FIFO never hangs the reader).
"""

from __future__ import annotations

import io
import os
import pathlib
import stat

from ..errors import TraceFormatError

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


class UnsafeFile(TraceFormatError):
    """A file of the trace folder leaves the folder or is not a regular file."""

    code = "ERR_TRACE_UNSAFE_FILE"


def inside(folder: pathlib.Path, path: pathlib.Path) -> pathlib.Path | None:
    """Return the real path of ``path`` when it lies inside ``folder``, else None."""
    root = os.path.realpath(folder)
    real = os.path.realpath(path)
    try:
        if os.path.commonpath([root, real]) != root:
            return None
    except ValueError:  # different drives
        return None
    return pathlib.Path(real)


def open_inside(folder: pathlib.Path, path: pathlib.Path, label: str) -> io.BufferedReader:
    """Open ``path`` for reading in binary mode if it is a regular file inside ``folder``.

    Raises `UnsafeFile` when it is not, and `TraceFormatError` (``ERR_TRACE_MISSING`` when it
    does not exist) when it cannot be opened.
    """
    real = inside(folder, path)
    if real is None:
        raise UnsafeFile(f"{label} leads outside the trace folder (a symbolic link); "
                         "it is not read", context={"file": label})
    try:
        fd = os.open(real, _FLAGS)
    except OSError as exc:
        raise TraceFormatError(f"cannot read {label}: {exc.strerror or exc}",
                               code="ERR_TRACE_MISSING" if isinstance(exc, FileNotFoundError)
                               else "ERR_TRACE_FORMAT", context={"file": label}) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafeFile(f"{label} is not a regular file ({_kind(mode)}); it is not read",
                             context={"file": label})
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)  # type: ignore[return-value]
    except BaseException:
        os.close(fd)
        raise


def is_regular_inside(folder: pathlib.Path, path: pathlib.Path) -> bool:
    """Return True if ``path`` is a regular file inside ``folder`` (links resolved)."""
    real = inside(folder, path)
    if real is None:
        return False
    try:
        return stat.S_ISREG(os.stat(real).st_mode)
    except (OSError, ValueError):
        return False


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"


__all__ = ["UnsafeFile", "inside", "is_regular_inside", "open_inside"]
