"""File-descriptor mirror: see bytes written to fd 1/2 that never passed through ``sys.stdout``.

`FdMirror` points a file descriptor (1 or 2) at a pipe, forwards everything read from the
pipe to a duplicate of the original descriptor (so the output stays live and in order), and
hands the bytes that the stream proxies did *not* announce to a callback. The proxies
announce what they are about to push through the descriptor in a `Ledger`; the reader thread
subtracts ledger entries from what it reads, so nothing is recorded twice.

Unix only (it needs ``os.pipe``/``os.dup2`` semantics for the standard descriptors). What is
not reliable, and why the mode is opt-in: bytes are attributed to the step that is running
when the reader thread sees them (usually the right one, sometimes a little later); a child
process that outlives the recording keeps the pipe open, so it is drained by a detached
thread afterwards (still forwarded, no longer recorded).

A process can end without warning while bytes wait in the pipe (``os._exit``, a crash that
faulthandler reports on fd 2, SIGKILL). So that those bytes still reach the terminal, each
mirror starts a small *guardian* process that holds the pipe's read end and a lifeline pipe
from us: when we stop normally we tell it so and it exits; when the lifeline breaks because
we died, it forwards whatever is left in the pipe to the original descriptor. Only a chunk
our reader thread had already taken but not yet written (at most 64 KB, for microseconds)
can still be lost.
"""

from __future__ import annotations

import atexit
import codecs
import os
import select
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable

if os.name == "posix":
    import fcntl
    import termios

#: Bytes the ledger keeps at most; older announcements are forgotten (their bytes would then
#: be recorded as mirror output, i.e. duplicated rather than lost).
LEDGER_LIMIT = 4 * 1024 * 1024

#: Seconds `FdMirror.stop` waits at most for the reader to record what is still in the pipe.
STOP_TIMEOUT = 5.0

#: Seconds `FdMirror.stop` gives the reader to reach end of file before leaving it detached
#: (a child process that outlives the recording still holds the pipe).
STOP_JOIN = 0.05


_DETACHED: set[threading.Thread] = set()

#: The guardian process (see the module docstring): argv[1] is the lifeline's descriptor,
#: stdin the mirrored pipe, stdout the original descriptor.
_GUARDIAN = """\
import os, sys
try:
    told = os.read(int(sys.argv[1]), 1)
except OSError:
    told = b""
if told:
    sys.exit(0)  # the recording stopped normally: nothing to rescue
while True:  # the recorded process is gone: forward what is left in the pipe
    try:
        data = os.read(0, 65536)
    except OSError:
        break
    if not data:
        break
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(1, view):]
        except OSError:
            sys.exit(0)
"""


@atexit.register
def _drain_detached() -> None:
    """At exit, let detached readers forward what children wrote last (bounded)."""
    for thread in list(_DETACHED):
        thread.join(STOP_TIMEOUT)


def mirror_supported() -> bool:
    """Return True when this platform can mirror file descriptors (POSIX)."""
    return os.name == "posix" and hasattr(termios, "FIONREAD") and hasattr(select, "poll")


class Ledger:
    """Bytes the stream proxies announced for one descriptor, in the order they will arrive."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._entries: deque[bytes] = deque()
        self._size = 0

    def announce(self, data: bytes) -> bytes | None:
        """Announce ``data`` as about to be written; return a ticket for `cancel`."""
        if not data:
            return None
        with self.lock:
            self._entries.append(data)
            self._size += len(data)
            while self._size > LEDGER_LIMIT and len(self._entries) > 1:
                self._size -= len(self._entries.popleft())
        return data

    def cancel(self, ticket: bytes | None) -> None:
        """Forget an announcement whose write failed (its bytes will never arrive)."""
        if ticket is None:
            return
        with self.lock:
            for i in range(len(self._entries) - 1, -1, -1):
                if self._entries[i] is ticket:
                    del self._entries[i]
                    self._size -= len(ticket)
                    return

    def __len__(self) -> int:
        return len(self._entries)

    def subtract(self, data: bytes) -> bytes:
        """Remove announced bytes from ``data`` (read from the pipe); return the foreign rest."""
        foreign = bytearray()
        with self.lock:
            entries = self._entries
            while data:
                if not entries:
                    foreign += data
                    break
                head = entries[0]
                k = _common_prefix(data, head)
                if k:
                    data = data[k:]
                    self._size -= k
                    if k == len(head):
                        entries.popleft()
                    else:
                        entries[0] = head[k:]
                    continue
                p = _find_start(data, head)
                foreign += data[:p]
                data = data[p:]
        return bytes(foreign)


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix of ``a`` and ``b``."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _find_start(data: bytes, head: bytes) -> int:
    """First index where ``head`` (or its beginning, at the end of ``data``) starts in ``data``."""
    whole = data.find(head, 1)
    limit = len(data) if whole < 0 else whole
    first = head[:1]
    pos = data.find(first, max(1, len(data) - len(head) + 1))
    while 0 <= pos < limit:
        if head.startswith(data[pos:]):
            return pos
        pos = data.find(first, pos + 1)
    return limit


class FdMirror:
    """Mirror one file descriptor through a pipe; report bytes the ledger did not announce.

    `mark` / `catch_up` let a stream proxy keep program order in the trace: ``mark()`` (taken
    before the proxy writes) counts every byte already in the pipe or being handled, and
    ``catch_up(mark)`` waits until the reader has recorded them — so output written to the
    descriptor before a ``print`` is recorded before that print. Only bytes waiting in the
    pipe cost a wait; with none pending it returns at once.
    """

    def __init__(self, fd: int, on_foreign: Callable[[str], None]) -> None:
        self.fd = fd
        self.ledger = Ledger()
        self._on_foreign = on_foreign
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._saved = -1
        self._read_end = -1
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._taken = 0      # bytes read from the pipe
        self._handled = 0    # bytes forwarded and recorded
        self._sync = True
        self._recording = False
        self._detached = False
        self._guardian: subprocess.Popen[bytes] | None = None
        self._lifeline = -1
        self.error: str | None = None

    def start(self) -> None:
        """Point ``fd`` at a fresh pipe and start the forwarding thread."""
        saved = os.dup(self.fd)
        try:
            read_end, write_end = os.pipe()
        except OSError:
            os.close(saved)
            raise
        try:
            os.set_inheritable(saved, False)
            os.dup2(write_end, self.fd)
        except OSError:
            for fd in (saved, read_end, write_end):
                os.close(fd)
            raise
        os.close(write_end)
        self._saved, self._read_end = saved, read_end
        self._start_guardian()
        self._recording = True
        self._thread = threading.Thread(target=self._pump, name=f"ct_jupyter-fd{self.fd}-mirror",
                                        daemon=True)
        self._thread.start()

    def _start_guardian(self) -> None:
        """Start the process that rescues the pipe's bytes if we die abruptly (best effort)."""
        if not sys.executable:
            return
        try:
            life_r, life_w = os.pipe()
        except OSError:
            return
        try:
            self._guardian = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _GUARDIAN, str(life_r)],
                stdin=self._read_end, stdout=self._saved, stderr=subprocess.DEVNULL,
                pass_fds=(life_r,), close_fds=True,
                start_new_session=True)  # a Ctrl-C at the terminal must not end it
        except (OSError, ValueError, subprocess.SubprocessError):
            os.close(life_w)
            self._guardian = None
        else:
            self._lifeline = life_w
        finally:
            os.close(life_r)

    def _stop_guardian(self) -> None:
        """Tell the guardian we stopped normally, and reap it."""
        guardian, self._guardian = self._guardian, None
        if self._lifeline >= 0:
            try:
                os.write(self._lifeline, b"x")
            except OSError:
                pass
            os.close(self._lifeline)
            self._lifeline = -1
        if guardian is not None:
            try:
                guardian.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                guardian.kill()
                guardian.wait()

    def mark(self) -> int | None:
        """Count the bytes the reader has taken or that wait in the pipe (None: don't sync)."""
        if not self._sync or self._read_end < 0:
            return None
        with self._lock:
            try:
                waiting = _pending(self._read_end)
            except OSError:
                self._sync = False
                return None
            return self._taken + waiting

    def catch_up(self, mark: int | None, timeout: float = 5.0) -> None:
        """Wait (bounded) until the reader has recorded the bytes counted by ``mark``."""
        if mark is None:
            return
        with self._lock:
            if self._handled >= mark:
                return
            if not self._progress.wait_for(lambda: self._handled >= mark or not self._sync,
                                           timeout):
                self._sync = False  # the reader is stuck: stop waiting for it from now on

    def stop(self) -> None:
        """Give ``fd`` back its original target, record what is still in the pipe (idempotent).

        A child process that still holds the pipe does not delay this: what it writes later
        is forwarded by the detached reader, no longer recorded.
        """
        if self._thread is None or self._saved < 0:
            return
        try:
            os.dup2(self._saved, self.fd)
        except OSError as exc:  # the descriptor table is in a state we did not make
            self.error = f"{type(exc).__name__}: {exc}"
        thread, self._thread = self._thread, None
        with self._lock:
            try:
                last = self._taken + _pending(self._read_end)
            except OSError:
                last = self._taken
            self._progress.wait_for(lambda: self._handled >= last or not thread.is_alive(),
                                    STOP_TIMEOUT)
            self._recording = False
            self._sync = False
            self._progress.notify_all()
        self._stop_guardian()
        thread.join(STOP_JOIN)  # usually at end of file already: no other writer is left
        with self._lock:
            if thread.is_alive():
                # a child process still holds the pipe: the thread keeps forwarding, and
                # closes the descriptors itself when the pipe reaches end of file
                self._detached = True
                _DETACHED.add(thread)
                return
        self._close()

    def _close(self) -> None:
        for fd in (self._read_end, self._saved):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._read_end = self._saved = -1

    def _pump(self) -> None:
        read_end, saved = self._read_end, self._saved
        poller = select.poll()  # not select(): descriptors above 1023 are common in kernels
        poller.register(read_end, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            try:
                poller.poll()
                with self._lock:  # taken and counted atomically, for mark()
                    data = os.read(read_end, 65536)
                    self._taken += len(data)
            except InterruptedError:
                continue
            except (OSError, ValueError):
                break
            if not data:
                break
            _write_all(saved, data)
            with self._lock:
                recording = self._recording
            if recording:
                self._take(data)
            with self._lock:
                self._handled += len(data)
                self._progress.notify_all()
        with self._lock:
            self._sync = False
            self._progress.notify_all()
            if self._detached:
                self._close()
        _DETACHED.discard(threading.current_thread())

    def _take(self, data: bytes) -> None:
        try:
            foreign = self.ledger.subtract(data)
            text = self._decoder.decode(foreign) if foreign else ""
            if text:
                self._on_foreign(text)
        except Exception as exc:  # noqa: BLE001 - the mirror thread must not die: output keeps flowing
            self.error = f"{type(exc).__name__}: {exc}"
            from .recorder import fails_loud

            if fails_loud():
                print(f"ct_jupyter fd mirror failed: {self.error}", file=sys.__stderr__)


def _pending(fd: int) -> int:
    """Bytes waiting to be read from the pipe ``fd``."""
    buf = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    return int(struct.unpack("i", buf)[0])


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd``; give up quietly if the target is gone."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError:
            return
        view = view[n:]
