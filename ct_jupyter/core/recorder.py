"""Backend-independent reactions to call / line / return / raise events.

The backends (`sysmon`, `settrace`) translate VM events into calls of `Recorder.on_start`,
`on_line`, `on_return`, `on_unwind` and `on_raise`. The recorder keeps one `_FrameState` per
live user frame, appends steps and changes to the `TraceBuilder`, and owns the limits and the
failure policy: a failure inside the recorder stops recording (the partial trace is kept) and
never becomes the user's exception — unless `TESTING` is set, as the test suite does.
"""

from __future__ import annotations

import sys
import traceback
import weakref
from bisect import bisect_right
from collections.abc import Callable, Mapping
from functools import partial
from sys import _getframe
from threading import get_ident as _get_ident
from types import BuiltinFunctionType, CodeType, FrameType, FunctionType, MethodType, ModuleType
from typing import Any, cast

from ..model.builder import FunctionInfo, TraceBuilder
from ..model.encoded import UNBOUND, Err, Ref
from ..options import TraceOptions
from .analysis import LineEffects, analyse
from .ccore import get_var as _ccore_get_var
from .filters import CodeFilter
from .object_view import class_attr, instance_dict
from .purity import APPEND_METHODS, PURE_BUILTIN_OBJECTS, PURE_METHODS, LinePlan, cached_line_plans
from .repr_budget import safe_message
from .values import ATOM_TYPES, HOLD_TYPES, Snapshotter

#: The one fail-soft switch: when True (the test suite sets it), a failure of the recorder,
#: the output capture or the display raises instead of failing soft. Read it with `fails_loud`.
TESTING = False


def fails_loud() -> bool:
    """True when failures must raise (the test suite), False when they fail soft (users)."""
    return TESTING
#: After a limit, steps are counted exactly up to this many; then every event is switched off
#: (the program runs on at plain speed) and the count is a lower bound
#: (``meta["dropped_steps_exact"] = False``).
COUNT_AFTER_STOP = 1_000

_GEN_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
#: Every this many steps (a power of two minus one, used as a mask) the recorder re-checks
#: the whole frame, its memory estimate, and releases objects the program no longer holds.
CHECK_EVERY = 4095
_WREF = weakref.ReferenceType
_getrefcount = sys.getrefcount
# the exception an except/finally block of the running frame is handling (alive, so its id is its)
_handled = getattr(sys, "exception", None) or (lambda: sys.exc_info()[1])
# 3.12 with the C extension: fast locals read one by one, never syncing the locals() dict
_get_var = _ccore_get_var if sys.version_info < (3, 13) else None


class _VarReader:
    """A function frame's variables read through ``PyFrame_GetVar`` (``.get`` like a dict)."""

    __slots__ = ("get",)

    def __init__(self, frame: FrameType) -> None:
        self.get = partial(cast("Callable[..., object]", _get_var), frame)  # set on 3.12
_PROXY = (lambda: type(_getframe().f_locals))() if sys.version_info >= (3, 13) else dict
_EQ_ATOMS = frozenset({int, str, bool, type(None), complex, bytes})
# Values whose in-place change cannot matter: atoms, functions, classes, modules.
_SKIP_CHECK = frozenset({int, float, bool, type(None), complex, str, bytes, FunctionType, type,
                         ModuleType, BuiltinFunctionType, MethodType})
_HIDDEN = frozenset({"__builtins__", "__name__", "__doc__", "__package__", "__loader__",
                     "__spec__", "__file__", "__cached__", "__annotations__", "__qualname__",
                     "__module__", "__dict__", "__weakref__", "__classcell__"})


class CodeInfo:
    """Per-code-object facts worked out once: user or not, function id, line effects, names."""

    __slots__ = ("code", "is_user", "func_id", "effects", "names", "is_module", "is_gen",
                 "enabled", "optimized")

    def __init__(self, code: CodeType, is_user: bool) -> None:
        self.code = code
        self.is_user = is_user
        self.func_id = -1
        self.effects: dict[int, LineEffects] = {}
        self.names: tuple[str, ...] = ()
        self.is_module = False
        self.is_gen = bool(code.co_flags & _GEN_FLAGS)
        self.optimized = bool(code.co_flags & 0x1)  # CO_OPTIMIZED: fast locals
        self.enabled = False  # the sysmon backend has switched its local events on


class _FrameState:
    """One live user frame: its last line, and a token per variable (never a strong user object).

    A token is an atom, the `Ref` of a tracked object, or a weak reference to an untracked one.
    ``ldict`` (3.12) is how its variables are read without syncing its ``locals()`` dict: a
    `_VarReader`, or else that dict itself, kept to put it back as the program last saw it.
    """

    __slots__ = ("fid", "info", "effects", "frame", "line", "objs", "pending", "dirty",
                 "globals_owner", "resume_line", "names", "has_refs", "ldict", "plain", "catching",
                 "last")

    def __init__(self, fid: int, info: CodeInfo, frame: FrameType) -> None:
        self.fid = fid
        self.info = info
        self.effects = info.effects
        self.frame = frame
        self.line = -1
        self.objs: dict[str, object] = {}
        self.pending: BaseException | None = None
        self.dirty = False
        self.globals_owner = False
        self.resume_line = -1
        self.names = info.names
        self.has_refs = False
        self.ldict: dict[str, object] | None = None
        self.plain = False  # its f_locals is a dict or a 3.13 proxy: .get runs no user code
        # an exception whose handler (except or finally) runs: (step, id, type, message); it
        # counts as caught unless the frame is left with that same exception
        self.catching: tuple[int, int, str, str] | None = None
        self.last: tuple[int, str, str] | None = None  # (id, type, message) of the last raise


class Recorder:
    """Turns backend events into a trace; one instance records one run."""

    def __init__(self, builder: TraceBuilder, options: TraceOptions, filt: CodeFilter,
                 labels: dict[str, str] | None = None) -> None:
        self.builder = builder
        self.options = options
        self.filter = filt
        self.labels = labels or {}
        self.snap = Snapshotter(builder.heap, options, self._is_user_module)
        self.infos: dict[int, CodeInfo] = {}
        self.codes: list[CodeType] = []
        self.stack: list[_FrameState] = []
        self.globals_owners: dict[int, _FrameState] = {}
        self._plans: dict[str, Mapping[int, LinePlan | None]] = {}
        self._module_names: dict[int, dict[str, None]] = {}
        self._continues: set[int] = set()  # ids of codes whose frame continues the last root frame
        self._last_root: _FrameState | None = None
        # Two states, one fast check: ``active`` is False once recording stopped (a limit, a
        # failure, the end); ``off`` — the flag every event reads first, also from the C core —
        # is True while the recorder is busy in its own code (so what it calls is not
        # recorded) or once it stopped: ``off == busy or not active``. Each event sets it on
        # entry and leaves it as ``not active``.
        self.off = False
        self.active = True
        #: set by the sys.monitoring backend on 3.12: leave the program's ``locals()`` dict as is
        self.restore_locals = False
        self._mem_mark = 0
        self._unwound = 0  # id of the exception that last left a user frame
        self.owner = _get_ident()
        self.max_steps = options.max_steps
        self.max_memory = options.max_memory
        self.on_stop: Callable[[], None] | None = None
        self.internal_error: BaseException | None = None
        self.gate: Any = None  # ct_jupyter.focus.Gate when only some calls are recorded
        self._step_line = builder.step_line
        self._step_line_append = builder.step_line.append
        self._step_frame_append = builder.step_frame.append
        self._open_frame = builder.open_frame
        self._ch_step = builder.ch_step.append
        self._ch_frame = builder.ch_frame.append
        self._ch_name = builder.ch_name.append
        self._ch_val = builder.ch_val.append
        self._end_frame = builder.end_frame
        self._frame_first = builder.frame_first_step
        self._encode = self.snap.encode

    # -- classification -------------------------------------------------------------------
    def classify(self, code: CodeType, frame: FrameType | None) -> CodeInfo:
        """Return the cached `CodeInfo` of ``code``, working it out on first sight."""
        info = self.infos.get(id(code))
        if info is not None:
            return info
        module = ""
        if frame is not None:
            try:
                module = str(frame.f_globals.get("__name__", ""))
            except Exception:
                module = ""
        info = CodeInfo(code, self.filter.is_user(code, module))
        self.infos[id(code)] = info
        self.codes.append(code)  # keep alive: id(code) must not be reused while we cache it
        if info.is_user:
            self._describe(info, frame, module)
        return info

    def continue_frame(self, code: CodeType) -> None:
        """Record a root frame of ``code`` as the continuation of the root frame before it.

        IPython compiles a cell's trailing expression as a second code object that runs right
        after the body; the cell is still one frame: same id, same variables, no re-capture.
        """
        self._continues.add(id(code))
        self.codes.append(code)  # keep alive while its id is a key

    def _is_user_callable(self, obj: object) -> bool:
        """True for a function or plain class of the user's code: its frames record its changes."""
        if type(obj) is FunctionType:
            code = obj.__code__
            info = self.infos.get(id(code))
            if info is None:
                info = self.classify(code, None)
            return info.is_user
        if type(obj) is type and obj.__new__ is object.__new__:
            init = obj.__init__  # type: ignore[misc]
            return init is object.__init__ or self._is_user_callable(init)
        return False

    def running_frames(self) -> list[int]:
        """Ids of the recorded frames still executing, outermost first."""
        return [st.fid for st in self.stack]

    def exclude_code(self, code: CodeType) -> None:
        """Never step into ``code`` (e.g. the lambda that runs the recorded program)."""
        self.infos[id(code)] = CodeInfo(code, False)
        self.codes.append(code)

    def _describe(self, info: CodeInfo, frame: FrameType | None, module: str) -> None:
        code = info.code
        path = code.co_filename
        source = _source_of(path)
        plans = self._plans.get(path)
        if plans is None:
            plans = self._plans[path] = cached_line_plans(source) if source else {}
        info.effects, touched = analyse(code, plans)
        info.is_module = code.co_name == "<module>"
        if info.is_module:
            info.names = tuple(n for n in touched if n not in _HIDDEN)
        else:
            names = code.co_varnames + code.co_cellvars + code.co_freevars
            info.names = tuple(dict.fromkeys(n for n in names if not n.startswith(".")))
        pid = self.builder.add_path(path, source, self.labels.get(path))
        qualname = getattr(code, "co_qualname", code.co_name)
        if info.is_module:
            qualname = "<module>"
        nparams = code.co_argcount + code.co_kwonlyargcount
        nparams += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)  # *args, **kwargs
        params = () if info.is_module else tuple(code.co_varnames[:nparams])
        info.func_id = self.builder.add_function(
            FunctionInfo(code.co_name, qualname, pid, code.co_firstlineno, module, info.is_module,
                         params, is_class=not info.is_module and not code.co_flags & 0x02))

    def _is_user_module(self, module: str) -> bool:
        if module in ("__main__", "__mp_main__", "builtins"):
            return module != "builtins"
        mod = sys.modules.get(module)
        path = getattr(mod, "__file__", None)
        if not isinstance(path, str):
            return False
        fake = compile("0", path, "eval")
        return self.filter.is_user(fake, module)

    # -- events ---------------------------------------------------------------------------
    def io_step(self) -> int:
        """Return the index of the step running now (what output belongs to)."""
        return len(self._step_line) - 1

    def on_start(self, info: CodeInfo, frame: FrameType, kind: str) -> None:
        """A user frame starts (``call``) or resumes (``resume``)."""
        if self.off:
            return
        try:
            stack = self.stack
            if not stack and self.gate is not None and not self.gate.allows_root(info, frame):
                return
            if not stack and self._last_root is not None and id(info.code) in self._continues:
                self._revive(info, frame)
                return
            if stack:
                parent = stack[-1]
                parent.dirty = True
                fid = self._open_frame(info.func_id, parent.fid, len(stack),
                                       len(self._step_line) - 1, kind, id(frame))
            else:
                fid = self._open_frame(info.func_id, -1, 0, len(self._step_line) - 1, kind,
                                       id(frame))
            st = _FrameState(fid, info, frame)
            self._unwound = 0
            if info.is_module:
                g = frame.f_globals
                if id(g) not in self.globals_owners:
                    self.globals_owners[id(g)] = st
                    st.globals_owner = True
                # Module bodies that run one after another in one namespace (a cell's body
                # and its trailing expression) show every name any of them used.
                seen = self._module_names.setdefault(id(g), {})
                seen.update(dict.fromkeys(info.names))
                st.names = tuple(seen)
            stack.append(st)
        except Exception as exc:
            self.fail(exc)

    def on_line(self, code: CodeType, line: int, frame: FrameType | None = None) -> None:
        """A user frame is about to run ``line`` (registered directly as the LINE callback)."""
        if self.off or line <= 0:  # line 0: the empty body of an empty module
            return None
        if frame is None:
            frame = _getframe(1)
        stack = self.stack
        if not stack or stack[-1].frame is not frame:
            if _get_ident() != self.owner or not self._resync(code, frame):
                return None
        st = stack[-1]
        if line == st.line and st.pending is not None:
            return None  # a hidden handler on the raising line (3.12+ comprehensions): no step
        step = len(self._step_line)
        if step >= self.max_steps:
            self.stop("max_steps")
            self.builder.dropped_steps += 1
            return
        self._step_line_append(line)
        self._step_frame_append(st.fid)
        prev = st.line
        st.line = line
        if prev >= 0:
            eff = st.effects.get(prev)
            if st.dirty or st.pending is not None or step & CHECK_EVERY == CHECK_EVERY:
                pass
            elif eff is None:
                return None
            elif eff.local_only and st.plain:
                # The commonest line: it rebinds locals to atoms (`s += x`, `m = p * p`). Atoms
                # run no user code when stored, so this needs no re-entrancy guard.
                d = st.ldict
                if d is None:
                    loc = frame.f_locals
                elif d.__class__ is _VarReader:
                    loc = d
                else:
                    loc = frame.f_locals if _getrefcount(d) <= 4 else self._locals(st)
                objs = st.objs
                for name in eff.rebinds:
                    value = loc.get(name, UNBOUND)
                    old = objs.get(name, UNBOUND)
                    if value is old:
                        continue
                    t = type(value)
                    if t not in ATOM_TYPES or (old is not UNBOUND and type(old) not in ATOM_TYPES):
                        break  # the full path below takes it from here
                    if t is type(old) and t is not float and value == old:
                        continue
                    objs[name] = value
                    self._ch_step(step)
                    self._ch_frame(st.fid)
                    self._ch_name(name)
                    self._ch_val(value)
                else:
                    return None
        return self._line_work(st, prev, step)

    def _line_work(self, st: _FrameState, prev: int, step: int) -> None:
        """The rest of a LINE event once its step is appended: captures, changes, exceptions.

        ``prev`` is the frame's previous line (-1 at its first line). The C core calls this
        for every line its fast paths do not finish.
        """
        self.off = True
        self._unwound = 0  # an unwinding exception arrives in the caller before any line
        try:
            if prev < 0:
                self._frame_first[st.fid] = step
                self._capture_all(st, step)
            else:
                eff = st.effects.get(prev)
                if eff is not None:
                    self._apply(st, eff, step)
                if st.dirty:
                    st.dirty = False
                    self._recheck(st, step)
            if st.pending is not None:
                exc = st.pending
                st.pending = None
                if st.catching is None:
                    st.catching = (step, id(exc), type(exc).__name__, _message(exc))
                elif st.catching[1] != id(exc):  # caught inside the handler of another one
                    self.builder.add_exception(step, st.fid, "caught", type(exc).__name__,
                                               _message(exc))
            snap = self.snap
            if step & CHECK_EVERY == CHECK_EVERY:
                snap.sweep()
                self._check_memory()
            else:
                if snap.suspects or snap._dead or snap._retry:
                    snap.collect()
                if snap.bytes >= self._mem_mark:
                    self._check_memory()
        except Exception as exc:
            self.fail(exc)
        finally:
            self.off = not self.active

    def on_return(self, kind: str, code: CodeType, offset: int, value: object) -> None:
        """A user frame returns (``return``) or suspends (``yield``) with ``value``.

        The argument order lets ``partial(on_return, "return")`` be the PY_RETURN callback.
        """
        if self.off or _get_ident() != self.owner:
            return None
        stack = self.stack
        if not stack or stack[-1].info.code is not code:
            return
        st = stack.pop()
        self.off = True
        try:
            step = len(self._step_line)
            eff = st.effects.get(st.line)  # what the last line changed shows at the next step
            if eff is not None:
                self._apply(st, eff, step)
            enc = value if type(value) in ATOM_TYPES else self._encode(value, step)
            self._end_frame(st.fid, kind, enc, step - 1)
            if st.catching is not None:
                self._caught(st)
            if st.globals_owner:
                self._leave(st)
            else:  # _leave, inlined for the common case: calls are the hot path of fib-like code
                st.frame = None  # type: ignore[assignment]
                st.ldict = None
                if st.has_refs:
                    self._drop_refs(st)
                if stack:
                    stack[-1].dirty = True
        except Exception as exc:
            self.fail(exc)
        finally:
            self.off = not self.active

    def on_unwind(self, code: CodeType, exc: BaseException | None) -> None:
        """A user frame is left because an exception propagates out of it."""
        if self.off:
            return
        stack = self.stack
        if not stack or stack[-1].info.code is not code:
            return
        st = stack.pop()
        self.off = True
        try:
            self._flush_last_line(st)
            exc = exc if exc is not None else st.pending
            if exc is not None:
                ident, tname, msg = id(exc), type(exc).__name__, _message(exc)
            elif st.catching is not None:  # settrace: a finally or a bare raise re-raised it
                ident, tname, msg = st.catching[1:]
            elif st.last is not None:
                ident, tname, msg = st.last
            else:
                ident, tname, msg = 0, "BaseException", ""
            if st.catching is not None:
                if st.catching[1] == ident:
                    st.catching = None  # its handler re-raised it: it was never caught
                else:
                    self._caught(st)
            self.builder.add_exception(len(self._step_line) - 1, st.fid, "unwind", tname, msg)
            self.builder.end_frame(st.fid, "exception", Err(tname, msg))
            self._leave(st)
            # the caller records it when it arrives there (a RAISE / exception event); a
            # generator closed from C code swallows it and the caller never sees it
            self._unwound = ident
        except Exception as err:
            self.fail(err)
        finally:
            self.off = not self.active

    def on_raise(self, code: CodeType, exc: BaseException) -> None:
        """An exception is raised in (or propagates into) a user frame."""
        if self.off:
            return
        stack = self.stack
        if not stack or stack[-1].info.code is not code:
            return
        st = stack[-1]
        if st.pending is exc:
            return
        try:
            st.pending = exc
            ident = id(exc)
            catching = st.catching
            if catching is not None:
                handled = _handled()
                if handled is None or id(handled) != catching[1]:
                    self._caught(st)  # its handler finished earlier: it was caught
                elif ident == catching[1]:
                    return  # re-raised by its own handler (settrace reports a bare `raise`)
            if ident == self._unwound:
                self._unwound = 0
                return  # propagated from a callee: recorded as its unwind; caught or unwound here
            st.last = (ident, type(exc).__name__, _message(exc))
            self.builder.add_exception(len(self._step_line) - 1, st.fid, "raise", st.last[1],
                                       st.last[2])
        except Exception as err:
            self.fail(err)

    def _caught(self, st: _FrameState) -> None:
        """Record the exception ``st`` was handling as caught, at the step its handler began."""
        step, _, tname, msg = st.catching  # type: ignore[misc]
        st.catching = None
        b = self.builder
        at = bisect_right(b.exc_step, step)
        if at == len(b.exc_step):
            b.add_exception(step, st.fid, "caught", tname, msg)
            return
        b.exc_step.insert(at, step)
        b.exc_frame.insert(at, st.fid)
        b.exc_kind.insert(at, "caught")
        b.exc_type.insert(at, tname)
        b.exc_msg.insert(at, msg)

    # -- variables ------------------------------------------------------------------------
    def _capture_all(self, st: _FrameState, step: int) -> None:
        """Record every variable of a frame at its first step."""
        self._rebind(st, st.names, self._locals(st), step)

    def _locals(self, st: _FrameState) -> Any:
        """Return the frame's variables as a mapping read without running the program's code.

        On 3.12 with sys.monitoring, reading ``f_locals`` writes the fast locals into the dict
        ``locals()`` returned to the program; when the program holds that dict, it is put back
        as it was and a copy is read instead.
        """
        frame = st.frame
        d = st.ldict
        if d.__class__ is _VarReader:
            return d
        if _get_var is not None and st.info.optimized:
            st.plain = True
            st.ldict = reader = _VarReader(frame)  # type: ignore[assignment]
            return reader
        if d is not None and _getrefcount(d) > 4:  # the frame, st.ldict, d, the argument
            before = d.copy()
            loc = frame.f_locals
            now = loc.copy()
            d.clear()
            d.update(before)
            return now
        loc = frame.f_locals
        t = type(loc)
        if t is dict:
            st.plain = True
            if self.restore_locals and st.info.optimized:
                st.ldict = loc
            return loc
        if t is _PROXY:
            st.plain = True
            return loc
        if isinstance(loc, dict):
            return dict.copy(loc)  # a dict subclass (a class body's namespace): its C contents
        return {}  # a custom locals mapping: reading it would run the program's code

    def _drop_refs(self, st: _FrameState) -> None:
        """The frame is gone: objects only its variables held may be released."""
        suspect = self.snap.suspect
        for tok in st.objs.values():
            if tok.__class__ is Ref:
                suspect(tok.oid)
        st.has_refs = False

    def _rebind(self, st: _FrameState, names: tuple[str, ...], values: Any, step: int) -> None:
        """Record each of ``names`` whose value in ``values`` is not the one ``st`` last had.

        ``values`` is the frame's ``f_locals`` (a dict, or a proxy on 3.13) or a globals dict.
        Equal atoms are not a change; modules are never shown at module level.
        """
        objs = st.objs
        skip_modules = st.info.is_module
        fid = st.fid
        snap = self.snap
        tv = type(values)
        get = values.get if tv is dict or tv is _PROXY or tv is _VarReader else \
            (lambda n, d, m=values: dict.get(m, n, d))
        for name in names:
            value = get(name, UNBOUND)
            old = objs.get(name, UNBOUND)
            if value is old:
                continue
            t = type(value)
            if t is type(old) and t in _EQ_ATOMS and value == old:
                continue
            c = old.__class__
            if (c is Ref or c is _WREF) and snap.same(old, value):
                continue
            if t is ModuleType and skip_modules:
                continue
            if t in ATOM_TYPES or value is UNBOUND:
                enc = value
                objs[name] = value
            else:
                enc = self._encode(value, step)
                if enc.__class__ is Ref:
                    objs[name] = enc
                    st.has_refs = True
                else:
                    objs[name] = value if t in HOLD_TYPES else snap.token(value, enc)
            if c is Ref:
                snap.suspect(old.oid)  # type: ignore[attr-defined]
            self._ch_step(step)
            self._ch_frame(fid)
            self._ch_name(name)
            self._ch_val(enc)

    def _apply(self, st: _FrameState, eff: LineEffects, step: int) -> None:
        objs = st.objs
        loc = None
        if eff.rebinds:
            loc = self._locals(st)
            self._rebind(st, eff.rebinds, loc, step)
        if eff.grebinds:  # `global x; x = …` in a function changes the module frame's x
            g = st.frame.f_globals
            owner = self.globals_owners.get(id(g))
            if owner is not None and owner is not st:
                self._rebind(owner, eff.grebinds, g, step)
        if eff.cands or eff.gcands:
            # Objects the line names that could change in place (atoms and functions cannot).
            found: list[object] = []
            snap = self.snap
            for name in eff.cands:
                tok = objs.get(name, UNBOUND)
                if tok.__class__ is Ref:
                    oid = tok.oid
                    value = snap.objs[oid]  # snap.get, inlined: the object or its weak ref
                    if snap.weak[oid]:
                        value = value()
                    if value is not None:
                        found.append(value)
            if eff.gcands:
                g = st.frame.f_globals
                for name in eff.gcands:
                    value = dict.get(g, name, UNBOUND)
                    if value is not UNBOUND and type(value) not in _SKIP_CHECK:
                        found.append(value)
            if not found:
                return
            plan = eff.plan
            if plan is not None and self._run_plan(
                    st, plan, step, loc if loc is not None else self._locals(st)):
                return
            check = self.snap.check_value
            for value in found:
                check(value, step)

    def _run_plan(self, st: _FrameState, plan: LinePlan, step: int, loc: Any) -> bool:
        """Check only what a pure line can change; False when its calls are not the pure ones.

        ``loc`` is the frame's ``f_locals``, read once per event (on 3.12 each read re-syncs).
        """
        g = st.frame.f_globals
        grown: list[object] | None = None
        for name, attr in plan.calls:  # PlanCall records, unpacked once
            found = loc.get(name, _NOTHING)
            if found is _NOTHING:
                found = dict.get(g, name, _NOTHING)
            if not attr:  # a plain call
                if found is _NOTHING:
                    found = _BUILTINS.get(name, _NOTHING)
                if found is PURE_BUILTIN_OBJECTS.get(name) or self._is_user_callable(found):
                    continue
                return False
            t = type(found)
            allowed = PURE_METHODS.get(t)
            if allowed is not None and attr in allowed:
                continue
            adds = APPEND_METHODS.get(t)
            if adds is not None and attr in adds:
                if grown is None:
                    grown = []
                grown.append(found)
                continue
            if t.__module__ != "builtins" and self._is_user_callable(class_attr(t, attr)):
                continue
            return False
        snap = self.snap
        if grown is not None:
            for obj in grown:
                snap.check_tail(obj, step)
        for base, path, inplace in plan.targets:  # PlanTarget records
            obj = loc.get(base, _NOTHING)
            if obj is _NOTHING:
                obj = dict.get(g, base, _NOTHING)
                if obj is _NOTHING:
                    continue
            if not path:
                if type(obj) not in _SKIP_CHECK:
                    snap.check_value(obj, step)
                continue
            container = obj
            for op, arg in path[:-1]:
                container = _step_into(container, op, arg, loc, g)
                if container is _NOTHING:
                    break
            if container is _NOTHING:
                if type(obj) not in _SKIP_CHECK:
                    snap.check_value(obj, step)
                continue
            op, arg = path[-1]
            if op == "item":
                if arg[0] == "name":  # the common `a[i] = …`: one lookup, inline
                    key = loc.get(arg[1], _NOTHING)
                    if key is _NOTHING:
                        key = dict.get(g, arg[1], _NOTHING)
                else:
                    key = _index_value(arg, loc, g)
                if key is _NOTHING:
                    snap.check_value(container, step)
                else:
                    snap.check_item(container, key, step, inplace)
            elif type(container) not in _SKIP_CHECK:
                snap.check_attr(container, arg, step, inplace)
        return True

    def _recheck(self, st: _FrameState, step: int) -> None:
        """After a call into user code returned here: rebindings may have happened anywhere."""
        self._rebind(st, st.names, self._locals(st), step)

    def _flush_last_line(self, st: _FrameState) -> None:
        """Record what the frame's last line changed, as of the step that comes next."""
        if st.line < 0:
            return
        eff = st.effects.get(st.line)
        if eff is not None:
            self._apply(st, eff, len(self._step_line))

    def _revive(self, info: CodeInfo, frame: FrameType) -> None:
        """Reopen the last root frame for ``frame``, a continuation of it (see continue_frame)."""
        st = self._last_root
        assert st is not None
        self._last_root = None
        self.builder.reopen_frame(st.fid)
        st.info = info
        st.effects = info.effects
        st.frame = frame
        st.line = 0  # not a first step: no re-capture; the recheck records only real changes
        st.dirty = True
        if info.is_module:
            g = frame.f_globals
            seen = self._module_names.setdefault(id(g), {})
            seen.update(dict.fromkeys(info.names))
            st.names = tuple(seen)
            if id(g) not in self.globals_owners:
                self.globals_owners[id(g)] = st
                st.globals_owner = True
        self.stack.append(st)

    def _leave(self, st: _FrameState) -> None:
        if not self.stack and self._continues:
            self._last_root = st
        if st.globals_owner:
            g = st.frame.f_globals
            if self.globals_owners.get(id(g)) is st:
                del self.globals_owners[id(g)]
        st.frame = None  # type: ignore[assignment]
        st.ldict = None
        if st.has_refs:
            self._drop_refs(st)
        if self.stack:
            self.stack[-1].dirty = True

    def _resync(self, code: CodeType, frame: FrameType) -> bool:
        """Recover when events and our stack disagree (e.g. a frame left without an event)."""
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].frame is frame:
                while len(stack) > i + 1:
                    lost = stack.pop()
                    self.builder.end_frame(lost.fid, "unknown", None)
                return True
        info = self.infos.get(id(code))
        if info is None or not info.is_user:
            return False
        self.on_start(info, frame, "resume" if info.is_gen else "call")
        return bool(stack) and stack[-1].frame is frame

    def _memory(self) -> int:
        """Estimate the bytes the recording holds (steps, changes, frames, snapshots, strings)."""
        b = self.builder
        return self.snap.bytes + len(b.step_line) * 16 + len(b.ch_step) * 40 + len(b.frame_func) * 96

    def _check_memory(self) -> None:
        """Stop at ``max_memory``; check again after another 1/64 of it was stored."""
        used = self._memory()
        if used > self.max_memory:
            self.stop("max_memory")
        self._mem_mark = self.snap.bytes + max(self.max_memory // 64, 4096)

    # -- limits and failures --------------------------------------------------------------
    def stop(self, reason: str) -> None:
        """Stop recording (the program keeps running); later steps are only counted."""
        if not self.active:
            return
        self.active = False
        self.off = True
        if self.builder.stop_reason is None:
            self.builder.stop_reason = reason
        if self.on_stop is not None:
            self.on_stop()

    def fail(self, exc: BaseException) -> None:
        """Handle a bug inside the recorder: stop recording, keep the partial trace."""
        self.builder.failure = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        if self.internal_error is None:
            self.internal_error = exc
        self.stop("failure")

    def finish(self, value: object, error: BaseException | None) -> None:
        """Close frames still open and record how the run ended."""
        from ..model.builder import Outcome

        self.active = False
        self.off = True
        b = self.builder
        while self.stack:
            st = self.stack.pop()
            if st.catching is not None:
                self._caught(st)
            if not b.frame_ended(st.fid):
                end = "exception" if error is not None else "return"
                if not self.stack and error is None and b.stop_reason is None:
                    b.end_frame(st.fid, "return", self._safe_encode(value))
                elif not self.stack and error is not None:
                    b.end_frame(st.fid, "exception", Err(type(error).__name__, _message(error)))
                else:
                    b.end_frame(st.fid, end if b.stop_reason is None else "truncated", None)
            st.frame = None  # type: ignore[assignment]
        if error is None:
            b.outcome = Outcome("returned", self._safe_encode(value))
        else:
            tb = _traceback_text(error)
            b.outcome = Outcome("raised", None, type(error).__name__, _message(error), tb)
        b.meta["repr_calls"] = self.snap.repr.calls
        b.meta["user_repr_calls"] = self.snap.user_reprs
        self.snap.release()
        self.globals_owners.clear()
        self._module_names.clear()
        self.codes.clear()
        self.infos.clear()
        self.on_stop = None  # break the recorder <-> backend cycle

    def _safe_encode(self, value: object) -> object:
        try:
            return self._encode(value, len(self._step_line))
        except Exception as exc:
            return Err(type(value).__name__, _message(exc))


_NOTHING = object()
_BUILTINS: dict[str, object] = __import__("builtins").__dict__


def _index_value(index: tuple[Any, ...], loc: Any, g: dict[str, object]) -> object:
    """Evaluate a plan's index: a constant, a name, or a name plus a constant."""
    kind = index[0]
    if kind == "const":
        return index[1]
    name = index[1]
    value = loc.get(name, _NOTHING)
    if value is _NOTHING:
        value = dict.get(g, name, _NOTHING)
    if kind == "add":
        return value + index[2] if type(value) is int else _NOTHING
    if kind == "mod":
        return value % index[2] if type(value) is int else _NOTHING
    return value


def _step_into(obj: Any, op: str, arg: Any, loc: Any, g: dict[str, object]) -> object:
    """Follow one path step (``[i]`` on a list/tuple/dict, ``.name`` on a plain object)."""
    try:
        if op == "item":
            t = type(obj)
            if t not in (list, dict, tuple):
                return _NOTHING
            key = _index_value(arg, loc, g)
            if key is _NOTHING or (t is dict and type(key) not in _KEY_ATOMS):
                return _NOTHING  # hashing a user object would run its __hash__/__eq__
            return obj[key]
        d = instance_dict(obj)
        return d.get(arg, _NOTHING) if d is not None else _NOTHING
    except Exception:
        return _NOTHING


def _message(exc: BaseException) -> str:
    text = safe_message(exc)
    return text if len(text) <= 2000 else text[:2000] + "…"


def _traceback_text(error: BaseException) -> str:
    """Format ``error``'s traceback without calling its (possibly user-written) ``__str__``."""
    try:
        lines = traceback.format_tb(error.__traceback__)
    except Exception:
        lines = []
    head = "Traceback (most recent call last):\n" if lines else ""
    return head + "".join(lines) + f"{type(error).__name__}: {_message(error)}\n"


_KEY_ATOMS = frozenset({int, str, bool, type(None), bytes})


def _source_of(path: str) -> str | None:
    import linecache

    lines = linecache.getlines(path)
    if lines:
        return "".join(lines)
    return None
