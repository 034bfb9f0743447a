"""CodeTracer trace-filter files: what to record (scopes) and what to hide (values).

The chain is: the built-in default, then the first ``.codetracer/trace-filter.toml`` found
walking up from the program's folder, then explicit filters in order (the environment's
``CODETRACER_TRACE_FILTER`` first, then ``--trace-filter`` / ``trace_filter=``). Files use
CodeTracer's format (``[meta]``, ``[io]``, ``[scope]`` with ``default_exec`` and
``default_value_action``, ``[[scope.rules]]`` with ``pkg:``/``file:``/``obj:`` selectors and
``[[scope.rules.value_patterns]]`` for ``local``/``global``/``arg``/``ret``/``attr``).
Unknown keys and bad selectors are `PolicyError` naming the file and line.

Scopes feed `core.filters.CodeFilter` (decided once per code object). Values are applied to the
recording when it ends, before the trace is frozen: a redacted value becomes the CodeTracer
``Error "<redacted>"`` record everywhere (viewer, snapshot, terminal, export), a dropped one is
not stored at all, and the counts go to the trace's counters and metadata.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FunctionType, ModuleType
from typing import Any

from .errors import PolicyError
from .model.encoded import Err, Named

_CODE_LIKE = (Named, type, FunctionType, ModuleType)

#: The stored form of a redacted value (CodeTracer writes ``Error "<redacted>"``).
REDACTED = Err("Redacted", "<redacted>")
VALUE_KINDS = ("local", "global", "arg", "ret", "attr")
SCOPE_KINDS = ("pkg", "file", "obj")
_STAT_NAMES = {"local": "local", "global": "global", "arg": "argument", "ret": "return",
               "attr": "attribute"}
_STRICT = {"allow": 0, "redact": 1, "drop": 2}

#: Names redacted by default: whole name segments (split at ``_``), so ``password``,
#: ``api_key``, ``auth_token`` and ``AWS_SECRET`` are hidden but ``company`` or ``span`` are not.
SECRET_NAMES = (r"(?i)(?:^|.*_)(?:pass(?:word)?|passwd|pwd|secret|token|session|cookie|auth|"
                r"authorization|credentials?|creds|bearer|ssn|iban|cvv|cvc|api_?key|apikey|"
                r"private_?key|secret_?key|ssh_?key|jwt|refresh_?token|access_?token|"
                r"credit_?card|card_?number)s?(?:_.*)?$")


@dataclass(frozen=True)
class Selector:
    """A ``kind:match:pattern`` selector, compiled."""

    kind: str
    match: str
    pattern: str
    regex: re.Pattern[str]

    def matches(self, text: str) -> bool:
        """Return True when ``text`` matches the selector's pattern."""
        return self.regex.fullmatch(text) is not None if self.match != "regex" \
            else self.regex.search(text) is not None


@dataclass(frozen=True)
class ValuePattern:
    """One ``[[scope.rules.value_patterns]]`` entry."""

    selector: Selector
    action: str


@dataclass(frozen=True)
class Rule:
    """One ``[[scope.rules]]`` entry (``exec``/``value_default`` None when not set)."""

    selector: Selector | None
    exec: str | None
    value_default: str | None
    patterns: tuple[ValuePattern, ...]
    predicate: Callable[[str, str, str], bool] | None = None


@dataclass(frozen=True)
class TraceFilter:
    """A parsed filter file (or the built-in default)."""

    name: str
    path: str
    version: int
    sha256: str
    default_exec: str
    default_value: str
    rules: tuple[Rule, ...]
    root: str = ""

    def summary(self) -> dict[str, object]:
        """Return the metadata entry CodeTracer writes for a filter."""
        return {"name": self.name, "path": self.path, "sha256": self.sha256,
                "version": self.version}


def _glob_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                raise ValueError("unclosed [")
            out.append(fnmatch.translate(pattern[i:j + 1])[4:-3])
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_selector(text: object, kinds: Sequence[str]) -> Selector:
    """Parse a ``kind:pattern`` / ``kind:match:pattern`` selector (raises ValueError)."""
    if not isinstance(text, str) or ":" not in text:
        raise ValueError(f"selector {text!r} is not kind:pattern")
    kind, rest = text.split(":", 1)
    if kind not in kinds:
        raise ValueError(f"selector kind {kind!r} is not one of {', '.join(kinds)}")
    match = "glob"
    head, sep, tail = rest.partition(":")
    if sep and head in ("glob", "regex", "literal"):
        match, rest = head, tail
    if not rest:
        raise ValueError(f"selector {text!r} has an empty pattern")
    try:
        if match == "regex":
            regex = re.compile(rest)
        elif match == "literal":
            regex = re.compile(re.escape(rest))
        else:
            regex = re.compile(_glob_regex(rest))
    except (re.error, ValueError) as exc:
        raise ValueError(f"selector {text!r}: {exc}") from None
    return Selector(kind, match, rest, regex)


# -- reading files ------------------------------------------------------------------------
_TOP = {"meta", "io", "scope"}
_META = {"name", "version", "description", "labels"}
_IO = {"capture", "streams", "modes"}
_SCOPE = {"default_exec", "default_value_action", "rules"}
_RULE = {"selector", "exec", "value_default", "reason", "value_patterns"}
_PATTERN = {"selector", "action", "reason"}
_ACTIONS = {"allow": "allow", "redact": "redact", "deny": "redact", "drop": "drop"}


class _Reader:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, needle: str, start: int = 0) -> int:
        """Return the 1-based line where key/table ``needle`` appears (0 if not found)."""
        pat = re.compile(rf"^\s*(\[+\s*)?[\w.]*\b{re.escape(needle)}\b")
        for i in range(start, len(self.lines)):
            if pat.search(self.lines[i]):
                return i + 1
        return 0

    def fail(self, why: str, key: str = "", line: int = 0) -> PolicyError:
        line = line or (self.line_of(key) if key else 0)
        where = f"{self.path}:{line}" if line else self.path
        return PolicyError(f"invalid trace filter {where}: {why}",
                           context={"field": "trace_filter", "file": self.path, "line": line,
                                    "source": where})

    def keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(f"unknown key {key!r} in {where}", key)


def load_filter(path: str | os.PathLike[str]) -> TraceFilter:
    """Read and check one CodeTracer trace-filter TOML file."""
    path = os.path.abspath(os.fspath(path))
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise PolicyError(f"cannot read trace filter {path}: {exc.strerror or exc}",
                          context={"field": "trace_filter", "file": path, "source": path}) from None
    text = raw.decode("utf-8", "replace")
    r = _Reader(path, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise r.fail(f"not valid TOML ({exc})", line=int(m.group(1)) if m else 0) from None
    r.keys(doc, _TOP, "the file")
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        raise r.fail("missing [meta] table")
    r.keys(meta, _META, "[meta]")
    name, version = meta.get("name"), meta.get("version")
    if not isinstance(name, str) or not name.strip():
        raise r.fail("[meta] name must be a non-empty string", "name")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise r.fail("[meta] version must be an integer >= 1", "version")
    io = doc.get("io", {})
    if not isinstance(io, dict):
        raise r.fail("[io] must be a table", "io")
    r.keys(io, _IO, "[io]")
    if io.get("capture") is True:
        streams = io.get("streams")
        if not isinstance(streams, list) or not streams or not set(streams) <= {
                "stdout", "stderr", "stdin", "files"}:
            raise r.fail("[io] streams must list stdout/stderr/stdin/files when capture = true",
                         "streams")
    if io.get("modes"):
        raise r.fail("[io] modes must be empty", "modes")
    scope = doc.get("scope", {})
    if not isinstance(scope, dict):
        raise r.fail("[scope] must be a table", "scope")
    r.keys(scope, _SCOPE, "[scope]")
    default_exec = scope.get("default_exec", "inherit")
    if default_exec not in ("trace", "skip", "inherit"):
        raise r.fail("default_exec must be trace, skip or inherit", "default_exec")
    default_value = scope.get("default_value_action", "inherit")
    if default_value != "inherit" and default_value not in _ACTIONS:
        raise r.fail("default_value_action must be allow, redact, drop or inherit",
                     "default_value_action")
    rules = []
    rule_line = 0
    for i, rule in enumerate(scope.get("rules", [])):
        rule_line = r.line_of("rules", rule_line) or rule_line
        if not isinstance(rule, dict):
            raise r.fail(f"scope.rules[{i}] must be a table", line=rule_line)
        for key in rule:
            if key not in _RULE:
                raise r.fail(f"unknown key {key!r} in scope.rules[{i}]",
                             line=r.line_of(key, max(rule_line - 1, 0)))
        try:
            selector = parse_selector(rule.get("selector"), SCOPE_KINDS)
        except ValueError as exc:
            raise r.fail(f"scope.rules[{i}]: {exc}",
                         line=r.line_of("selector", max(rule_line - 1, 0))) from None
        exec_ = rule.get("exec")
        if exec_ not in (None, "trace", "skip", "inherit"):
            raise r.fail(f"scope.rules[{i}].exec must be trace, skip or inherit",
                         line=r.line_of("exec", max(rule_line - 1, 0)))
        vdef = rule.get("value_default")
        if vdef not in (None, "inherit") and vdef not in _ACTIONS:
            raise r.fail(f"scope.rules[{i}].value_default must be allow, redact, drop or inherit",
                         line=r.line_of("value_default", max(rule_line - 1, 0)))
        patterns = []
        pline = rule_line
        for j, pat in enumerate(rule.get("value_patterns", [])):
            pline = r.line_of("value_patterns", pline) or pline
            where = f"scope.rules[{i}].value_patterns[{j}]"
            if not isinstance(pat, dict):
                raise r.fail(f"{where} must be a table", line=pline)
            for key in pat:
                if key not in _PATTERN:
                    raise r.fail(f"unknown key {key!r} in {where}",
                                 line=r.line_of(key, max(pline - 1, 0)))
            try:
                psel = parse_selector(pat.get("selector"), VALUE_KINDS)
            except ValueError as exc:
                raise r.fail(f"{where}: {exc}", line=r.line_of("selector", max(pline - 1, 0))) \
                    from None
            action = pat.get("action")
            if action not in _ACTIONS:
                raise r.fail(f"{where}.action must be allow, redact or drop",
                             line=r.line_of("action", max(pline - 1, 0)))
            patterns.append(ValuePattern(psel, _ACTIONS[action]))
        rules.append(Rule(selector, None if exec_ in (None, "inherit") else exec_,
                          None if vdef in (None, "inherit") else _ACTIONS[vdef], tuple(patterns)))
    folder = os.path.dirname(path)
    root = os.path.dirname(folder) if os.path.basename(folder) == ".codetracer" else folder
    return TraceFilter(name.strip(), path, version, hashlib.sha256(raw).hexdigest(),
                       default_exec, "inherit" if default_value == "inherit" else
                       _ACTIONS[default_value], tuple(rules), root)


def builtin_default() -> TraceFilter:
    """Return the built-in first filter: our own user-code rules, secret-looking names redacted."""
    secret = parse_selector(f"local:regex:{SECRET_NAMES}", VALUE_KINDS)
    patterns = tuple(ValuePattern(Selector(kind, "regex", secret.pattern, secret.regex), "redact")
                     for kind in VALUE_KINDS)
    rules: list[Rule] = []
    rules.append(Rule(parse_selector("pkg:glob:**", SCOPE_KINDS), None, None, patterns))
    return TraceFilter("builtin-default", "<inline:builtin-default>", 1, "", "inherit", "allow",
                       tuple(rules))


def find_project_filter(program: str | None) -> str | None:
    """Return the first ``.codetracer/trace-filter.toml`` walking up from ``program``'s folder."""
    start = program if program and os.path.isdir(program) else (
        os.path.dirname(os.path.abspath(program)) if program and os.path.isabs(program)
        else os.getcwd())
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, ".codetracer", "trace-filter.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# -- evaluation ---------------------------------------------------------------------------
@dataclass
class _Scope:
    exec: str | None
    exec_by_rule: bool
    value_default: str
    default_from: int
    patterns: tuple[ValuePattern, ...]
    patterns_from: int

    def action(self, kind: str, names: Sequence[str]) -> str:
        ignore = self.value_default == "drop" and self.patterns_from < self.default_from
        if not ignore:
            for pat in self.patterns:
                if pat.selector.kind == kind and any(pat.selector.matches(n) for n in names):
                    return pat.action
        return self.value_default


@dataclass
class FilterChain:
    """The filters of one recording, their decisions (cached) and the counts they caused."""

    filters: list[TraceFilter]
    is_system: Callable[[str], bool] | None = None
    stats: dict[str, Any] = field(default_factory=lambda: {
        "scopes_skipped": 0,
        "value_redactions": dict.fromkeys(_STAT_NAMES.values(), 0),
        "value_drops": dict.fromkeys(_STAT_NAMES.values(), 0)})
    _scopes: dict[tuple[str, str, str], _Scope] = field(default_factory=dict)

    def _scope(self, filename: str, module: str, qualname: str) -> _Scope:
        key = (filename, module, qualname)
        hit = self._scopes.get(key)
        if hit is not None:
            return hit
        exec_: str | None = None
        by_rule = False
        value, vfrom = "allow", 0
        for i, f in enumerate(self.filters):
            if f.default_exec != "inherit":
                exec_ = f.default_exec
            if f.default_value != "inherit":
                value, vfrom = f.default_value, i
        patterns: tuple[ValuePattern, ...] = ()
        pfrom = 0
        obj = f"{module}.{qualname}" if module else qualname
        for i, f in enumerate(self.filters):
            for rule in f.rules:
                if not self._matches(rule, f, filename, module, obj):
                    continue
                if rule.exec is not None:
                    exec_, by_rule = rule.exec, True
                if rule.value_default is not None:
                    value, vfrom = rule.value_default, i
                if rule.predicate is None:
                    patterns, pfrom = rule.patterns, i
        scope = self._scopes[key] = _Scope(exec_, by_rule, value, vfrom, patterns, pfrom)
        return scope

    @staticmethod
    def _matches(rule: Rule, f: TraceFilter, filename: str, module: str, obj: str) -> bool:
        if rule.predicate is not None:
            return rule.predicate(filename, module, obj)
        sel = rule.selector
        assert sel is not None
        if sel.kind == "pkg":
            return sel.matches(module)
        if sel.kind == "obj":
            return sel.matches(obj)
        if filename.startswith("<"):
            return sel.matches(filename)
        rel = os.path.relpath(filename, f.root) if f.root else filename
        if rel.startswith(".."):
            rel = filename
        return sel.matches(rel.replace(os.sep, "/"))

    def decide_exec(self, filename: str, module: str, qualname: str, base: bool) -> bool:
        """Return whether code (file, module, qualname) is recorded, given our own decision."""
        scope = self._scope(filename, module, qualname)
        exec_ = scope.exec
        if exec_ is None:
            return base
        if exec_ == "skip":
            if base:
                self.stats["scopes_skipped"] += 1
            return False
        if base or filename.startswith("<"):
            return base
        # A rule traces what it names; a default of "trace" still leaves out the standard
        # library and site-packages (the CodeTracer built-in filter's rules do the same).
        return scope.exec_by_rule or self.is_system is None or not self.is_system(filename)

    def value_action(self, kind: str, filename: str, module: str, qualname: str,
                     names: Sequence[str]) -> str:
        """Return allow, redact or drop for a value of ``kind`` named ``names`` in a scope."""
        return self._scope(filename, module, qualname).action(kind, names)

    def summary(self) -> dict[str, object]:
        """Return the ``trace_filter`` metadata block (filters and stats)."""
        return {"filters": [f.summary() for f in self.filters], "stats": self.stats}

    # -- applying to a finished recording ---------------------------------------------
    def apply(self, builder: Any) -> None:
        """Redact and drop values in ``builder`` (before it is frozen) and record the counts."""
        funcs = builder.functions
        paths = builder.paths
        frame_func = builder.frame_func
        cache: dict[tuple[int, str], tuple[str, str]] = {}

        def decide(func_id: int, name: str) -> tuple[str, str]:
            key = (func_id, name)
            hit = cache.get(key)
            if hit is not None:
                return hit
            fn = funcs[func_id]
            where = (paths[fn.path_id], fn.module, fn.qualname)
            if fn.is_module:
                out = (self.value_action("global", *where, (name,)), "global")
            else:
                local = self.value_action("local", *where, (name,))
                out = (local, "local")
                if name in fn.params:  # an argument, and a local afterwards: the stricter wins
                    arg = self.value_action("arg", *where, (name,))
                    out = (arg if _STRICT[arg] > _STRICT[local] else local, "arg")
            cache[key] = out
            return out

        # Decide once per function and distinct name (a superset of the pairs that occur), at
        # C speed; then per distinct (function, name) pair that occurs; the per-change pass
        # below only runs when some pair is not simply allowed (a secret, a drop rule).
        names = set(builder.ch_name)
        allowed = len(funcs) * len(names) <= 20_000 and all(
            decide(f, n)[0] == "allow" for f in range(len(funcs)) for n in names)
        if not allowed:
            pairs = set(zip(map(frame_func.__getitem__, builder.ch_frame), builder.ch_name))
            allowed = all(decide(f, n)[0] == "allow" for f, n in pairs)
        if not allowed:
            red, drop = self.stats["value_redactions"], self.stats["value_drops"]
            keep: list[int] | None = None
            ch_val = builder.ch_val
            for i, name in enumerate(builder.ch_name):
                action, kind = decide(frame_func[builder.ch_frame[i]], name)
                if action == "allow":
                    if keep is not None:
                        keep.append(i)
                    continue
                if action == "redact":
                    if not isinstance(ch_val[i], _CODE_LIKE):  # a function named like a secret is not one
                        ch_val[i] = REDACTED
                        red[_STAT_NAMES[kind]] += 1
                    if keep is not None:
                        keep.append(i)
                else:
                    drop[_STAT_NAMES[kind]] += 1
                    if keep is None:
                        keep = list(range(i))
            if keep is not None:
                for col in ("ch_step", "ch_frame"):
                    arr = getattr(builder, col)
                    setattr(builder, col, type(arr)(arr.typecode, (arr[i] for i in keep)))
                builder.ch_name = [builder.ch_name[i] for i in keep]
                builder.ch_val = [ch_val[i] for i in keep]
        self._apply_returns(builder)
        self._apply_attributes(builder)

    def _apply_returns(self, builder: Any) -> None:
        funcs, paths = builder.functions, builder.paths
        decided: dict[tuple[int, str], str] = {}  # (function id, kind): decided once each
        for func_id, fn in enumerate(funcs):
            for kind, label in (("return", "<return>"), ("yield", "<yield>")):
                decided[(func_id, kind)] = self.value_action(
                    "ret", paths[fn.path_id], fn.module, fn.qualname, (fn.qualname, label))
        if all(action == "allow" for action in decided.values()):
            return  # the common case: no pass over the frames
        ends, results, frame_func = builder.frame_end_kind, builder.frame_result, builder.frame_func
        for fid, kind in enumerate(ends):
            if kind not in ("return", "yield") or results[fid] is None:
                continue
            action = decided[(frame_func[fid], kind)]
            if action == "allow":
                continue
            stat = "value_redactions" if action == "redact" else "value_drops"
            self.stats[stat]["return"] += 1
            results[fid] = REDACTED if action == "redact" else Err("Dropped", "<dropped>")

    def _apply_attributes(self, builder: Any) -> None:
        funcs, paths = builder.functions, builder.paths
        scopes = {(paths[fn.path_id], fn.module, fn.qualname) for fn in funcs}
        heap = builder.heap
        decided: dict[str, str] = {}

        def action(name: object) -> str:
            if not isinstance(name, str):
                return "allow"
            hit = decided.get(name)
            if hit is None:
                hit = "allow"
                for where in scopes:  # the strictest decision of any recorded scope
                    a = self.value_action("attr", *where, (name,))
                    if _STRICT[a] > _STRICT[hit]:
                        hit = a
                decided[name] = hit
            return hit

        red, drop = self.stats["value_redactions"], self.stats["value_drops"]
        for oid, kind in enumerate(heap.kinds):
            snaps = heap.vsnaps[oid]
            if kind != "object" or not snaps:
                continue
            for v, snap in enumerate(snaps):
                if isinstance(snap, tuple):
                    label, names, values = snap
                    pairs = list(zip(names, values))
                else:
                    label = snap[0]
                    pairs = [(snap[k], snap[k + 1]) for k in range(1, len(snap), 2)]
                out = []
                changed = False
                for name, enc in pairs:
                    a = action(name)
                    if a == "allow":
                        out.append((name, enc))
                        continue
                    changed = True
                    if a == "redact":
                        red["attribute"] += 1
                        out.append((name, REDACTED))
                    else:
                        drop["attribute"] += 1
                if not changed:
                    continue
                if isinstance(snap, tuple):
                    snaps[v] = (label, tuple(n for n, _ in out), tuple(e for _, e in out))
                else:
                    snaps[v] = [label, *[x for pair in out for x in pair]]
        heap._cache.clear()


def build_chain(explicit: Sequence[str], program: str | None,
                is_system: Callable[[str], bool] | None = None) -> FilterChain:
    """Return the chain: built-in default, the project's filter, then ``explicit`` in order."""
    filters = [builtin_default()]
    project = find_project_filter(program)
    if project is not None:
        filters.append(load_filter(project))
    for path in explicit:
        filters.append(load_filter(path))
    return FilterChain(filters, is_system)


__all__ = ["REDACTED", "SECRET_NAMES", "FilterChain", "TraceFilter", "build_chain",
           "builtin_default", "find_project_filter", "load_filter", "parse_selector"]


def session_chain(options: Any, code_filter: Any, meta: dict[str, object] | None,
                  user_files: Any) -> FilterChain:
    """Build the chain for one recording and plug its scopes into ``code_filter``."""
    program = None
    if meta and isinstance(meta.get("program"), str):
        program = str(meta["program"])
    if program is None or not os.path.isabs(program):
        files = [f for f in user_files if isinstance(f, str) and os.path.isabs(f)]
        program = files[0] if files else None
    chain = build_chain(tuple(getattr(options, "trace_filter", ())), program,
                        code_filter.is_system)
    code_filter.scope = chain.decide_exec
    return chain


def finish_counters(builder: Any, chain: FilterChain) -> None:
    """Apply the value rules to a finished recording and store its counters in the metadata."""
    chain.apply(builder)
    failed = builder.stop_reason == "failure"
    builder.meta["trace_filter"] = chain.summary()
    builder.meta["counters"] = {
        "dropped_steps": builder.dropped_steps,
        "dropped_events": builder.dropped_steps + chain.stats["scopes_skipped"]
        + sum(builder.io_dropped.values()),
        "scopes_skipped": chain.stats["scopes_skipped"],
        "redactions": sum(chain.stats["value_redactions"].values()),
        "value_redactions": dict(chain.stats["value_redactions"]),
        "drops": sum(chain.stats["value_drops"].values()),
        "value_drops": dict(chain.stats["value_drops"]),
        "detaches": int(builder.stop_reason is not None),
        "recorder_failures": int(failed),
    }
