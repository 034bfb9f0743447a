"""The kernel comm the notebook renderer pages a recording through (target ``ct_jupyter.trace``).

The browser opens a comm with ``{"trace_id": ...}``; if this kernel keeps that recording it
answers ``{"type": "ready"}`` and then the same requests as the widget (`serve.answer`), each
reply's payload as one JSON buffer. Otherwise it answers ``{"type": "gone", "reason":
"released" | "unknown"}`` and closes: the renderer then keeps working on the saved copy.
"""

from __future__ import annotations

import weakref
from typing import Any

import orjson

from .serve import answer
from .store import STORE

__all__ = ["RELEASED_TEXT", "TARGET", "ensure_comm_target", "released_error"]

TARGET = "ct_jupyter.trace"
RELEASED_TEXT = ("This recording was released from the kernel's memory (its cell ran again, or "
                 "the memory budget was reached); what was saved in the notebook still works.")
_registered: set[int] = set()
#: The widget of each recording (its ``step``/``frame`` follow the notebook renderer too).
WIDGETS: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()


def _dumps(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)


def released_error(kind: Any) -> dict[str, Any]:
    """Return the error body of a request about a released recording."""
    return {"request": kind, "error": "Released", "code": "released", "message": RELEASED_TEXT}


def _on_open(comm: Any, open_msg: dict[str, Any]) -> None:
    data = (open_msg.get("content") or {}).get("data") or {}
    trace_id = str(data.get("trace_id", ""))
    if STORE.get(trace_id) is None:
        comm.send({"type": "gone", "req": None, "reason": STORE.status(trace_id)})
        comm.close()
        return
    state = {"step": 0, "frame": -1}
    widget = WIDGETS.get(trace_id)

    def push(view: dict[str, Any]) -> None:     # the kernel moved the widget: w.step = n
        comm.send({"type": "view", "req": None}, buffers=[_dumps(view)])

    if widget is not None:
        widget.add_follower(push)
        comm.on_close(lambda _msg: widget.remove_follower(push))

    def on_msg(msg: dict[str, Any]) -> None:
        content = (msg.get("content") or {}).get("data") or {}
        if not isinstance(content, dict):
            return
        kind, req = content.get("type"), content.get("req")
        trace = STORE.get(trace_id)
        if trace is None:
            comm.send({"type": "error", "req": req}, buffers=[_dumps(released_error(kind))])
            return
        try:
            reply, body = answer(trace, content, state["step"], state["frame"])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            comm.send({"type": "error", "req": req},
                      buffers=[_dumps({"request": kind, "error": type(exc).__name__,
                                       "message": str(exc)})])
            return
        comm.send({"type": reply, "req": req}, buffers=[_dumps(body)])
        if reply == "view" and widget is not None:
            widget.follow(int(body["step"]), int(content.get("frame", -1)))

    comm.on_msg(on_msg)
    comm.send({"type": "ready", "req": None})


def ensure_comm_target() -> bool:
    """Register the comm target in this kernel once (False outside a kernel)."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        manager = getattr(kernel, "comm_manager", None)
    except Exception:  # noqa: BLE001 - no IPython: nothing to register with
        return False
    if manager is None:
        return False
    if id(manager) not in _registered:
        manager.register_target(TARGET, _on_open)
        _registered.add(id(manager))
    return True
