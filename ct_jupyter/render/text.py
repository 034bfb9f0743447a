"""A short ``text/plain`` summary of a `Trace` (what a plain-text front end shows)."""

from __future__ import annotations

from ..model import Trace

__all__ = ["steps_text", "stop_note", "trace_to_text"]

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


def steps_text(trace: Trace) -> str:
    """Return the whole run as plain text, one line per step: what the line did, and events.

    Each step reads ``#i  line  function#frame  code  | changes | events``: the names the
    line rebound or mutated (values right after it), the call it started, what its frame
    returned, exceptions raised or caught there, and output it wrote. Steps are numbered from 0
    (the Python API's index). The run's outcome, a stop note and the final state follow. Meant
    for logs, diffs and the gold tests: it has no size limit.
    """
    b = trace.columns
    n = len(trace)
    events: dict[int, list[str]] = {}
    for ev in trace.exceptions:
        if ev.kind != "unwind":
            events.setdefault(ev.step, []).append(f"{ev.kind} {ev.type_name}: {ev.message}")
    for chunk in trace.io:
        events.setdefault(chunk.step, []).append(f"{chunk.stream} {chunk.text!r}")
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
        did: list[str] = []
        if b.frame_first_step[frame] == i and b.frame_parent[frame] >= 0:
            if b.frame_kind[frame] == "call":
                did.append(("" if func.is_class else "→ ") + trace.call_text(frame, 8, 60))
            else:
                did.append(f"↻ {func.qualname}")
        effect = trace.step_effect(i)
        did.extend(f"{name} = {value.text}" if value is not None else f"del {name}"
                   for name, value in effect.changed)
        if effect.returned is not None:
            did.append("← " + effect.returned)
        if trace.next_step_in_frame(i) is None and b.frame_end_kind[frame] == "exception":
            did.append("↑ exception leaves the frame")
        row = (f"#{i:<3} L{line:<3} {'  ' * b.frame_depth[frame]}{func.qualname}#{frame}"
               f"  {code}")
        if did:
            row += "  | " + "; ".join(did)
        if i in events:
            row += "  ! " + "; ".join(events[i])
        out.append(row)
    outcome = trace.outcome
    if outcome is not None and outcome.status == "raised":
        out.append(f"raised {outcome.exc_type}: {outcome.exc_message}")
    elif outcome is not None:
        out.append("returned" + ("" if outcome.value is None
                                 else f" {trace.decode(outcome.value, n).text}"))
    note = stop_note(trace)
    if note:
        out.append(note)
    else:
        final = trace.variables(n, 0) if n else {}
        out.append("final: " + ", ".join(f"{k} = {v.text}" for k, v in final.items()))
    return "\n".join(out) + "\n"
