"""The stand-ins for ``sys.stdout``, ``sys.stderr`` and ``sys.stdin`` while output is captured.

Each proxy forwards what the program writes (or reads) to the real stream at once and hands
it to its `IOCapture` to record (`IOCapture.proxy_write` and friends). They are transparent:
every attribute they do not define is the real stream's (``__getattr__``), assignment is
forwarded to it, ``isinstance`` sees the real stream's class, and callers may patch ``write``
on them (IPython 9's ``run_cell`` does ``sys.stdout.write = ...``). Once their capture has
stopped they only pass calls through.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .io_capture import IOCapture

_OWN = frozenset({"write", "writelines", "flush", "read", "read1", "readline", "readlines",
                  "__next__", "__iter__"})


def as_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


class StreamProxy:
    """Shared transparency of the stream proxies: delegate, forward assignment, look real."""

    def __init__(self, capture: IOCapture, real: Any, stream: str) -> None:
        object.__setattr__(self, "_ct_capture", capture)
        object.__setattr__(self, "_ct_real", real)
        object.__setattr__(self, "_ct_stream", stream)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_ct_"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "_ct_real"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        # ``write`` & co. stay on the proxy: IPython patches ``sys.stdout.write`` with a wrapper
        # that calls the previous ``write``; forwarding that to the real stream would loop.
        if name in _OWN or name.startswith("_ct_"):
            object.__setattr__(self, name, value)
            return
        try:
            setattr(self._ct_real, name, value)
        except (AttributeError, TypeError):
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self.__dict__:
            object.__delattr__(self, name)
        else:
            delattr(self._ct_real, name)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(sys.stdout, OutStream) stays True
        return type(self._ct_real)

    def __repr__(self) -> str:
        return repr(self._ct_real)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._ct_real)) | set(self.__dict__))

    def __enter__(self) -> Any:
        self._ct_real.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._ct_real.__exit__(*exc)


class OutProxy(StreamProxy):
    """Stands in for sys.stdout / sys.stderr while recording."""

    def write(self, text: Any) -> Any:
        """Forward ``text`` to the real stream and record it."""
        capture = self._ct_capture
        if capture.stopped:
            return self._ct_real.write(text)
        return capture.proxy_write(self._ct_stream, self._ct_real, text)

    def writelines(self, lines: Iterable[Any]) -> Any:
        """Forward ``lines`` to the real stream and record them."""
        capture = self._ct_capture
        if capture.stopped:
            return self._ct_real.writelines(lines)
        return capture.proxy_writelines(self._ct_stream, self._ct_real, lines)

    def flush(self) -> Any:
        """Flush the real stream."""
        return self._ct_real.flush()

    @property
    def buffer(self) -> Any:
        """The real stream's binary buffer, behind a proxy that records what is written."""
        return _buffer_proxy(self, OutBufferProxy)


class OutBufferProxy(StreamProxy):
    """Stands in for sys.stdout.buffer / sys.stderr.buffer: bytes are recorded as text."""

    def write(self, data: Any) -> Any:
        """Forward ``data`` to the real buffer and record it, decoded."""
        capture = self._ct_capture
        if capture.stopped:
            return self._ct_real.write(data)
        return capture.proxy_write(self._ct_stream, self._ct_real, data, self._ct_decode)

    def writelines(self, lines: Iterable[Any]) -> Any:
        """Forward ``lines`` to the real buffer and record them, decoded."""
        capture = self._ct_capture
        if capture.stopped:
            return self._ct_real.writelines(lines)
        return capture.proxy_writelines(self._ct_stream, self._ct_real, lines, self._ct_decode)

    def flush(self) -> Any:
        """Flush the real buffer."""
        return self._ct_real.flush()


class _LineIterator:
    """Iteration over a reading proxy: one recorded ``readline`` per line."""

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> Any:
        line = self.readline()  # type: ignore[attr-defined]
        if not line:
            raise StopIteration
        return line


class InProxy(_LineIterator, StreamProxy):
    """Stands in for sys.stdin while recording: reads are recorded as stdin chunks."""

    def read(self, *args: Any) -> Any:
        """Read from the real stream and record what was read."""
        return self._ct_capture.proxy_read(self._ct_real.read(*args))

    def readline(self, *args: Any) -> Any:
        """Read a line from the real stream and record it."""
        return self._ct_capture.proxy_read(self._ct_real.readline(*args))

    def readlines(self, *args: Any) -> Any:
        """Read lines from the real stream and record them."""
        lines = self._ct_real.readlines(*args)
        self._ct_capture.proxy_read("".join(x if isinstance(x, str) else as_text(x) for x in lines))
        return lines

    @property
    def buffer(self) -> Any:
        """The real stream's binary buffer, behind a proxy that records what is read."""
        return _buffer_proxy(self, InBufferProxy)


class InBufferProxy(_LineIterator, StreamProxy):
    """Stands in for sys.stdin.buffer: bytes read are recorded as text."""

    def _ct_got(self, data: Any) -> Any:
        return self._ct_capture.proxy_read(data, self._ct_decode)

    def read(self, *args: Any) -> Any:
        """Read from the real buffer and record what was read."""
        return self._ct_got(self._ct_real.read(*args))

    def read1(self, *args: Any) -> Any:
        """Read (at most one raw read) from the real buffer and record it."""
        return self._ct_got(self._ct_real.read1(*args))

    def readline(self, *args: Any) -> Any:
        """Read a line from the real buffer and record it."""
        return self._ct_got(self._ct_real.readline(*args))

    def readlines(self, *args: Any) -> Any:
        """Read lines from the real buffer and record them."""
        lines = self._ct_real.readlines(*args)
        self._ct_got(b"".join(lines))
        return lines



def _buffer_proxy(text_proxy: StreamProxy, cls: type[StreamProxy]) -> Any:
    """Return (and keep) the buffer proxy of ``text_proxy`` for the real stream's buffer."""
    real_buffer = text_proxy._ct_real.buffer
    capture = text_proxy._ct_capture
    if capture.stopped:
        return real_buffer
    cached = text_proxy.__dict__.get("_ct_buffer")
    if cached is not None and cached._ct_real is real_buffer:
        return cached
    proxy = cls(capture, real_buffer, text_proxy._ct_stream)
    encoding = getattr(text_proxy._ct_real, "encoding", None) or "utf-8"
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    object.__setattr__(proxy, "_ct_decode", lambda data: decoder.decode(bytes(data)))
    object.__setattr__(text_proxy, "_ct_buffer", proxy)
    return proxy


def unwrap(stream: Any) -> Any:
    """Skip proxies of captures that already stopped (they only pass writes through)."""
    while isinstance(stream, StreamProxy) and stream._ct_capture.stopped:
        stream = stream._ct_real
    return stream


def proxy_over(stream: Any, inner: Any) -> StreamProxy | None:
    """Return the proxy in ``stream``'s chain whose real stream is ``inner``, if any."""
    while isinstance(stream, StreamProxy):
        if stream._ct_real is inner:
            return stream
        stream = stream._ct_real
    return None
