"""TraceOptions: the limits and switches shared by the magic, the command line and the API."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from .errors import UsageError

BACKENDS = ("auto", "sysmon", "settrace")
IO_MODES = ("off", "proxies", "proxies+fd")

_OFF_WORDS = {"0", "off", "false", "disable", "disabled", "none", "no", "n", "f"}
_ON_WORDS = {"1", "on", "true", "enable", "enabled", "yes", "y", "t"}


@dataclass(frozen=True, slots=True)
class TraceOptions:
    """Limits and switches for one recording; every field has a safe default.

    Parameters
    ----------
    max_steps
        Steps recorded at most; the program runs on unchanged past it and the trace counts
        the steps it did not record.
    max_memory
        Approximate bytes the recording may hold before it stops recording the same way.
    include, exclude
        Module-name globs (``mypkg.*``) or path globs (anything containing ``/`` or ending in
        ``.py``) that add code to, or remove code from, what is stepped into.
    backend
        ``auto`` (``sys.monitoring`` where it exists and a tool id is free), ``sysmon`` or
        ``settrace``.
    io
        Output capture mode: ``off``, ``proxies`` or ``proxies+fd``.
    max_items, max_str, max_depth
        Value snapshot bounds: container items kept, string characters kept, nesting shown.
    repr_timeout
        Seconds a foreign object's ``repr`` may take before it shows as a placeholder.
    repr_user
        Also label instances of the program's own classes with their ``__repr__`` (off by
        default: the recorder then calls none of the program's code). Each call is silenced,
        time-budgeted and counted (``trace.meta["user_repr_calls"]``).
    """

    max_steps: int = 1_000_000
    max_memory: int = 512 * 1024 * 1024
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    backend: str = "auto"
    io: str = "proxies"
    max_items: int = 1000
    max_str: int = 10_000
    max_depth: int = 8
    repr_timeout: float = 0.2
    repr_user: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.max_steps, int) or self.max_steps < 0:
            raise UsageError("max_steps must be a non-negative integer",
                             context={"max_steps": self.max_steps})
        if not isinstance(self.max_memory, int) or self.max_memory <= 0:
            raise UsageError("max_memory must be a positive integer",
                             context={"max_memory": self.max_memory})
        if self.backend not in BACKENDS:
            raise UsageError(f"backend must be one of {', '.join(BACKENDS)}",
                             context={"backend": self.backend})
        if self.io not in IO_MODES:
            raise UsageError(f"io must be one of {', '.join(IO_MODES)}", context={"io": self.io})
        for name in ("max_items", "max_str", "max_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UsageError(f"{name} must be a positive integer", context={name: value})
        if not isinstance(self.repr_user, bool):
            raise UsageError("repr_user must be True or False", context={"repr_user": self.repr_user})
        for name in ("include", "exclude"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(p, str) and p for p in value):
                raise UsageError(f"{name} must be a sequence of non-empty pattern strings",
                                 context={name: value})
            object.__setattr__(self, name, tuple(value))

    def replace(self, **changes: object) -> TraceOptions:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def build(cls, options: TraceOptions | None = None, **kwargs: object) -> TraceOptions:
        """Merge keyword options into ``options`` (or the defaults), rejecting unknown names."""
        base = options if options is not None else cls(io=io_mode_from_env() or "proxies")
        if not kwargs:
            return base
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise UsageError(f"unknown option(s): {', '.join(unknown)}",
                             code="ERR_UNKNOWN_OPTION", context={"known": ", ".join(sorted(known))})
        return base.replace(**kwargs)


def parse_io_mode(text: str) -> str:
    """Map a CodeTracer-style IO capture value (``CODETRACER_CAPTURE_IO``) to an io mode."""
    value = text.strip().lower()
    if value in ("", "default"):
        return "proxies"
    if value in _OFF_WORDS:
        return "off"
    if value in _ON_WORDS:
        return "proxies"
    tokens = {t.strip() for t in value.replace("+", ",").split(",") if t.strip()}
    fd = {"fd", "mirror", "fallback"}
    proxies = {"proxies", "proxy"}
    if not tokens or not tokens <= fd | proxies:
        raise UsageError(
            "invalid IO capture value; use off, proxies or proxies+fd",
            code="ERR_INVALID_POLICY_VALUE", context={"value": text},
        )
    return "proxies+fd" if tokens & fd else "proxies"


def io_mode_from_env() -> str | None:
    """Return the io mode set by ``CODETRACER_CAPTURE_IO``, or None when it is unset."""
    raw = os.environ.get("CODETRACER_CAPTURE_IO")
    return None if raw is None else parse_io_mode(raw)
