"""TraceOptions: the limits and switches shared by the magic, the command line and the API."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from .errors import UsageError

BACKENDS = ("auto", "sysmon", "settrace")
IO_MODES = ("off", "proxies", "proxies+fd")



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
    trace_filter
        CodeTracer trace-filter files (TOML) applied after the built-in default and the
        project's ``.codetracer/trace-filter.toml``, in order.
    functions
        Record only calls of these functions (qualified names or globs) and what they call.
    focus
        Record only inside ``with ct_jupyter.focus():`` blocks (and calls of ``functions``).
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
    trace_filter: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    focus: bool = False

    def __post_init__(self) -> None:
        from .policy import check_layer

        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, value in check_layer(values, "TraceOptions").items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: object) -> TraceOptions:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def build(cls, options: TraceOptions | None = None, **kwargs: object) -> TraceOptions:
        """Merge keyword options into ``options`` (or the policy's), rejecting unknown names.

        Without ``options`` the base is the resolved `ct_jupyter.policy` (defaults, environment,
        ``configure_policy``); keyword options are the run's own layer on top of it.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise UsageError(f"unknown option(s): {', '.join(unknown)}",
                             code="ERR_UNKNOWN_OPTION", context={"known": ", ".join(sorted(known))})
        if options is None:
            from .policy import resolve

            return resolve(("options", kwargs)).options()  # type: ignore[no-any-return]
        if not kwargs:
            return options
        return options.replace(**kwargs)


def parse_io_mode(text: str) -> str:
    """Map a CodeTracer-style IO capture value (``CODETRACER_CAPTURE_IO``) to an io mode."""
    from .policy import parse_io

    return parse_io("io", text, "CODETRACER_CAPTURE_IO")


def io_mode_from_env() -> str | None:
    """Return the io mode set by ``CODETRACER_CAPTURE_IO``, or None when it is unset."""
    raw = os.environ.get("CODETRACER_CAPTURE_IO")
    return None if raw is None else parse_io_mode(raw)
