"""Choosing the recorder's core: the optional C hot path (`_ccore`) or pure Python.

``CT_JUPYTER_CORE`` selects it: ``python`` (the reference), ``c`` (an error if the extension
was not built), or ``auto`` (default: C when it was built). The C core does the common work
of each event and calls the same `Recorder` methods as the Python core for everything else,
so both record identical traces (the test suite checks it on every sample).
"""

from __future__ import annotations

import os
from types import ModuleType

from ..errors import BackendUnavailable, UsageError

CHOICES = ("auto", "c", "python")


def _load() -> ModuleType | None:
    try:
        from . import _ccore  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _ccore


_CCORE = _load()

#: True when the C extension was built for this interpreter.
AVAILABLE = _CCORE is not None
#: ``get_var(frame, name, default)``: a fast local read without syncing ``locals()`` (3.12+,
#: when the extension was built), else None.
get_var = getattr(_CCORE, "get_var", None)


def chosen() -> str:
    """Return the core ``CT_JUPYTER_CORE`` asks for and this install has: ``c`` or ``python``."""
    choice = (os.environ.get("CT_JUPYTER_CORE", "auto") or "auto").strip().lower()
    if choice not in CHOICES:
        raise UsageError("CT_JUPYTER_CORE must be python, c or auto",
                         context={"CT_JUPYTER_CORE": choice})
    if choice == "c" and _CCORE is None:
        raise BackendUnavailable(
            "CT_JUPYTER_CORE=c but the C core was not built (no compiler at install time?); "
            "reinstall with a C compiler and Python headers, or use CT_JUPYTER_CORE=python",
            context={"CT_JUPYTER_CORE": choice})
    return "c" if choice != "python" and _CCORE is not None else "python"


def make_core(recorder: object, start_slow: object, py_local: object) -> object | None:
    """Return a C `Core` feeding ``recorder`` (None when the Python core is chosen).

    ``start_slow`` is the backend's own PY_START callback and ``py_local`` its settrace local
    function: the C core hands them every event it does not handle itself.
    """
    choice = chosen()
    if choice != "c" or _CCORE is None:
        return None
    if getattr(recorder, "gate", None) is not None:
        return None  # a gated recording (ct_jupyter.gating) decides each root frame in Python
    from ..model.encoded import UNBOUND, Ref
    from .analysis import LineEffects
    from .recorder import _SKIP_CHECK, CodeInfo, _FrameState
    from .values import ATOM_TYPES

    try:
        return _CCORE.Core(recorder, start_slow, py_local, _FrameState, LineEffects, CodeInfo,
                           ATOM_TYPES, UNBOUND, _SKIP_CHECK, Ref)
    except (TypeError, AttributeError) as exc:
        # The recorder's per-frame classes changed shape (a slot the C core reads is gone):
        # record on the Python core, and say why. An explicit CT_JUPYTER_CORE=c is an error.
        if (os.environ.get("CT_JUPYTER_CORE", "") or "").strip().lower() == "c":
            raise BackendUnavailable("the C core does not match this recorder; use "
                                     "CT_JUPYTER_CORE=python", context={"reason": str(exc)}) from exc
        recorder.builder.meta["core_fallback"] = str(exc)  # type: ignore[attr-defined]
        return None
