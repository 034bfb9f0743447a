"""A short ``text/plain`` summary of a `Trace` (what a plain-text front end shows)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from ..model import Trace

__all__ = ["step_actions", "steps_text", "stop_note", "trace_to_text"]

_REASONS = {"max_steps": "the max_steps limit", "max_memory": "the max_memory limit",
            "failure": "a recorder failure", "interrupt": "an interrupt"}


def stop_note(trace: Trace) -> str | None:
    """Return the sentence every view shows for a recording that stopped early (else None).

    Counts, not step numbers, so it reads the same whether a view numbers steps from 0 or 1.
    """
    if not trace.truncated:
        return None
    n = len(trace)
    why = _REASONS.get(trace.stop_reason or "", trace.stop_reason or "a limit")
    dropped = trace.dropped_steps
    at_least = "" if trace.dropped_steps_exact else "at least "
    ran_on = (f"the program ran on for {at_least}{_plural(dropped, 'more step')}, not recorded"
              if dropped else "the program ran on unrecorded")
    return (f"Recording stopped after {_plural(n, 'step')} ({why}): {ran_on}, so values after "
            f"that point are not known.")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def trace_to_text(trace: Trace) -> str:
    """Return a few lines summarising ``trace``: size, files, how it ended, what was left out.

    Parameters
    ----------
    trace
        The recording to summarise.

    Returns
    -------
    str
        Plain text, at most a handful of short lines.
    """
    b = trace.columns
    n = len(trace)
    calls = trace.call_count
    used = sorted({b.functions[f].path_id for f in b.frame_func})
    labels = [trace.path_label(trace.paths[pid]) for pid in used]
    shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
    lines = [f"codetrace: {_plural(n, 'step')}, {_plural(calls, 'call')}"
             + (f" in {shown}" if shown else "")]
    outcome = trace.outcome
    if outcome is not None and outcome.status == "raised":
        where = ""
        raised = trace.raised_step()
        if raised is not None and raised < n:
            st = trace.step(raised)
            where = f" at step {raised + 1:,} ({trace.path_label(st.path)}, line {st.line})"
        message = (outcome.exc_message or "").splitlines()[0] if outcome.exc_message else ""
        if len(message) > 200:
            message = message[:199] + "…"
        lines.append(f"  raised {outcome.exc_type}: {message}{where}")
    elif outcome is not None and outcome.status == "returned":
        lines.append("  finished normally")
    note = stop_note(trace)
    if note:
        lines.append("  " + note)
    if trace.failure:
        lines.append(f"  recorder failure: {trace.failure}")
    chunks = trace.io
    if chunks:
        counts: dict[str, int] = {}
        for chunk in chunks:
            counts[chunk.stream] = counts.get(chunk.stream, 0) + len(chunk.text)
        lines.append("  output: " + ", ".join(f"{_plural(v, 'char')} of {k}"
                                              for k, v in counts.items()))
    return "\n".join(lines)


def step_actions(trace: Trace, i: int,
                 clip: Callable[[str, int], str] = lambda text, limit: text) -> list[tuple[str, str]]:
    """Return ``(kind, text)`` for what step ``i``'s line did, in reading order.

    Kinds: ``call`` (``→ fact(n=2)``, ``class Account``), ``resume`` (``↻ gen``), ``change``
    (``x = 3``, ``del x``: values right after the line), ``return`` (``← returns 6``, on a
    frame's last line), ``raise`` / ``caught`` (with the message), ``unwind`` (an exception
    from a callee leaves this frame too). ``clip(text, limit)`` shortens user text for narrow
    views. The terminal view and `steps_text` both read this.
    """
    b = trace.columns
    frame = b.step_frame[i]
    func = b.functions[b.frame_func[frame]]
    out: list[tuple[str, str]] = []
    if b.frame_first_step[frame] == i and (b.frame_parent[frame] >= 0
                                            or b.frame_kind[frame] != "call"):
        if b.frame_kind[frame] != "call":
            out.append(("resume", f"↻ {func.qualname}"))
        else:
            out.append(("call", ("" if func.is_class else "→ ")
                        + clip(trace.call_text(frame, 8, 60), 120)))
    effect = trace.step_effect(i)
    for name, value in effect.changed:
        out.append(("change", f"{name} = {clip(value.text, 80)}" if value is not None
                    else f"del {name}"))
    if effect.returned is not None:
        out.append(("return", "← " + clip(effect.returned, 60)))
    raised = False
    for k in range(bisect_left(b.exc_step, i), bisect_right(b.exc_step, i)):
        kind = b.exc_kind[k]
        if b.exc_frame[k] != frame or kind == "unwind":
            continue
        raised = raised or kind == "raise"
        out.append((kind, f"{kind} {b.exc_type[k]}: {clip(b.exc_msg[k], 60)}"))
    if not raised and b.frame_end_kind[frame] == "exception" and trace.next_step_in_frame(i) is None:
        tname = "exception"
        for k in range(bisect_left(b.exc_step, i), len(b.exc_step)):  # recorded at or after i
            if b.exc_frame[k] == frame and b.exc_kind[k] == "unwind":
                tname = b.exc_type[k]
                break
        out.append(("unwind", f"↑ {tname} propagates"))
    return out


def steps_text(trace: Trace) -> str:
    """Return the whole run as plain text, one line per step: what the line did, and events.

    Each step reads ``#i  line  function#frame  code  | actions ! output``: `step_actions`
    (the call it started, the names it rebound or mutated with their values right after it,
    what its frame returned, exceptions raised, caught or propagating) and the output it
    wrote. Steps are numbered from 0 (the Python API's index). The run's outcome, a stop note
    and the final state follow. Meant for logs, diffs and the gold tests: it has no size limit.
    """
    b = trace.columns
    n = len(trace)
    output: dict[int, list[str]] = {}
    for chunk in trace.io:
        output.setdefault(chunk.step, []).append(f"{chunk.stream} {chunk.text!r}")
    sources: dict[str, list[str]] = {}
    out = [f"{_plural(n, 'step')}, {_plural(trace.call_count, 'call')}"]
    for i in range(n):
        frame = b.step_frame[i]
        func = b.functions[b.frame_func[frame]]
        path = b.paths[func.path_id]
        lines = sources.get(path)
        if lines is None:
            lines = sources[path] = trace.sources.get(path, "").splitlines()
        line = b.step_line[i]
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        row = (f"#{i:<3} L{line:<3} {'  ' * b.frame_depth[frame]}{func.qualname}#{frame}"
               f"  {code}")
        did = step_actions(trace, i)
        if did:
            row += "  | " + "; ".join(text for _, text in did)
        if i in output:
            row += "  ! " + "; ".join(output[i])
        out.append(row)
    outcome = trace.outcome
    if outcome is not None and outcome.status == "raised":
        out.append(f"raised {outcome.exc_type}: {outcome.exc_message}")
    elif outcome is not None:
        out.append("returned" + ("" if outcome.value is None
                                 else f" {trace.decode(outcome.value, n).text}"))
    if trace.truncated:  # not stop_note: how many steps ran unrecorded depends on the backend
        why = _REASONS.get(trace.stop_reason or "", trace.stop_reason or "a limit")
        out.append(f"recording stopped after {_plural(n, 'step')} ({why}); later values are "
                   "not known")
    else:
        final = trace.variables(n, 0) if n else {}
        out.append("final: " + ", ".join(f"{k} = {v.text}" for k, v in final.items()))
    return "\n".join(out) + "\n"
