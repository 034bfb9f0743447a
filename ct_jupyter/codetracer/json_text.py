"""JSON text for trace files: orjson, with lone surrogates and unknown objects made safe."""

from __future__ import annotations

import orjson


def dumps(obj: object) -> bytes:
    """Return ``obj`` as JSON bytes (objects orjson cannot encode become their ``str``)."""
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        return orjson.dumps(obj, default=str)


def text(value: str) -> bytes:
    """Return ``value`` as a JSON string, lone surrogates replaced (the output is valid UTF-8)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        fixed = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return orjson.dumps(fixed)
