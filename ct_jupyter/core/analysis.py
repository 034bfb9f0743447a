"""Per-code-object static analysis: what each line can rebind and which objects it can mutate.

Computed once per code object from its bytecode. On a LINE event the recorder then looks only
at the names the *previous* line could have changed, instead of every variable.
"""

from __future__ import annotations

import dis
from collections.abc import Mapping
from types import CodeType

from .purity import LinePlan

_STORE_LOCAL = frozenset({
    "STORE_FAST", "STORE_NAME", "STORE_DEREF", "DELETE_FAST", "DELETE_NAME", "DELETE_DEREF",
    "STORE_FAST_MAYBE_NULL", "STORE_FAST_STORE_FAST", "STORE_FAST_LOAD_FAST",
})
_STORE_GLOBAL = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL"})
_LOAD_LOCAL = frozenset({
    "LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "LOAD_FAST_LOAD_FAST", "LOAD_NAME",
    "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF",
    "STORE_FAST_LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
})
_LOAD_GLOBAL = frozenset({"LOAD_GLOBAL", "LOAD_FROM_DICT_OR_GLOBALS"})
# Instructions through which a line may mutate any object it names: calls into code we do not
# trace, and stores into items, slices and attributes.
_MUTATING = frozenset({
    "CALL", "CALL_FUNCTION_EX", "CALL_KW", "PRECALL", "CALL_METHOD", "CALL_FUNCTION",
    "STORE_SUBSCR", "DELETE_SUBSCR", "STORE_ATTR", "DELETE_ATTR", "STORE_SLICE",
    "BEFORE_WITH", "BEFORE_ASYNC_WITH", "IMPORT_NAME", "SEND", "DELETE_SLICE",
})
# Comparison operators share BINARY_OP's "=" suffix but change nothing.
_NOT_INPLACE = frozenset({"==", "!=", "<=", ">="})


class LineEffects:
    """What one line may change: rebound local and global names, candidate objects to re-check."""

    __slots__ = ("rebinds", "grebinds", "cands", "gcands", "plan", "local_only")

    def __init__(self) -> None:
        self.plan: LinePlan | None = None
        #: the line can only rebind locals (and mutate in place only what it rebinds):
        #: when every new value is an atom, nothing else needs a look
        self.local_only = False
        self.rebinds: tuple[str, ...] = ()
        self.grebinds: tuple[str, ...] = ()
        self.cands: tuple[str, ...] = ()
        self.gcands: tuple[str, ...] = ()


# Names the compiler stores in class bodies and modules by itself: not the user's variables.
_IMPLICIT = frozenset({"__module__", "__qualname__", "__firstlineno__", "__static_attributes__",
                       "__classcell__", "__classdictcell__", "__type_params__", "__doc__"})


def _names(argval: object) -> tuple[str, ...]:
    if isinstance(argval, tuple):
        return tuple(a for a in argval if isinstance(a, str) and a not in _IMPLICIT)
    return (argval,) if isinstance(argval, str) and argval not in _IMPLICIT else ()


def analyse(code: CodeType, plans: Mapping[int, LinePlan | None] | None = None,
            ) -> tuple[dict[int, LineEffects], tuple[str, ...]]:
    """Return ``(effects by line, names the code touches)`` for ``code``.

    ``plans`` are the source-level line plans (`purity.line_plans`) of the code's file; a line
    with a plan re-checks only its store targets. Lines whose effects are empty are left out
    of the dict, so the hot path does one lookup.
    """
    rebinds: dict[int, set[str]] = {}
    grebinds: dict[int, set[str]] = {}
    loads: dict[int, set[str]] = {}
    gloads: dict[int, set[str]] = {}
    mutating: set[int] = set()
    inplace: set[int] = set()
    touched: dict[str, None] = {}
    line = code.co_firstlineno
    for ins in dis.get_instructions(code):
        pos = ins.positions
        if pos is not None and pos.lineno is not None:
            line = pos.lineno
        op = ins.opname
        if op in _STORE_LOCAL:
            names = _names(ins.argval)
            if op == "STORE_FAST_LOAD_FAST":
                names = names[:1]
                loads.setdefault(line, set()).update(_names(ins.argval)[1:])
            rebinds.setdefault(line, set()).update(names)
            touched.update(dict.fromkeys(names))
        elif op in _STORE_GLOBAL:
            names = _names(ins.argval)
            grebinds.setdefault(line, set()).update(names)
            touched.update(dict.fromkeys(names))
        elif op in _LOAD_LOCAL:
            names = _names(ins.argval)
            loads.setdefault(line, set()).update(names)
            touched.update(dict.fromkeys(names))
        elif op in _LOAD_GLOBAL:
            names = _names(ins.argval)
            gloads.setdefault(line, set()).update(names)
            touched.update(dict.fromkeys(names))
        elif op in _MUTATING:
            mutating.add(line)
        elif op == "BINARY_OP" and ins.argrepr.endswith("=") and ins.argrepr not in _NOT_INPLACE:
            # `x += y` mutates x in place when x is mutable (a list), then rebinds it to itself
            inplace.add(line)
    effects: dict[int, LineEffects] = {}
    for ln in set(rebinds) | set(grebinds) | mutating | inplace:
        eff = LineEffects()
        eff.rebinds = tuple(sorted(rebinds.get(ln, ())))
        eff.grebinds = tuple(sorted(grebinds.get(ln, ())))
        if ln in mutating:
            eff.cands = tuple(sorted(loads.get(ln, set())))
            eff.gcands = tuple(sorted(gloads.get(ln, set())))
        elif ln in inplace:
            eff.cands = eff.rebinds
            eff.gcands = eff.grebinds
        if (eff.cands or eff.gcands) and plans:
            eff.plan = plans.get(ln)
        eff.local_only = (bool(eff.rebinds) and not eff.grebinds and not eff.gcands
                          and set(eff.cands) <= set(eff.rebinds))
        if eff.rebinds or eff.grebinds or eff.cands or eff.gcands:
            effects[ln] = eff
    return effects, tuple(n for n in touched if not n.startswith("."))
