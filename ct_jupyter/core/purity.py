"""Source-level facts per line: which objects a line can mutate in place, exactly.

The bytecode analysis (`analysis`) knows which names a line loads and whether it calls
something; to stay correct it must then re-check every object the line names. Most lines are
simpler than that: ``a[j], a[j + 1] = a[j + 1], a[j]`` changes two items of ``a`` and nothing
else, ``counts[w] = counts.get(w, 0) + 1`` one key of ``counts``, ``n = len(a)`` nothing. For
such lines this module returns a *plan*: the calls that must turn out to be known-pure builtins
or methods at run time, and the store targets to check, each as a base name plus a path of
item/attribute steps whose last step is the stored item. Anything not understood gives no plan,
and the recorder falls back to the conservative re-check.
"""

from __future__ import annotations

import ast
import builtins
import functools
import sys
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

# Builtins that never mutate their arguments (they may call the arguments' dunder methods,
# which are user code and recorded as such).
PURE_BUILTINS = frozenset({
    "abs", "all", "any", "ascii", "bin", "bool", "bytes", "callable", "chr", "complex", "dict",
    "divmod", "enumerate", "filter", "float", "format", "frozenset", "getattr", "hasattr",
    "hash", "hex", "id", "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max",
    "min", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice", "sorted",
    "str", "sum", "tuple", "type", "zip", "print",
})
PURE_BUILTIN_OBJECTS = {name: getattr(builtins, name) for name in PURE_BUILTINS}
# Methods that do not mutate their receiver, for receivers of exactly these types.
PURE_METHODS: dict[type, frozenset[str]] = {
    dict: frozenset({"get", "keys", "values", "items", "copy", "__contains__", "__getitem__"}),
    list: frozenset({"index", "count", "copy", "__getitem__", "__contains__"}),
    tuple: frozenset({"index", "count"}),
    str: frozenset({
        "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "join",
        "startswith", "endswith", "find", "rfind", "index", "rindex", "count", "replace",
        "format", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "title",
        "capitalize", "center", "ljust", "rjust", "zfill", "encode", "partition", "rpartition",
        "casefold", "swapcase", "expandtabs", "removeprefix", "removesuffix",
    }),
    set: frozenset({"copy", "union", "intersection", "difference", "symmetric_difference",
                    "issubset", "issuperset", "isdisjoint", "__contains__"}),
    frozenset: frozenset({"copy", "union", "intersection", "difference",
                          "symmetric_difference", "issubset", "issuperset", "isdisjoint"}),
    int: frozenset({"bit_length", "to_bytes", "conjugate"}),
    float: frozenset({"is_integer", "hex", "conjugate"}),
    bytes: frozenset({"decode", "hex", "startswith", "endswith", "split", "strip", "find",
                      "count", "index", "join", "lower", "upper", "replace"}),
}

#: index step: ("const", value) | ("name", n) | ("add", n, k)  (n + k) | ("mod", n, k)  (n % k)
#: a path step: ("item", index) | ("attr", name)
Index = tuple[object, ...]
Step = tuple[str, Any]  # the second item is an Index or an attribute name, by the first


#: Methods of exactly these types that only add items at the end of the receiver.
APPEND_METHODS: dict[type, frozenset[str]] = {list: frozenset({"append", "extend"})}


class PlanCall(NamedTuple):
    """A call a pure line makes: ``name(…)`` (``attr`` empty) or ``name.attr(…)``.

    A plain call must turn out to be a pure builtin, or a function or class of the user's own
    code (whose changes its own frame records); a method call a pure method of an exact builtin
    type, an append-only list method, or a method of a user class.
    """

    name: str
    attr: str = ""


class PlanTarget(NamedTuple):
    """A store a pure line makes: ``base`` followed by a path of item/attribute steps."""

    base: str
    path: tuple[Step, ...]
    inplace: bool  # the stored element is also mutated in place (``a[i] += …``)


class LinePlan:
    """What a pure line may change: calls to verify at run time and store targets to check."""

    __slots__ = ("calls", "targets")

    def __init__(self, calls: tuple[PlanCall, ...], targets: tuple[PlanTarget, ...]) -> None:
        self.calls = calls
        self.targets = targets


class _Impure(Exception):
    pass


def _index(node: ast.expr) -> Index | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)) \
            and not isinstance(node.value, bool):
        return ("const", node.value)
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) \
            and isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant) \
            and type(node.right.value) is int:
        k = node.right.value if isinstance(node.op, ast.Add) else -node.right.value
        return ("add", node.left.id, k)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) \
            and isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant) \
            and type(node.right.value) is int and node.right.value != 0:
        return ("mod", node.left.id, node.right.value)  # `d[i % 100] = …`
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return ("const", -node.operand.value)
    return None


def _path(node: ast.expr) -> tuple[str, tuple[Step, ...]] | None:
    steps: list[Step] = []
    while True:
        if isinstance(node, ast.Name):
            steps.reverse()
            return node.id, tuple(steps)
        if isinstance(node, ast.Subscript):
            idx = _index(node.slice)
            if idx is None:
                return None
            steps.append(("item", idx))
            node = node.value
        elif isinstance(node, ast.Attribute):
            steps.append(("attr", node.attr))
            node = node.value
        else:
            return None


class _Collector(ast.NodeVisitor):
    def __init__(self) -> None:
        self.calls: list[PlanCall] = []
        self.targets: list[PlanTarget] = []

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda, ast.GeneratorExp,
                             ast.Import, ast.ImportFrom, ast.With, ast.AsyncWith, ast.Global,
                             ast.Nonlocal, ast.ClassDef, ast.Starred)):
            raise _Impure
        if sys.version_info < (3, 12) and isinstance(node, (ast.ListComp, ast.SetComp,
                                                            ast.DictComp)):
            raise _Impure  # a separate code object before 3.12
        super().generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.calls.append(PlanCall(func.id))
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.calls.append(PlanCall(func.value.id, func.attr))
        else:
            raise _Impure
        for child in [*node.args, *[k.value for k in node.keywords]]:
            self.visit(child)
        if isinstance(func, ast.Attribute):
            self.visit(func.value)

    def _store(self, target: ast.expr, inplace: bool) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._store(elt, inplace)
            return
        if isinstance(target, ast.Name):
            if inplace:
                self.targets.append(PlanTarget(target.id, (), True))
            return
        if isinstance(target, ast.Starred):
            raise _Impure
        found = _path(target)
        if found is None:
            raise _Impure
        self.targets.append(PlanTarget(found[0], found[1], inplace))
        self.visit(target)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._store(target, False)
        self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._store(node.target, True)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, False)
            self.visit(node.value)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self._store(target, False)

    def visit_For(self, node: ast.For) -> None:
        self._store(node.target, False)
        self.visit(node.iter)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.decorator_list or node.args.defaults or node.args.kw_defaults:
            raise _Impure

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value)


_SIMPLE_STMTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Delete,
                 ast.Pass, ast.Break, ast.Continue, ast.If, ast.While, ast.For,
                 ast.FunctionDef, ast.AsyncFunctionDef)


def _header_lines(stmt: ast.stmt) -> Iterable[int]:
    """Return the lines that belong to ``stmt`` itself (not to the statements it contains)."""
    end = stmt.end_lineno or stmt.lineno
    body_start = None
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(stmt, field, None)
        if block:
            first = block[0].lineno
            body_start = first if body_start is None else min(body_start, first)
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.decorator_list:
        start = min(d.lineno for d in stmt.decorator_list)
    else:
        start = stmt.lineno
    last = end if body_start is None else body_start - 1
    return range(start, max(start, last) + 1)


@functools.lru_cache(maxsize=128)  # a cell run again, a module imported by each recording
def cached_line_plans(source: str) -> Mapping[int, LinePlan | None]:
    """`line_plans` of ``source``, remembered for the process (the result is never changed)."""
    return MappingProxyType(line_plans(source))


def line_plans(source: str) -> dict[int, LinePlan | None]:
    """Return, for every line of ``source``, its `LinePlan`, or None where the line is impure.

    Lines that hold no statement are absent.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    plans: dict[int, LinePlan | None] = {}
    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.stmt):
            continue
        lines = list(_header_lines(stmt))
        plan: LinePlan | None = None
        if isinstance(stmt, _SIMPLE_STMTS):
            collector = _Collector()
            try:
                collector.visit(stmt)
                plan = LinePlan(tuple(collector.calls), tuple(collector.targets))
            except (_Impure, RecursionError):
                plan = None
        for line in lines:
            if line in plans:
                old = plans[line]
                if old is None or plan is None:
                    plans[line] = None
                else:
                    plans[line] = LinePlan(old.calls + plan.calls, old.targets + plan.targets)
            else:
                plans[line] = plan
    return plans
