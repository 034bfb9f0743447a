"""Reads a JSON array one element at a time, so a huge ``trace.json`` never sits in memory whole.

Uses the standard library's C scanner (`json.JSONDecoder.raw_decode`) on a sliding text buffer:
fast, exact, and every failure becomes a `TraceFormatError` that names the file and the index of
the element being read (malformed, truncated, bad UTF-8, nested too deeply, an integer longer
than Python's ``int`` digit limit, one event larger than `MAX_EVENT_CHARS`).

Both readers take an already opened binary file (see `folder.open_inside`): which files may be
opened is decided there.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import TraceFormatError

_CHUNK = 1 << 20
_WS = " \t\r\n"
#: The largest single event read (in characters); a larger one is refused, not buffered.
MAX_EVENT_CHARS = 64 << 20


class _Buffer:
    def __init__(self, fh: object, name: str) -> None:
        self.fh = fh
        self.name = name
        self.text = ""
        self.pos = 0
        self.eof = False
        self.chunk = _CHUNK

    def fill(self, index: int) -> bool:
        """Read more text; return False at end of file."""
        if self.eof:
            return False
        try:
            data = self.fh.read(self.chunk)  # type: ignore[attr-defined]
        except UnicodeDecodeError as exc:
            raise TraceFormatError(f"{self.name} is not valid UTF-8 (near event {index})",
                                   context={"file": self.name, "event": index,
                                            "error": str(exc)}) from exc
        if not data:
            self.eof = True
            return False
        self.text = self.text[self.pos:] + data
        self.pos = 0
        return True

    def skip_ws(self, index: int) -> str:
        """Skip whitespace and return the next character ('' at end of file)."""
        while True:
            text, pos = self.text, self.pos
            n = len(text)
            while pos < n and text[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < n:
                return text[pos]
            if not self.fill(index):
                return ""


def iter_json_array(raw: BinaryIO, label: str) -> Iterator[object]:
    """Yield the elements of the JSON array in the open binary file ``raw`` one by one."""
    decoder = json.JSONDecoder()
    fh = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
    with fh:
        buf = _Buffer(fh, label)
        first = buf.skip_ws(0)
        if first != "[":
            what = "empty" if first == "" else f"starts with {first!r}"
            raise TraceFormatError(f"{label} is not a JSON array ({what})",
                                   context={"file": label, "event": 0})
        buf.pos += 1
        index = 0
        expect_item = True  # after '[' or ','
        while True:
            ch = buf.skip_ws(index)
            if ch == "":
                raise TraceFormatError(
                    f"{label} is truncated: the file ends before the array is closed "
                    f"(after {index} events)", code="ERR_TRACE_TRUNCATED",
                    context={"file": label, "event": index})
            if ch == "]":
                if expect_item and index > 0:
                    raise TraceFormatError(f"{label}: trailing comma after event {index - 1}",
                                           context={"file": label, "event": index})
                buf.pos += 1
                rest = buf.skip_ws(index)
                if rest != "":
                    raise TraceFormatError(f"{label}: unexpected data after the closing ']'",
                                           context={"file": label, "event": index})
                return
            if not expect_item:
                if ch != ",":
                    raise TraceFormatError(f"{label}: expected ',' or ']' after event {index - 1}, "
                                           f"found {ch!r}", context={"file": label, "event": index})
                buf.pos += 1
                expect_item = True
                continue
            item = _decode_one(decoder, buf, index, label)
            expect_item = False
            yield item
            index += 1


def _decode_one(decoder: json.JSONDecoder, buf: _Buffer, index: int, label: str) -> object:
    while True:
        try:
            item, end = decoder.raw_decode(buf.text, buf.pos)
        except json.JSONDecodeError as exc:
            near_end = exc.pos >= len(buf.text) - 1 or "Unterminated" in exc.msg
            if near_end and len(buf.text) - buf.pos > MAX_EVENT_CHARS:
                raise TraceFormatError(
                    f"{label}: event {index} is larger than {MAX_EVENT_CHARS} characters",
                    context={"file": label, "event": index}) from None
            if near_end and buf.fill(index):
                buf.chunk = min(buf.chunk * 2, MAX_EVENT_CHARS)
                continue
            if near_end:
                raise TraceFormatError(
                    f"{label} is truncated: event {index} is cut off at the end of the file",
                    code="ERR_TRACE_TRUNCATED", context={"file": label, "event": index}) from None
            raise TraceFormatError(f"{label}: event {index} is not valid JSON ({exc.msg})",
                                   context={"file": label, "event": index}) from None
        except RecursionError:
            raise TraceFormatError(f"{label}: event {index} is nested too deeply",
                                   context={"file": label, "event": index}) from None
        except (ValueError, MemoryError) as exc:  # e.g. an int past sys.get_int_max_str_digits()
            raise TraceFormatError(f"{label}: event {index} cannot be read ({_short(exc)})",
                                   context={"file": label, "event": index}) from None
        # a number or literal cut at the buffer edge may continue: read more and retry
        if end >= len(buf.text) and not buf.eof and not isinstance(item, (dict, list, str)) \
                and buf.fill(index):
            continue
        buf.pos = end
        return item


def read_json(raw: BinaryIO, label: str, limit: int = 64 << 20) -> object:
    """Read a small JSON file (metadata, paths) from the open binary file ``raw``, bounded."""
    try:
        data = raw.read(limit + 1)
    except OSError as exc:
        raise TraceFormatError(f"cannot read {label}: {exc.strerror or exc}",
                               context={"file": label}) from exc
    if len(data) > limit:
        raise TraceFormatError(f"{label} is larger than {limit} bytes",
                               context={"file": label, "limit": limit})
    try:
        return json.loads(codecs.decode(data, "utf-8"))
    except UnicodeDecodeError as exc:
        raise TraceFormatError(f"{label} is not valid UTF-8", context={"file": label}) from exc
    except json.JSONDecodeError as exc:
        raise TraceFormatError(f"{label} is not valid JSON ({exc.msg} at line {exc.lineno})",
                               context={"file": label}) from None
    except RecursionError:
        raise TraceFormatError(f"{label} is nested too deeply", context={"file": label}) from None
    except (ValueError, MemoryError) as exc:
        raise TraceFormatError(f"{label} cannot be read ({_short(exc)})",
                               context={"file": label}) from None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text[:200]}"
