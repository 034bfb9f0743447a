"""File-descriptor mirror: see bytes written to fd 1/2 that never passed through ``sys.stdout``.

`FdMirror` points a file descriptor (1 or 2) at a pipe and hands the bytes that the stream
proxies did *not* announce to a callback. The proxies announce what they are about to push
through the descriptor in a `Ledger`; the reader subtracts ledger entries from what it reads,
so nothing is recorded twice.

The bytes are forwarded to the original descriptor by a small *forwarder* process, not by a
thread of ours: it reads the pipe, writes each chunk to the original descriptor first and
then copies it to a second pipe that our reader thread records from. So output stays live
and in order, and a process that ends without warning (``os._exit``, a crash that
faulthandler reports on fd 2, SIGKILL) loses none of it: every byte it wrote is in the pipe
or already with the forwarder, which runs on until the pipe's end of file. The forwarder
counts the bytes it has taken in a small shared file, so a stream proxy can wait until the
reader has recorded everything written before it (`FdMirror.mark` / `FdMirror.catch_up`).

Unix only (it needs ``os.pipe``/``os.dup2`` semantics for the standard descriptors). What is
not exact, and why the mode is opt-in: bytes are attributed to the step that is running
when the reader sees them (usually the right one, sometimes a little later); a child process
that outlives the recording keeps the pipe open, and the forwarder goes on forwarding what it
writes (no longer recorded). Should the forwarder itself die, the reader thread takes over
forwarding in-process.
"""

from __future__ import annotations

import codecs
import mmap
import os
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

if os.name == "posix":
    import fcntl
    import termios

#: Bytes the ledger keeps at most; older announcements are forgotten (their bytes would then
#: be recorded as mirror output, i.e. duplicated rather than lost).
LEDGER_LIMIT = 4 * 1024 * 1024

#: Seconds `FdMirror.stop` waits at most for the reader to record what is still in the pipe.
STOP_TIMEOUT = 5.0

#: Seconds `FdMirror.stop` waits for the forwarder to reach the pipe's end of file before
#: leaving it to finish on its own (a child process that outlives the recording holds the pipe).
STOP_JOIN = 0.05

#: Bytes read from a pipe at a time.
CHUNK = 65536

#: The shared progress file: bytes the forwarder has claimed (is about to read) and taken
#: (has read) from the pipe since it started. Equal when no read is in progress.
_PROGRESS = struct.Struct("qq")

#: How often `FdMirror.mark` re-reads the counters while a forwarder read is in progress.
_SPINS = 10000

#: The forwarder process (see the module docstring): stdin is the mirrored pipe, stdout the
#: original descriptor, argv[1] the copy pipe's write end, argv[2] the progress file.
_FORWARDER = """\
import fcntl, mmap, os, select, struct, sys, termios
copy, progress = int(sys.argv[1]), mmap.mmap(int(sys.argv[2]), 16)
taken = 0
poller = select.poll()
poller.register(0, select.POLLIN | select.POLLHUP | select.POLLERR)
def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
while True:
    try:
        poller.poll()
        waiting = struct.unpack("i", fcntl.ioctl(0, termios.FIONREAD, b"\\0\\0\\0\\0"))[0]
        struct.pack_into("q", progress, 0, taken + waiting)  # claimed before they leave the pipe
        data = os.read(0, max(waiting, 1))
    except InterruptedError:
        continue
    except OSError:
        break
    taken += len(data)
    struct.pack_into("qq", progress, 0, taken, taken)
    if not data:
        break
    try:
        write_all(1, data)  # the terminal first: what is recorded has been shown
    except OSError:
        pass
    if copy >= 0:
        try:
            write_all(copy, data)
        except OSError:  # the recording stopped (or its process is gone): forward only
            os.close(copy)
            copy = -1
"""


#: Forwarders still running after their recording stopped (a child process holds the pipe);
#: kept so they are reaped, not reported as leaked.
_LINGERING: set[subprocess.Popen[bytes]] = set()


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

    @property
    def size(self) -> int:
        """Announced bytes the reader has not matched yet."""
        return self._size

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
    before the proxy writes) counts every byte already in the pipe or taken by the forwarder,
    and ``catch_up(mark)`` waits until the reader has recorded them — so output written to
    the descriptor before a ``print`` is recorded before that print. Only bytes on their way
    cost a wait; with none pending it returns at once.
    """

    def __init__(self, fd: int, on_foreign: Callable[[str], None]) -> None:
        self.fd = fd
        self.ledger = Ledger()
        self._on_foreign = on_foreign
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._saved = -1         # the original target of ``fd``
        self._pipe_read = -1     # the mirrored pipe's read end (the forwarder reads it)
        self._copy_read = -1     # the copy pipe's read end (our reader thread reads it)
        self._wake_write = -1    # wakes the reader thread when we stop
        self._wake_read = -1
        self._progress: mmap.mmap | None = None
        self._forwarder: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._direct = 0         # bytes our thread took from the pipe itself (no forwarder)
        self._handled = 0        # bytes recorded (or passed while not recording)
        self._sync = True
        self._recording = False
        self.error: str | None = None

    def start(self) -> None:
        """Point ``fd`` at a fresh pipe, start the forwarder process and the recording thread."""
        opened: list[int] = []
        try:
            saved = os.dup(self.fd)
            opened.append(saved)
            os.set_inheritable(saved, False)
            pipe_read, pipe_write = os.pipe()
            opened += (pipe_read, pipe_write)
            copy_read, copy_write = os.pipe()
            opened += (copy_read, copy_write)
            wake_read, wake_write = os.pipe()
            opened += (wake_read, wake_write)
            with tempfile.TemporaryFile(prefix="ct_jupyter-fd-") as progress_file:
                progress_file.truncate(_PROGRESS.size)
                self._progress = mmap.mmap(progress_file.fileno(), _PROGRESS.size)
                if not sys.executable:
                    raise OSError("no Python executable to run the forwarder")
                try:
                    self._forwarder = subprocess.Popen(
                        [sys.executable, "-I", "-S", "-c", _FORWARDER, str(copy_write),
                         str(progress_file.fileno())],
                        stdin=pipe_read, stdout=saved, stderr=subprocess.DEVNULL,
                        pass_fds=(copy_write, progress_file.fileno()), close_fds=True,
                        start_new_session=True)  # a Ctrl-C at the terminal must not end it
                except (ValueError, subprocess.SubprocessError) as exc:
                    raise OSError(f"cannot start the forwarder: {exc}") from exc
            os.dup2(pipe_write, self.fd)
        except BaseException:
            for fd in opened:
                os.close(fd)
            if self._progress is not None:
                self._progress.close()
                self._progress = None
            raise
        os.close(pipe_write)
        os.close(copy_write)  # the forwarder holds it: end of file on the copy = forwarder gone
        self._saved, self._pipe_read, self._copy_read = saved, pipe_read, copy_read
        self._wake_read, self._wake_write = wake_read, wake_write
        self._recording = True
        self._thread = threading.Thread(target=self._record_copies,
                                        name=f"ct_jupyter-fd{self.fd}-mirror", daemon=True)
        self._thread.start()

    def _in_flight(self) -> int:
        """Every byte written to the pipe so far: taken from it or waiting in it (lock held).

        Read so that no byte is missed or counted twice: the counters are read around the
        pipe's count and only accepted when no forwarder read was in progress meanwhile
        (claimed == taken, unchanged). Raises OSError if the pipe cannot be queried.
        """
        progress = self._progress
        if progress is None:
            return self._direct + _pending(self._pipe_read)
        unpack = _PROGRESS.unpack_from
        for spin in range(_SPINS):
            claimed, taken = unpack(progress, 0)
            waiting = _pending(self._pipe_read)
            if claimed == taken and unpack(progress, 0) == (claimed, taken):
                return int(taken) + self._direct + waiting
            if spin & 15 == 15:
                time.sleep(0)  # let the forwarder finish its read
        return int(taken) + self._direct + waiting  # a lower bound: order may be off by a chunk

    def mark(self) -> int | None:
        """Count the bytes taken from the pipe or waiting in it (None: nothing to wait for).

        When every byte not yet recorded was announced by the proxies, there is no foreign
        output to keep in order, and the caller need not wait (the common case: a run of
        ``print`` calls costs no round trip through the forwarder each).
        """
        if not self._sync or self._pipe_read < 0:
            return None
        with self._lock:
            try:
                written = self._in_flight()
            except OSError:
                self._sync = False
                return None
            if written - self._handled <= self.ledger.size:
                return None
            return written

    def catch_up(self, mark: int | None, timeout: float = 5.0) -> None:
        """Wait (bounded) until the reader has recorded the bytes counted by ``mark``."""
        if mark is None:
            return
        with self._lock:
            if self._handled >= mark:
                return
            if not self._changed.wait_for(lambda: self._handled >= mark or not self._sync,
                                          timeout):
                self._sync = False  # the reader is stuck: stop waiting for it from now on

    def stop(self) -> None:
        """Give ``fd`` back its original target, record what is still on its way (idempotent).

        A child process that still holds the pipe does not delay this: the forwarder goes on
        forwarding what it writes later, no longer recorded.
        """
        thread = self._thread
        if thread is None or self._saved < 0:
            return
        self._thread = None
        try:
            os.dup2(self._saved, self.fd)
        except OSError as exc:  # the descriptor table is in a state we did not make
            self.error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            try:
                last = self._in_flight()
            except OSError:
                last = self._handled
            self._changed.wait_for(lambda: self._handled >= last or not thread.is_alive(),
                                   STOP_TIMEOUT)
            self._recording = False
            self._sync = False
            self._changed.notify_all()
        os.write(self._wake_write, b"x")
        thread.join(STOP_TIMEOUT)
        forwarder, self._forwarder = self._forwarder, None
        for fd in (self._copy_read, self._pipe_read, self._wake_read, self._wake_write,
                   self._saved):  # closing the copy tells the forwarder to forward only
            if fd >= 0:
                os.close(fd)
        self._copy_read = self._pipe_read = self._wake_read = self._wake_write = -1
        self._saved = -1
        if forwarder is not None:
            try:
                forwarder.wait(STOP_JOIN)  # usually at end of file already
            except subprocess.TimeoutExpired:  # a child still writes: it forwards on
                _LINGERING.add(forwarder)
        for done in [p for p in _LINGERING if p.poll() is not None]:
            _LINGERING.discard(done)
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def _record_copies(self) -> None:
        """Record what the forwarder copies to us until we stop (or take over if it dies)."""
        for data in self._reads(self._copy_read, direct=False):
            self._handle(data)
        with self._lock:
            recording = self._recording
        if recording:  # the forwarder died under us: forward in-process from now on
            for data in self._reads(self._pipe_read, direct=True):
                _write_all(self._saved, data)
                self._handle(data)
        with self._lock:
            self._sync = False
            self._changed.notify_all()

    def _reads(self, fd: int, direct: bool) -> Iterator[bytes]:
        """Chunks read from ``fd`` until it ends or `stop` wakes us.

        ``direct``: ``fd`` is the mirrored pipe itself, so what is read is counted as taken
        by us (for `mark`), in the same step as the read.
        """
        poller = select.poll()  # not select(): descriptors above 1023 are common in kernels
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        poller.register(self._wake_read, select.POLLIN)
        while True:
            try:
                if fd not in {ready for ready, _ in poller.poll()}:
                    return  # woken by stop()
                if direct:
                    with self._lock:
                        data = os.read(fd, CHUNK)
                        self._direct += len(data)
                else:
                    data = os.read(fd, CHUNK)
            except InterruptedError:
                continue
            except (OSError, ValueError):
                return
            if not data:
                return  # end of file: the writer (the forwarder, or every writer) is gone
            yield data

    def _handle(self, data: bytes) -> None:
        """Record ``data`` (while recording) and count it as handled."""
        with self._lock:
            recording = self._recording
        if recording:
            self._take(data)
        with self._lock:
            self._handled += len(data)
            self._changed.notify_all()

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
