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
"""

from __future__ import annotations

import codecs
import os
import sys
import threading
from collections import deque
from collections.abc import Callable

#: Bytes the ledger keeps at most; older announcements are forgotten (their bytes would then
#: be recorded as mirror output, i.e. duplicated rather than lost).
LEDGER_LIMIT = 4 * 1024 * 1024

#: Seconds `FdMirror.stop` waits for the reader to drain the pipe after the descriptor is
#: restored. A child process still holding the pipe makes it wait this long once.
STOP_TIMEOUT = 5.0


def mirror_supported() -> bool:
    """Return True when this platform can mirror file descriptors (POSIX)."""
    return os.name == "posix" and hasattr(os, "dup2") and hasattr(os, "pipe")


class Ledger:
    """Bytes the stream proxies announced for one descriptor, in the order they will arrive.

    Announced bytes are numbered (a running byte count); the reader advances ``done`` once it
    has recorded everything read before them, so a proxy can `wait` until the mirror has caught
    up with its own write — which keeps mirror chunks in program order in the trace.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._ready = threading.Condition(self.lock)
        self._entries: deque[bytes] = deque()
        self._size = 0
        self._announced = 0
        self._done = 0
        self.sync = True

    def announce(self, data: bytes) -> int | None:
        """Announce ``data`` as about to be written; return a ticket for `cancel` and `wait`."""
        if not data:
            return None
        with self.lock:
            self._entries.append(data)
            self._size += len(data)
            self._announced += len(data)
            while self._size > LEDGER_LIMIT and len(self._entries) > 1:
                gone = self._entries.popleft()
                self._size -= len(gone)
                self._done += len(gone)
            return self._announced

    def cancel(self, ticket: int | None, data: bytes) -> None:
        """Forget an announcement whose write failed (its bytes will never arrive)."""
        if ticket is None:
            return
        with self.lock:
            for i in range(len(self._entries) - 1, -1, -1):
                if self._entries[i] is data:
                    del self._entries[i]
                    self._size -= len(data)
                    break
            self._done += len(data)
            self._ready.notify_all()

    def wait(self, ticket: int | None, timeout: float = 5.0) -> None:
        """Wait until the reader has recorded everything up to ``ticket`` (bounded)."""
        if ticket is None or not self.sync:
            return
        with self.lock:
            if not self._ready.wait_for(lambda: self._done >= ticket, timeout):
                self.sync = False  # the bytes are not coming through: stop waiting for them

    def advance(self, count: int) -> None:
        """Mark ``count`` announced bytes as read and recorded; wake waiting writers."""
        if count:
            with self.lock:
                self._done += count
                self._ready.notify_all()

    def release(self) -> None:
        """Wake every waiter for good (the mirror is stopping)."""
        with self.lock:
            self.sync = False
            self._ready.notify_all()

    def __len__(self) -> int:
        return len(self._entries)

    def subtract(self, data: bytes) -> tuple[bytes, int]:
        """Split ``data`` (read from the pipe) into foreign bytes and a count of announced ones."""
        foreign = bytearray()
        matched = 0
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
                    matched += k
                    if k == len(head):
                        entries.popleft()
                    else:
                        entries[0] = head[k:]
                    continue
                p = _find_start(data, head)
                foreign += data[:p]
                data = data[p:]
        return bytes(foreign), matched


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
    """Mirror one file descriptor through a pipe; report bytes the ledger did not announce."""

    def __init__(self, fd: int, on_foreign: Callable[[str], None]) -> None:
        self.fd = fd
        self.ledger = Ledger()
        self._on_foreign = on_foreign
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._saved = -1
        self._read_end = -1
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._recording = False
        self._detached = False
        self._finished = False
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
        self._recording = True
        self._thread = threading.Thread(target=self._pump, name=f"ct_jupyter-fd{self.fd}-mirror",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Give ``fd`` back its original target, drain the pipe, stop recording (idempotent)."""
        if self._thread is None or self._saved < 0:
            return
        try:
            os.dup2(self._saved, self.fd)
        except OSError as exc:  # the descriptor table is in a state we did not make
            self.error = f"{type(exc).__name__}: {exc}"
        thread, self._thread = self._thread, None
        thread.join(STOP_TIMEOUT)
        self.ledger.release()
        with self._lock:
            self._recording = False
            if thread.is_alive():
                # a child process still holds the pipe: the thread keeps forwarding, and
                # closes the descriptors itself when the pipe reaches end of file
                self._detached = True
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
        while True:
            try:
                data = os.read(read_end, 65536)
            except InterruptedError:
                continue
            except OSError:
                break
            if not data:
                break
            _write_all(saved, data)
            with self._lock:
                recording = self._recording
            if recording:
                self._take(data)
        with self._lock:
            self._finished = True
            if self._detached:
                self._close()

    def _take(self, data: bytes) -> None:
        matched = 0
        try:
            foreign, matched = self.ledger.subtract(data)
            text = self._decoder.decode(foreign) if foreign else ""
            if text:
                self._on_foreign(text)
        except Exception as exc:  # noqa: BLE001 - the mirror thread must not die: output keeps flowing
            self.error = f"{type(exc).__name__}: {exc}"
            testing = getattr(sys.modules.get("ct_jupyter.core.recorder"), "TESTING", False)
            if testing:
                print(f"ct_jupyter fd mirror failed: {self.error}", file=sys.__stderr__)
        finally:
            self.ledger.advance(matched)


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
