"""One policy layer: every setting, where it came from, and one precedence for all entry points.

A `Policy` holds every setting of a recording — the CodeTracer recorder's policy fields and
ct_jupyter's limits, backend and value bounds. It is resolved from layers, each setting only
the fields it names; a later layer wins (``trace_filter`` is the exception: its lists add up,
in this order):

1. built-in defaults;
2. the environment (``CODETRACER_*`` variables, ``CT_JUPYTER_BACKEND``);
3. IPython configuration (``ipython_config.py`` or ``%config CodetraceMagics.max_steps = 5000``);
4. ``configure_policy(...)`` calls in this process;
5. the run itself: ``start(policy=…)`` / keyword options of ``record``, ``recording`` and
   ``start``, command-line flags, ``%%codetrace`` flags.

Every value is checked as it is read; a bad one is `PolicyError` (``ERR_INVALID_POLICY_VALUE``)
whose context names the field and its source, raised before anything runs.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import PolicyError
from .options import TraceOptions

#: The defaults of the settings a policy shares with `TraceOptions`: defined there, once.
_OPTION_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(TraceOptions)}

ON_RECORDER_ERROR = ("abort", "disable")
BACKENDS = ("auto", "sysmon", "settrace")
IO_MODES = ("off", "proxies", "proxies+fd")

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


@dataclass(frozen=True, slots=True)
class Policy:
    """Every setting of a recording, with its value after all layers were applied."""

    on_recorder_error: str = "disable"
    require_trace: bool = False
    keep_partial_trace: bool = True
    log_level: str | None = None
    log_file: str | None = None
    json_errors: bool = False
    io: str = _OPTION_DEFAULTS["io"]
    propagate_script_exit: bool = True
    module_name_from_globals: bool = True
    trace_filter: tuple[str, ...] = _OPTION_DEFAULTS["trace_filter"]
    functions: tuple[str, ...] = _OPTION_DEFAULTS["functions"]
    focus: bool = _OPTION_DEFAULTS["focus"]
    max_steps: int = _OPTION_DEFAULTS["max_steps"]
    max_memory: int = _OPTION_DEFAULTS["max_memory"]
    include: tuple[str, ...] = _OPTION_DEFAULTS["include"]
    exclude: tuple[str, ...] = _OPTION_DEFAULTS["exclude"]
    backend: str = _OPTION_DEFAULTS["backend"]
    max_items: int = _OPTION_DEFAULTS["max_items"]
    max_str: int = _OPTION_DEFAULTS["max_str"]
    max_depth: int = _OPTION_DEFAULTS["max_depth"]
    repr_timeout: float = _OPTION_DEFAULTS["repr_timeout"]
    repr_user: bool = _OPTION_DEFAULTS["repr_user"]
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def snapshot(self) -> dict[str, object]:
        """Return the settings as a plain dict (CodeTracer's keys plus ours and the sources)."""
        out: dict[str, object] = {}
        for f in dataclasses.fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        out["io_capture"] = {"line_proxies": self.io != "off", "fd_fallback": self.io == "proxies+fd"}
        out["sources"] = dict(self.sources)
        return out

    def options(self) -> Any:
        """Return the `TraceOptions` these settings give one recording."""
        return TraceOptions(**{name: getattr(self, name) for name in OPTION_FIELDS})


#: Policy fields that are also `TraceOptions` fields.
OPTION_FIELDS = ("max_steps", "max_memory", "include", "exclude", "backend", "io", "max_items",
                 "max_str", "max_depth", "repr_timeout", "repr_user", "trace_filter", "functions",
                 "focus")
FIELDS = tuple(f.name for f in dataclasses.fields(Policy) if f.name != "sources")


def _fail(name: str, value: object, source: str, why: str) -> PolicyError:
    return PolicyError(f"invalid value for {name} from {source}: {why}",
                       context={"field": name, "value": value, "source": source})


def _bool(name: str, value: object, source: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _fail(name, value, source, "expected a boolean (1/true/yes or 0/false/no)")


def _int(minimum: int) -> Callable[[str, object, str], int]:
    def check(name: str, value: object, source: str) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip().replace("_", ""))
            except ValueError:
                raise _fail(name, value, source, "expected an integer") from None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise _fail(name, value, source, f"expected an integer >= {minimum}")
        return value
    return check


def _float(name: str, value: object, source: str) -> float:
    try:
        number = float(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise _fail(name, value, source, "expected a number") from None
    if not isinstance(number, (int, float)) or isinstance(number, bool) or not number > 0:
        raise _fail(name, value, source, "expected a positive number")
    return float(number)


def _choice(choices: tuple[str, ...]) -> Callable[[str, object, str], str]:
    def check(name: str, value: object, source: str) -> str:
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in choices:
            raise _fail(name, value, source, f"expected one of {', '.join(choices)}")
        return text  # type: ignore[return-value]
    return check


def _opt_text(name: str, value: object, source: str) -> str | None:
    if value is None or value == "":
        return None  # "" clears, as in the CodeTracer recorder
    if not isinstance(value, (str, os.PathLike)):
        raise _fail(name, value, source, "expected a string")
    return os.fspath(value)


def _log_level(name: str, value: object, source: str) -> str | None:
    text = _opt_text(name, value, source)
    if text is None:
        return None
    from .logs import parse_level

    try:
        parse_level(text)
    except ValueError as exc:
        raise _fail(name, value, source, str(exc)) from None
    return text


def _patterns(name: str, value: object, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        if name != "trace_filter":
            raise _fail(name, value, source, "expected a list of strings, not one string")
        value = [p for p in value.split("::") if p.strip()]
    if isinstance(value, os.PathLike):
        value = [os.fspath(value)]
    if not isinstance(value, Iterable):
        raise _fail(name, value, source, "expected a list of strings")
    items = [os.fspath(v) if isinstance(v, os.PathLike) else v for v in value]
    if not all(isinstance(v, str) and v.strip() for v in items):
        raise _fail(name, value, source, "expected non-empty strings")
    return tuple(v.strip() for v in items)


def parse_io(name: str, value: object, source: str) -> str:
    """Map an IO capture value (ours, or ``CODETRACER_CAPTURE_IO``'s words) to an io mode."""
    if not isinstance(value, str):
        raise _fail(name, value, source, "expected off, proxies or proxies+fd")
    text = value.strip().lower()
    if text in ("", "default"):
        return "proxies"
    if text in _FALSE | {"disable", "disabled", "none"}:
        return "off"
    if text in _TRUE | {"enable", "enabled"}:
        return "proxies"
    tokens = {t.strip() for t in text.replace("+", ",").split(",") if t.strip()}
    fd, proxies = {"fd", "mirror", "fallback"}, {"proxies", "proxy"}
    if not tokens or not tokens <= fd | proxies:
        raise _fail(name, value, source, "expected off, proxies or proxies+fd")
    return "proxies+fd" if tokens & fd else "proxies"


_CHECKS: dict[str, Callable[[str, object, str], object]] = {
    "on_recorder_error": _choice(ON_RECORDER_ERROR),
    "require_trace": _bool,
    "keep_partial_trace": _bool,
    "log_level": _log_level,
    "log_file": _opt_text,
    "json_errors": _bool,
    "io": parse_io,
    "propagate_script_exit": _bool,
    "module_name_from_globals": _bool,
    "trace_filter": _patterns,
    "functions": _patterns,
    "focus": _bool,
    "max_steps": _int(0),
    "max_memory": _int(1),
    "include": _patterns,
    "exclude": _patterns,
    "backend": _choice(BACKENDS),
    "max_items": _int(1),
    "max_str": _int(1),
    "max_depth": _int(1),
    "repr_timeout": _float,
    "repr_user": _bool,
}

#: The CodeTracer recorder's IO switches, accepted by `configure_policy` and folded into ``io``.
_IO_ALIASES = ("io_capture_line_proxies", "io_capture_fd_fallback")


def check_layer(values: Mapping[str, object], source: str,
                field_sources: Mapping[str, str] | None = None) -> dict[str, object]:
    """Validate one layer's raw values and return them typed (``None`` values are skipped).

    ``field_sources`` may name a more precise source per field (an environment variable or a
    command-line flag); ``source`` names the layer otherwise.
    """
    out: dict[str, object] = {}
    proxies = values.get("io_capture_line_proxies")
    fd = values.get("io_capture_fd_fallback")
    for name, value in values.items():
        if value is None or name in _IO_ALIASES:
            continue
        where = (field_sources or {}).get(name, source)
        check = _CHECKS.get(name)
        if check is None:
            raise PolicyError(f"unknown policy field {name!r} from {source}",
                              context={"field": name, "source": where,
                                       "known": ", ".join(FIELDS)})
        out[name] = check(name, value, where)
    if proxies is not None or fd is not None:
        p = None if proxies is None else _bool("io_capture_line_proxies", proxies, source)
        f = None if fd is None else _bool("io_capture_fd_fallback", fd, source)
        if p is False:
            out["io"] = "off"  # turning proxies off also turns the fd fallback off
        elif f is True:
            out["io"] = "proxies+fd"  # the fd fallback needs the proxies
        else:
            out["io"] = "proxies"
    return out


# -- the environment -----------------------------------------------------------------------
#: Environment variable → policy field.
ENVIRONMENT = {
    "CODETRACER_ON_RECORDER_ERROR": "on_recorder_error",
    "CODETRACER_REQUIRE_TRACE": "require_trace",
    "CODETRACER_KEEP_PARTIAL_TRACE": "keep_partial_trace",
    "CODETRACER_LOG_LEVEL": "log_level",
    "CODETRACER_LOG_FILE": "log_file",
    "CODETRACER_JSON_ERRORS": "json_errors",
    "CODETRACER_CAPTURE_IO": "io",
    "CODETRACER_MODULE_NAME_FROM_GLOBALS": "module_name_from_globals",
    "CODETRACER_PROPAGATE_SCRIPT_EXIT": "propagate_script_exit",
    "CODETRACER_TRACE_FILTER": "trace_filter",
    "CT_JUPYTER_BACKEND": "backend",
    "CT_JUPYTER_MAX_STEPS": "max_steps",
}


def environment_layer(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Return the typed settings the environment gives (raises on a bad variable)."""
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    where: dict[str, str] = {}
    for var, name in ENVIRONMENT.items():
        if var in env:
            value = env[var]
            if name == "backend" and value.strip() in ("", "auto"):
                continue
            if name in ("log_file", "log_level") and value == "":
                continue
            raw[name] = value
            where[name] = f"environment ({var})"
    return check_layer(raw, "environment", where)


# -- configure_policy ----------------------------------------------------------------------
_lock = threading.Lock()
_configured: dict[str, object] = {}


def configure_policy(**fields: object) -> dict[str, object]:
    """Set process-wide policy fields (layer 4); only the named fields change.

    Accepts every `Policy` field plus the CodeTracer names ``io_capture_line_proxies`` and
    ``io_capture_fd_fallback``. ``log_file=""`` and ``log_level=""`` clear. Returns the new
    `policy_snapshot`.
    """
    clears = {k for k in ("log_file", "log_level") if fields.get(k) == ""}
    typed = check_layer({k: v for k, v in fields.items() if k not in clears},
                        "configure_policy()")
    with _lock:
        for name in clears:
            _configured[name] = None
        _configured.update(typed)
    _apply_logging(resolve())
    return policy_snapshot()


def reset_policy() -> None:
    """Forget every `configure_policy` setting (the environment and defaults remain)."""
    with _lock:
        _configured.clear()
    try:
        _apply_logging(resolve())
    except PolicyError:  # a bad environment is reported when something is recorded
        _apply_logging(Policy())


def policy_snapshot() -> dict[str, object]:
    """Return the process-wide policy now (defaults, environment, `configure_policy`)."""
    return resolve().snapshot()


# -- resolving -----------------------------------------------------------------------------
def resolve(*layers: tuple[str, Mapping[str, object]], ipython: Mapping[str, object] | None = None,
            environ: Mapping[str, str] | None = None) -> Policy:
    """Resolve defaults, environment, IPython config, `configure_policy` and ``layers``.

    Each layer in ``layers`` is ``(source name, raw values)`` and is validated here, so a bad
    value names its source. ``trace_filter`` lists add up in layer order.
    """
    stack: list[tuple[str, dict[str, object]]] = [("environment", environment_layer(environ))]
    if ipython:
        stack.append(("IPython config", check_layer(
            ipython, "IPython config",
            {k: f"IPython config (CodetraceMagics.{k})" for k in ipython})))
    with _lock:
        stack.append(("configure_policy()", {k: v for k, v in _configured.items()}))
    for source, values in layers:
        stack.append((source, check_layer(values, source)))
    merged: dict[str, object] = {}
    sources: dict[str, str] = {}
    filters: list[str] = []
    for source, values in stack:
        for name, value in values.items():
            if name == "trace_filter":
                filters.extend(value)  # type: ignore[arg-type]
                sources[name] = source if name not in sources else f"{sources[name]} + {source}"
                continue
            merged[name] = value
            sources[name] = source
    if filters:
        merged["trace_filter"] = tuple(filters)
    return Policy(**merged, sources=sources)  # type: ignore[arg-type]


def _apply_logging(policy: Policy) -> None:
    from .logs import configure_logging

    configure_logging(policy.log_level, policy.log_file)


__all__ = ["ENVIRONMENT", "FIELDS", "Policy", "check_layer", "configure_policy",
           "environment_layer", "parse_io", "policy_snapshot", "reset_policy", "resolve"]
