"""Stream capture: what a recorded run writes to stdout/stderr and reads from stdin, per step.

`IOCapture` replaces ``sys.stdout``, ``sys.stderr`` and ``sys.stdin`` by thin proxies for the
duration of a recording. Every write is forwarded at once to the stream that was there before
(so output stays live, in order, on the same stream) and is also recorded as a chunk tied to
the step running at the time (``step_of()``). ``input()`` is wrapped so that a prompt is
recorded as stdout and the answer as stdin, also in a notebook, where ipykernel replaces
``input`` by a stdin-channel request that never touches ``sys.stdin``. In mode ``proxies+fd`` a
file-descriptor mirror (`fd_mirror`) also records bytes written to fd 1/2 directly
(``os.write``, C code, child processes) that the proxies did not see.

Chunks
    One chunk is a maximal run of consecutive writes (or reads) of one stream at one step with
    the same flags; a write to another stream, or a new step, starts a new chunk. Text is kept
    exactly as written (``\\r`` progress output included). Chunks are written into the
    `TraceBuilder` by `IOCapture.stop`, in the order they happened. Output produced before the
    first step is given to step 0 (or kept at -1 when the run recorded no step at all).

Flags (comma-separated tokens, usually zero or one)
    ``fd``      seen only by the file-descriptor mirror (bypassed ``sys.stdout``/``sys.stderr``)
    ``thread``  written by a thread other than the recording one (attributed to the step the
                recording thread is running at that moment)
    ``prompt``  the prompt ``input()`` showed
    ``input``   the answer ``input()`` returned (with the newline the user typed)
    ``cut``     text of this stream was dropped just before this chunk (see the budget)

Budget
    Each stream keeps at most ``budget`` characters (plus a small cost per chunk): the first half
    and the last half of what went through it. The middle is dropped as it streams by, so a
    cell printing 50 MB never holds more than the budget; ``builder.io_dropped[stream]`` counts
    the dropped characters. Live output is never dropped.

``sys.stdout.buffer`` / ``sys.stderr.buffer`` writes and ``sys.stdin.buffer`` reads are recorded
too (decoded with the stream's encoding). The recorder's own calls into user code (a
``__repr__`` that prints) can be kept out with `IOCapture.silenced` (or `IOCapture.muted`, which
still shows the output).

The proxies themselves (transparent stand-ins that forward every write at once) are in
`stream_proxy`.

A bug in the capture never reaches user code: the write is forwarded, capture stops and the
failure is noted in ``builder.meta["io_error"]`` — except when
``ct_jupyter.core.recorder.TESTING`` is set, when it raises.
"""

from __future__ import annotations

import builtins
import functools
import getpass
import logging
import sys
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable
from threading import get_ident
from typing import Any, Self

from ..errors import CodetraceWarning, UsageError
from ..model.builder import TraceBuilder
from .fd_mirror import FdMirror, mirror_supported
from .stream_proxy import InProxy, OutProxy, as_text, proxy_over, unwrap

#: Characters a chunk costs in the budget on top of its text (bounds many tiny chunks).
CHUNK_COST = 32

STREAMS = ("stdout", "stderr", "stdin")


def _testing() -> bool:
    from .recorder import fails_loud

    return fails_loud()


class _Chunk:
    __slots__ = ("cut", "flags", "parts", "seq", "size", "step", "stream", "tail")

    def __init__(self, seq: int, step: int, stream: str, flags: str, tail: bool) -> None:
        self.seq = seq
        self.step = step
        self.stream = stream
        self.flags = flags
        self.parts: deque[str] = deque()
        self.size = 0
        self.cut = False
        self.tail = tail


class _StreamBudget:
    """Head/tail accounting of one stream."""

    __slots__ = ("dropped", "head_used", "tail", "tail_used")

    def __init__(self) -> None:
        self.head_used = 0
        self.tail: deque[_Chunk] = deque()
        self.tail_used = 0
        self.dropped = 0


class IOCapture:
    """Record stdout/stderr/stdin traffic of a run as chunks of a `TraceBuilder`, per step.

    Parameters
    ----------
    mode
        ``proxies`` (stream proxies) or ``proxies+fd`` (plus the file-descriptor mirror, POSIX
        only; elsewhere it warns and falls back to ``proxies``).
    builder
        Receives the chunks (`TraceBuilder.add_io`) and the dropped counts at `stop`.
    step_of
        Returns the index of the step running now (-1 before the first step).
    budget
        Characters kept per stream (head half + tail half).
    """

    def __init__(self, mode: str, builder: TraceBuilder, step_of: Callable[[], int], *,
                 budget: int = 1_000_000) -> None:
        if mode not in ("proxies", "proxies+fd"):
            raise UsageError("io capture mode must be 'proxies' or 'proxies+fd'",
                             context={"mode": mode})
        if not isinstance(budget, int) or budget < 0:
            raise UsageError("io budget must be a non-negative integer", context={"budget": budget})
        self.mode = mode
        self.builder = builder
        self.step_of = step_of
        self.budget = budget
        self._head_limit = budget // 2
        self._tail_limit = budget - self._head_limit
        self._lock = threading.Lock()
        self._local = _Local()
        self._owner = threading.get_ident()
        self._seq = 0
        self._open: _Chunk | None = None
        self._head: list[_Chunk] = []
        self._streams = {name: _StreamBudget() for name in STREAMS}
        self._capturing = False
        self._started = False
        self.stopped = False  # read by the proxies: once True they only pass calls through
        self._failure: str | None = None
        self._originals: dict[str, Any] = {}
        self._proxies: dict[str, Any] = {}
        self._input_orig: Any = None
        self._input_wrapper: Any = None
        self._getpass_orig: Any = None
        self._getpass_wrapper: Any = None
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []
        self._mirrors: dict[str, FdMirror] = {}
        self._ledger_fd: dict[str, int] = {}

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Install the proxies (and the fd mirror in ``proxies+fd`` mode); call once."""
        if self._started:
            raise UsageError("this IOCapture was already started", code="ERR_ALREADY_TRACING")
        self._started = True
        self._capturing = True
        try:
            if self.mode == "proxies+fd":
                self._start_mirrors()
            for name, cls in (("stdout", OutProxy), ("stderr", OutProxy), ("stdin", InProxy)):
                real = getattr(sys, name)
                if real is None:
                    continue
                proxy = cls(self, real, name)
                self._originals[name] = real
                self._proxies[name] = proxy
                setattr(sys, name, proxy)
            self._wrap_input()
            self._swap_handlers()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Restore every replaced stream, flush chunks into the builder (idempotent)."""
        if self.stopped or not self._started:
            self.stopped = True
            return
        self.stopped = True
        try:
            self._stop_mirrors()
        finally:
            self._capturing = False
            replaced = self._restore_streams()
            self._restore_input()
            self._restore_handlers()
        self._emit()
        if replaced:
            warnings.warn(CodetraceWarning(
                f"sys.{', sys.'.join(replaced)} was replaced during the recording and not put "
                "back; restored to the stream in place before the recording",
                code="WARN_STREAM_REPLACED"), stacklevel=2)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- recording ------------------------------------------------------------------------
    def muted(self) -> _Muted:
        """Context manager: this thread's stream traffic is forwarded but not recorded."""
        return _Muted(self._local, "mute")

    def silenced(self) -> _Muted:
        """Context manager: this thread's writes are neither shown nor recorded.

        For the recorder's own calls into user code (a ``__repr__`` that prints while a value
        is snapshotted): without recording that output would not exist at all.
        """
        return _Muted(self._local, "silent")

    def _quiet(self) -> bool:
        local = self._local
        return not self._capturing or local.busy or local.mute > 0

    def record(self, stream: str, text: str, flags: str = "", step: int | None = None) -> None:
        """Record ``text`` as traffic of ``stream`` at ``step`` (default: the current one)."""
        if not text or not self._capturing:
            return
        local = self._local
        local.busy = True
        try:
            if get_ident() != self._owner and "fd" not in flags:
                flags = f"{flags},thread" if flags else "thread"
            if step is None:
                step = self.step_of()
            with self._lock:
                chunk = self._open
                if (chunk is not None and chunk.step == step and chunk.stream == stream
                        and chunk.flags == flags and not chunk.tail):
                    budget = self._streams[stream]
                    n = len(text)
                    if budget.head_used + n <= self._head_limit:  # the common case, inlined
                        chunk.parts.append(text)
                        chunk.size += n
                        budget.head_used += n
                        return
                self._append(step, stream, text, flags)
        except Exception as exc:  # noqa: BLE001 - a capture bug must not reach user code
            self._fail(exc)
        finally:
            local.busy = False

    def _fail(self, exc: BaseException) -> None:
        self._capturing = False
        self._failure = f"{type(exc).__name__}: {exc}"
        if _testing():
            raise exc

    def _append(self, step: int, stream: str, text: str, flags: str) -> None:
        budget = self._streams[stream]
        room = self._head_limit - budget.head_used
        if room > 0:
            piece = text if len(text) <= room else text[:room]
            self._add(step, stream, flags, piece, budget, tail=False)
            text = text[len(piece):]
        if not text:
            return
        limit = self._tail_limit
        if limit <= 0:
            budget.dropped += len(text)
            return
        if len(text) > limit:
            budget.dropped += len(text) - limit
            text = text[-limit:]
        self._add(step, stream, flags, text, budget, tail=True)
        excess = budget.tail_used - limit
        tail = budget.tail
        while excess > 0 and tail:
            first = tail[0]
            if first.size + CHUNK_COST <= excess and first is not self._open:
                tail.popleft()
                budget.tail_used -= first.size + CHUNK_COST
                budget.dropped += first.size
                excess -= first.size + CHUNK_COST
                continue
            cut = min(excess, first.size)
            if cut <= 0:
                break
            _trim_front(first, cut)
            budget.tail_used -= cut
            budget.dropped += cut
            excess -= cut

    def _add(self, step: int, stream: str, flags: str, text: str, budget: _StreamBudget,
             *, tail: bool) -> None:
        chunk = self._open
        if (chunk is None or chunk.step != step or chunk.stream != stream
                or chunk.flags != flags or chunk.tail != tail):
            chunk = _Chunk(self._seq, step, stream, flags, tail)
            self._seq += 1
            self._open = chunk
            if tail:
                budget.tail.append(chunk)
                budget.tail_used += CHUNK_COST
            else:
                self._head.append(chunk)
                budget.head_used += CHUNK_COST
        chunk.parts.append(text)
        chunk.size += len(text)
        if tail:
            budget.tail_used += len(text)
        else:
            budget.head_used += len(text)

    def _emit(self) -> None:
        b = self.builder
        with self._lock:
            self._open = None
            chunks = list(self._head)
            for budget in self._streams.values():
                chunks.extend(budget.tail)
            chunks.sort(key=lambda c: c.seq)
            has_steps = b.step_count > 0
            marked: set[str] = set()
            rows: list[list[Any]] = []
            for c in chunks:
                text = "".join(c.parts)
                if not text:
                    continue
                flags = c.flags
                budget = self._streams[c.stream]
                cut = c.cut or (c.tail and budget.dropped and c.stream not in marked)
                if c.tail:
                    marked.add(c.stream)
                if cut:
                    flags = f"{flags},cut" if flags else "cut"
                step = c.step if c.step >= 0 or not has_steps else 0
                last = rows[-1] if rows else None
                if (last is not None and not cut and last[0] == step and last[1] == c.stream
                        and last[3] == flags):
                    last[2].append(text)  # the head/tail seam of one write, nothing dropped
                else:
                    rows.append([step, c.stream, [text], flags])
            for step, stream, texts, flags in rows:
                b.add_io(step, stream, "".join(texts), flags)
            for name, budget in self._streams.items():
                if budget.dropped:
                    b.io_dropped[name] = b.io_dropped.get(name, 0) + budget.dropped
            self._head.clear()
            for budget in self._streams.values():
                budget.tail.clear()
        errors = [m.error for m in self._mirrors.values() if m.error]
        if self._failure or errors:
            b.meta["io_error"] = "; ".join(filter(None, [self._failure, *errors]))

    # -- stream plumbing ------------------------------------------------------------------
    def proxy_write(self, stream: str, real: Any, text: Any,
               decode: Callable[[Any], str] | None = None) -> Any:
        local = self._local
        if local.silent > 0:
            return len(text) if isinstance(text, (str, bytes, bytearray)) else None
        mirror = self._mirrors.get(stream) if self._mirrors else None
        if mirror is None:
            result = real.write(text)
        else:
            ticket = None
            mark = mirror.mark()
            if self._ledger_fd.get(stream) == _fileno(real):
                ticket = _announce(mirror, real, text)
            try:
                result = real.write(text)
                if ticket is not None:
                    real.flush()
            except BaseException:
                mirror.ledger.cancel(ticket)
                raise
            mirror.catch_up(mark)
        if self._capturing and not local.busy and local.mute <= 0:
            if decode is None and type(text) is str:
                self.record(stream, text)
            else:
                self._record_any(stream, text, decode)
        return result

    def proxy_writelines(self, stream: str, real: Any, lines: Iterable[Any],
                    decode: Callable[[Any], str] | None = None) -> Any:
        if self._local.silent > 0:
            return None
        items = list(lines)
        mirror = self._mirrors.get(stream)
        ticket = mark = None
        if items and all(isinstance(x, (bytes, bytearray, memoryview)) for x in items):
            joined: Any = b"".join(items)
        else:
            joined = "".join(x if isinstance(x, str) else as_text(x) for x in items)
        if mirror is not None:
            mark = mirror.mark()
            if self._ledger_fd.get(stream) == _fileno(real):
                ticket = _announce(mirror, real, joined)
        try:
            result = real.writelines(items)
            if ticket is not None:
                real.flush()
        except BaseException:
            if mirror is not None:
                mirror.ledger.cancel(ticket)
            raise
        if mirror is not None:
            mirror.catch_up(mark)
        if not self._quiet():
            self._record_any(stream, joined, decode)
        return result

    def _record_any(self, stream: str, data: Any, decode: Callable[[Any], str] | None) -> None:
        try:
            text = decode(data) if decode is not None else (
                data if isinstance(data, str) else as_text(data))
        except Exception as exc:  # noqa: BLE001 - a capture bug must not reach user code
            self._fail(exc)
            return
        self.record(stream, text)

    def proxy_read(self, text: Any, decode: Callable[[Any], str] | None = None) -> Any:
        if text and not self._quiet():
            self._record_any("stdin", text, decode)
        return text

    def _restore_streams(self) -> list[str]:
        replaced = []
        for name, real in self._originals.items():
            proxy = self._proxies[name]
            current = getattr(sys, name)
            if current is not proxy:
                outer = proxy_over(current, proxy)
                if outer is not None:
                    # a recording started later (another thread) wrapped ours and is still
                    # running: take ours out of its chain, leave its proxy in place
                    object.__setattr__(outer, "_ct_real", real)
                    continue
                replaced.append(name)
            setattr(sys, name, unwrap(real))
        return replaced

    # -- input() --------------------------------------------------------------------------
    def _wrap_input(self) -> None:
        orig = builtins.input
        capture = self

        def input(*args: Any) -> str:
            if capture._quiet() or threading.get_ident() != capture._owner:
                return orig(*args)
            try:
                step = capture.step_of()  # the answer belongs to the step that asked
            except Exception as exc:  # noqa: BLE001 - a capture bug must not reach user code
                capture._fail(exc)
                return orig(*args)
            if args and args[0] is not None and str(args[0]):
                capture.record("stdout", str(args[0]), "prompt", step)
            with capture.muted():
                answer = orig(*args)
            capture.record("stdin", f"{answer}\n", "input", step)
            return answer

        input.__doc__ = getattr(orig, "__doc__", None)
        input.__wrapped__ = orig  # type: ignore[attr-defined]
        self._input_orig, self._input_wrapper = orig, input
        builtins.input = input

        # a password is never recorded, even when getpass falls back to sys.stdin
        orig_getpass = getpass.getpass

        def getpass_(*args: Any, **kwargs: Any) -> str:
            with capture.muted():
                return orig_getpass(*args, **kwargs)

        getpass_.__doc__ = getattr(orig_getpass, "__doc__", None)
        getpass_.__wrapped__ = orig_getpass  # type: ignore[attr-defined]
        self._getpass_orig, self._getpass_wrapper = orig_getpass, getpass_
        getpass.getpass = getpass_

    def _restore_input(self) -> None:
        if self._input_wrapper is not None and builtins.input is self._input_wrapper:
            builtins.input = self._input_orig
        self._input_wrapper = None
        if self._getpass_wrapper is not None and getpass.getpass is self._getpass_wrapper:
            getpass.getpass = self._getpass_orig
        self._getpass_wrapper = None

    # -- logging handlers -----------------------------------------------------------------
    def _swap_handlers(self) -> None:
        swap = {id(self._originals[n]): self._proxies[n]
                for n in ("stdout", "stderr") if n in self._originals}
        for handler in _stream_handlers():
            proxy = swap.get(id(getattr(handler, "stream", None)))
            if proxy is not None:
                try:
                    old, handler.stream = handler.stream, proxy
                except AttributeError:
                    continue
                self._handlers.append((handler, old))

    def _restore_handlers(self) -> None:
        for handler, old in self._handlers:
            if getattr(handler, "stream", None) is self._proxies.get(_name_of(self, old)):
                handler.stream = old
        self._handlers.clear()
        # handlers created during the run (logging.basicConfig) hold a proxy: point them at
        # the real stream, so nothing outlives the recording holding a proxy
        back = {id(p): self._originals[n] for n, p in self._proxies.items()}
        for handler in _stream_handlers():
            real = back.get(id(getattr(handler, "stream", None)))
            if real is not None:
                try:
                    handler.stream = real
                except AttributeError:
                    pass

    # -- fd mirror ------------------------------------------------------------------------
    def _start_mirrors(self) -> None:
        if not mirror_supported():
            warnings.warn(CodetraceWarning("the fd mirror needs a POSIX system; capturing "
                                           "Python-level streams only", code="WARN_NO_FD_MIRROR"),
                          stacklevel=3)
            return
        for name, fd in (("stdout", 1), ("stderr", 2)):
            real = getattr(sys, name)
            try:
                if real is not None:
                    real.flush()
            except Exception:  # noqa: BLE001,S110 - flushing is a courtesy; the mirror starts anyway
                pass
            mirror = FdMirror(fd, functools.partial(self.record, name, flags="fd"))
            try:
                mirror.start()
            except OSError as exc:
                warnings.warn(CodetraceWarning(f"cannot mirror fd {fd}: {exc}",
                                               code="WARN_NO_FD_MIRROR"), stacklevel=3)
                continue
            self._mirrors[name] = mirror
            self._ledger_fd[name] = fd

    def _stop_mirrors(self) -> None:
        for name, mirror in list(self._mirrors.items()):
            real = self._originals.get(name, getattr(sys, name, None))
            try:
                if real is not None:
                    real.flush()
            except Exception:  # noqa: BLE001,S110 - flushing is a courtesy; the mirror stops anyway
                pass
            mirror.stop()


class _Local(threading.local):
    """Per-thread switches; class defaults make reading them cheap (no AttributeError)."""

    busy = False  # inside the capture's own code: do not record (re-entrancy)
    mute = 0      # forwarded, not recorded (input()'s own traffic, getpass, muted())
    silent = 0    # neither forwarded nor recorded (silenced())


class _Muted:
    __slots__ = ("_local", "_name")

    def __init__(self, local: threading.local, name: str) -> None:
        self._local = local
        self._name = name

    def __enter__(self) -> None:
        setattr(self._local, self._name, getattr(self._local, self._name) + 1)

    def __exit__(self, *exc: object) -> None:
        setattr(self._local, self._name, getattr(self._local, self._name) - 1)


def _trim_front(chunk: _Chunk, count: int) -> None:
    parts = chunk.parts
    left = count
    while left > 0 and parts:
        first = parts[0]
        if len(first) <= left:
            parts.popleft()
            left -= len(first)
        else:
            parts[0] = first[left:]
            left = 0
    chunk.size -= count - left
    chunk.cut = True


def _fileno(stream: Any) -> int:
    try:
        return int(stream.fileno())
    except Exception:  # noqa: BLE001 - no fileno means no fd to mirror
        return -1


def _announce(mirror: FdMirror, real: Any, text: Any) -> bytes | None:
    try:
        if isinstance(text, str):
            data = text.encode(getattr(real, "encoding", None) or "utf-8",
                               getattr(real, "errors", None) or "strict")
        else:
            data = bytes(text)
    except Exception:  # noqa: BLE001 - an unencodable text is simply not announced
        return None
    return mirror.ledger.announce(data)


def _stream_handlers() -> list[logging.StreamHandler[Any]]:
    loggers: list[Any] = [logging.getLogger()]
    loggers.extend(v for v in list(logging.Logger.manager.loggerDict.values())
                   if isinstance(v, logging.Logger))
    found: list[logging.StreamHandler[Any]] = []
    seen: set[int] = set()
    for logger in loggers:
        for handler in list(getattr(logger, "handlers", ())):
            if isinstance(handler, logging.StreamHandler) and id(handler) not in seen:
                seen.add(id(handler))
                found.append(handler)
    return found


def _name_of(capture: IOCapture, real: Any) -> str:
    for name, stream in capture._originals.items():
        if stream is real:
            return name
    return ""
