"""A short ``text/plain`` summary of a `Trace` (what a plain-text front end shows)."""

from __future__ import annotations

from ..model import Trace
from .html import call_count, path_label

__all__ = ["trace_to_text"]


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
    calls = call_count(trace)
    used = sorted({b.functions[f].path_id for f in b.frame_func})
    labels = [path_label(trace, trace.paths[pid]) for pid in used]
    shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
    lines = [f"codetrace: {_plural(n, 'step')}, {_plural(calls, 'call')}"
             + (f" in {shown}" if shown else "")]
    outcome = trace.outcome
    if outcome is not None and outcome.status == "raised":
        where = ""
        raised = trace.raised_step()
        if raised is not None and raised < n:
            st = trace.step(raised)
            where = f" at step {raised:,} ({path_label(trace, st.path)}, line {st.line})"
        message = (outcome.exc_message or "").splitlines()[0] if outcome.exc_message else ""
        if len(message) > 200:
            message = message[:199] + "…"
        lines.append(f"  raised {outcome.exc_type}: {message}{where}")
    elif outcome is not None and outcome.status == "returned":
        lines.append("  finished normally")
    if trace.truncated:
        lines.append(f"  recording stopped early ({trace.stop_reason}); "
                     f"{'at least ' if not trace.dropped_steps_exact else ''}"
                     f"{_plural(trace.dropped_steps, 'step')} ran unrecorded")
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
