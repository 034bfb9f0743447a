"""Calling a ``repr`` the recorder did not write: silenced, time-budgeted, never raising.

The budget never touches the program's signals or timers (``signal.alarm``, ``setitimer``,
handlers): a watchdog thread, started on first use and invisible to ``threading.enumerate()``,
raises `ReprTimeout` inside the thread running the repr (``PyThreadState_SetAsyncExc``) when its
time is up. That works in every thread, but like a signal handler it can only interrupt Python
code: a repr blocked inside one C call (``time.sleep``) is cut off when that call returns.
"""

from __future__ import annotations

import _thread
import dis
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

_RAISE_OPS = frozenset(dis.opmap[n] for n in ("RAISE_VARARGS", "RERAISE") if n in dis.opmap)


class ReprTimeout(Exception):
    """Raised inside a repr that ran past its budget."""


def _set_async_exc() -> Callable[[int, object], int] | None:
    """Return ``PyThreadState_SetAsyncExc`` as ``(thread id, exception type or None) -> int``."""
    try:
        import ctypes

        fn = ctypes.pythonapi.PyThreadState_SetAsyncExc
        fn.argtypes = (ctypes.c_ulong, ctypes.py_object)
        fn.restype = ctypes.c_int
    except Exception:  # not CPython, or no ctypes: budgets are then checked after the call
        return None

    def setter(tid: int, exc: object) -> int:
        return int(fn(tid, ctypes.py_object() if exc is None else ctypes.py_object(exc)))

    return setter


class _Watchdog:
    """One helper thread that interrupts the repr call running past its deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._jobs: dict[int, tuple[int, float]] = {}  # thread id -> (ticket, deadline)
        self._fired: set[tuple[int, int]] = set()
        self._tickets = 0
        self._started = False
        self._raise = _set_async_exc()

    def begin(self, budget: float) -> tuple[int, int]:
        """Arm a deadline for the calling thread; return the ticket to pass to `end`."""
        tid = _thread.get_ident()
        with self._lock:
            self._tickets += 1
            ticket = self._tickets
            self._jobs[tid] = (ticket, time.monotonic() + budget)
            if not self._started and self._raise is not None:
                self._started = True
                _thread.start_new_thread(self._run, ())
            self._wake.notify()
        return tid, ticket

    def end(self, token: tuple[int, int]) -> bool:
        """Disarm; return True when the deadline fired (the interrupt may still be pending).

        A pending interrupt is not withdrawn with ``SetAsyncExc(tid, NULL)``: on 3.11 that leaves
        the eval breaker set and the interpreter spins; the caller lets it arrive instead.
        """
        tid, ticket = token
        with self._lock:
            job = self._jobs.get(tid)
            if job is not None and job[0] == ticket:
                del self._jobs[tid]
            fired = token in self._fired
            self._fired.discard(token)
        return fired

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._wake.wait()
                    continue
                now = time.monotonic()
                soonest = min(d for _, d in self._jobs.values())
                if soonest > now:
                    self._wake.wait(soonest - now)
                    continue
                for tid, (ticket, deadline) in list(self._jobs.items()):
                    if deadline <= now:
                        del self._jobs[tid]
                        self._fired.add((tid, ticket))
                        if self._raise is not None:
                            self._raise(tid, ReprTimeout)


_WATCHDOG = _Watchdog()


class ReprCaller:
    """Calls foreign (and, when asked, user) reprs under a time budget, counting the calls."""

    def __init__(self, budget: float, max_len: int) -> None:
        self.budget = budget
        self.max_len = max_len
        self.bad: set[type] = set()
        self.calls = 0
        #: set by the session to IO capture's ``silenced``: output that a repr prints while we
        #: snapshot would not exist without recording, so it is not shown
        self.silence: Callable[[], AbstractContextManager[object]] | None = None

    def __call__(self, obj: object) -> str:
        """Return a bounded repr of ``obj``; never raises, never runs past the budget for long."""
        t = type(obj)
        if t in self.bad:
            return f"<{t.__name__} object (repr failed before)>"
        self.calls += 1
        token = None
        started = time.monotonic()
        try:
            try:
                token = _WATCHDOG.begin(self.budget)
                if self.silence is not None:
                    with self.silence():
                        text = repr(obj)
                else:
                    text = repr(obj)
            finally:
                if token is not None and _WATCHDOG.end(token):
                    for _ in range(100):
                        pass  # a backward jump: the pending interrupt arrives here, if not yet
                    raise ReprTimeout()
            if time.monotonic() - started > self.budget:
                raise ReprTimeout()  # a blocking C call the watchdog could not interrupt
            if type(text) is not str:
                raise TypeError("__repr__ returned non-string")
        except ReprTimeout:
            self.bad.add(t)
            return f"<error: repr of {t.__name__} took longer than {self.budget}s>"
        except RecursionError:
            self.bad.add(t)
            return f"<error: repr of {t.__name__} recursed too deeply>"
        except KeyboardInterrupt as exc:
            if is_real_interrupt(exc):
                raise  # a real Ctrl-C: the program must stop as it would unrecorded
            return f"<error: repr of {t.__name__} raised KeyboardInterrupt>"
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a repr must not end the run
            # not remembered: a repr that fails half-way through __init__ works afterwards
            return f"<error: repr of {t.__name__} raised {describe(exc)}>"
        if len(text) > self.max_len:
            text = text[: self.max_len] + "…"
        return text


def is_real_interrupt(exc: BaseException) -> bool:
    """True for a KeyboardInterrupt raised by a signal, False for one a ``raise`` statement made."""
    tb = exc.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code.co_code
    i = tb.tb_lasti
    return not (0 <= i < len(code) and code[i] in _RAISE_OPS)


def safe_message(exc: BaseException) -> str:
    """Return ``str(exc)`` when that runs no user code, else a neutral description."""
    t = type(exc)
    impl = None
    for klass in t.__mro__:
        impl = klass.__dict__.get("__str__")
        if impl is not None:
            break
    args = exc.args if type(exc.args) is tuple else ()
    if type(impl).__name__ == "wrapper_descriptor" and all(type(a) in _MSG_ATOMS for a in args):
        try:
            return str(exc)
        except BaseException:  # noqa: BLE001
            pass
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    return f"<{t.__name__} message not read: it would run the program's code>"


_MSG_ATOMS = frozenset({str, int, float, bool, type(None), bytes, complex})


def describe(exc: BaseException) -> str:
    """Return ``"Type: message"`` for an exception, without running user code."""
    msg = safe_message(exc)
    name = type(exc).__name__
    return f"{name}: {msg[:200]}" if msg else name


__all__ = ["ReprCaller", "ReprTimeout", "describe", "is_real_interrupt", "safe_message"]
