"""`TraceView`: a rich renderable of a trace for terminals (``ct-jupyter show``, terminal IPython).

It shows, for a window of steps (``start`` … ``start + limit``):

* a header (size of the trace, how it ended);
* the source around the first step of the window, with its line marked, and the variables of
  that step's frame;
* a step table: step number, line, function (indented by call depth), the code of the line,
  the variables that changed when that line was reached (rebound or mutated in place), calls,
  returns and exceptions, and the output written while the line ran;
* the exception that ended the run, if any, and how many steps lie outside the window.

All user text is rendered as plain `rich.text.Text` (never as markup) with control characters
made visible, so a traced ``"[bold]"`` or an escape sequence stays text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.constrain import Constrain
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model.trace import Trace
from ..model.value import Value
from .text import step_actions, stop_note

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SOURCE_CONTEXT = 3
MAX_CELL = 200
MAX_VARIABLES = 40
_STYLES = {"call": "cyan", "resume": "cyan", "return": "cyan", "raise": "red", "unwind": "red",
           "caught": "yellow"}


def _values_table(values: dict[str, Value], changed: Collection[str]) -> Table:
    """Return a name/value table (at most MAX_VARIABLES rows), the ``changed`` names in bold."""
    table = Table(box=box.SIMPLE, show_header=True, pad_edge=False)
    table.add_column("name", no_wrap=True)
    table.add_column("value", overflow="fold")
    for k, (name, value) in enumerate(values.items()):
        if k >= MAX_VARIABLES:
            table.add_row(Text("…"), Text(f"{len(values) - MAX_VARIABLES} more", style="dim"))
            break
        style = "bold" if name in changed else ""
        table.add_row(Text(name, style=style), Text(_visible(value.text), style=style))
    return table


def _visible(text: str, limit: int = MAX_CELL) -> str:
    """Return ``text`` on one line, control characters escaped, cut to ``limit`` characters."""
    text = text.replace("\r\n", "\n").replace("\n", "⏎").replace("\t", "    ")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TraceView:
    """A rich renderable showing ``limit`` steps of ``trace`` from ``start``.

    Parameters
    ----------
    trace
        The recording to show.
    start
        First step shown (the source panel and variables are shown for this step).
    limit
        Steps shown at most; the rest is summarised as "N more steps".
    width
        Render this many columns wide (default: the console's width).
    """

    def __init__(self, trace: Trace, start: int = 0, limit: int = 200,
                 width: int | None = None) -> None:
        n = len(trace)
        self.trace = trace
        self.start = max(0, min(int(start), n))
        self.limit = max(0, int(limit))
        self.stop = min(n, self.start + self.limit)
        self.width = width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.width is not None:
            width = max(20, min(self.width, width))
            yield Constrain(Group(*self._parts(width)), width=width)
            return
        yield from self._parts(width)

    def _parts(self, width: int) -> Iterator[Any]:
        trace = self.trace
        n = len(trace)
        yield self._header()
        if n == 0:
            yield Text("(no steps were recorded)", style="dim")
        else:
            if self.start < n:
                yield self._source(self.start)
                variables = self._variables(self.start)
                if variables is not None:
                    yield Text(f"Variables at step {self.start:,}", style="bold")
                    yield variables
            if self.stop > self.start:
                yield self._steps(width)
            yield from self._footer()
            if self.stop >= n:
                yield from self._final_state()
        exc = self._exception()
        if exc is not None:
            yield exc

    # -- pieces -----------------------------------------------------------------------------
    def _header(self) -> Text:
        trace = self.trace
        b = trace.columns
        n = len(trace)
        calls = trace.call_count
        files = list(dict.fromkeys(trace.path_label(trace.paths[pid])
                                   for pid in sorted({b.functions[f].path_id
                                                      for f in b.frame_func})))
        text = Text()
        text.append("Trace", style="bold")
        text.append(f": {n:,} step{'s' if n != 1 else ''}, {calls:,} call{'s' if calls != 1 else ''}")
        if files:
            shown = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
            text.append(f" in {shown}")
        outcome = trace.outcome
        if outcome is not None and outcome.status == "raised":
            text.append(f" — raised {outcome.exc_type}", style="red")
        elif outcome is not None:
            text.append(" — finished normally")
        if trace.truncated:
            text.append(f" — recording stopped early ({trace.stop_reason}; "
                        f"{'≥' if not trace.dropped_steps_exact else ''}{trace.dropped_steps:,} steps "
                        "not recorded)", style="yellow")
        return text

    def _source(self, index: int) -> Panel:
        trace = self.trace
        step = trace.step(index)
        source = trace.sources.get(step.path)
        title = Text(f"{trace.path_label(step.path)} — step {index:,}, line {step.line}, "
                     f"in {step.function}")
        if not source:
            return Panel(Text("(source not recorded)", style="dim"), title=title,
                         title_align="left", box=box.ROUNDED)
        lines = source.splitlines()
        lo = max(1, step.line - SOURCE_CONTEXT)
        hi = min(len(lines), step.line + SOURCE_CONTEXT)
        digits = len(str(hi))
        body = Text()
        for ln in range(lo, hi + 1):
            current = ln == step.line
            marker = "▶ " if current else "  "
            row = Text(f"{marker}{ln:>{digits}}  ", style="bold" if current else "dim")
            row.append(_visible(lines[ln - 1].rstrip(), 500),
                       style="reverse" if current else "")
            if ln > lo:
                body.append("\n")
            body.append_text(row)
        if not lines or step.line > len(lines):
            body = Text(f"(line {step.line} is not in the recorded source)", style="dim")
        return Panel(body, title=title, title_align="left", box=box.ROUNDED)

    def _variables(self, index: int) -> Table | None:
        trace = self.trace
        values = trace.variables(index)
        if not values:
            return None
        return _values_table(values, trace.changed_at(index))

    def _steps(self, width: int) -> Table:
        trace = self.trace
        b = trace.columns
        table = Table(box=box.SIMPLE_HEAD, show_header=True, pad_edge=False, expand=False)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("function", no_wrap=True, overflow="ellipsis", max_width=28)
        show_code = width >= 80  # narrow terminals: the source panel shows the code instead
        if show_code:
            table.add_column("code", no_wrap=True, overflow="ellipsis", max_width=width // 3)
        table.add_column("changes", overflow="fold", ratio=2, min_width=16)
        table.add_column("output", overflow="fold", ratio=1, min_width=8)
        io_by_step: dict[int, list[tuple[str, str]]] = {}
        for step, stream, text in zip(b.io_step, b.io_stream, b.io_text):
            if self.start <= step < self.stop:
                io_by_step.setdefault(step, []).append((stream, text))
        lines_cache: dict[str, list[str]] = {}
        for i in range(self.start, self.stop):
            step = trace.step(i)
            src = lines_cache.get(step.path)
            if src is None:
                src = lines_cache[step.path] = (trace.sources.get(step.path) or "").splitlines()
            code = src[step.line - 1].strip() if 0 < step.line <= len(src) else ""
            effects = self._effects(i)
            output = Text()
            for stream, text in io_by_step.get(i, ()):
                style = {"stderr": "red", "stdin": "green"}.get(stream, "")
                prefix = {"stderr": "err: ", "stdin": "in: "}.get(stream, "")
                output.append(prefix + _visible(text, MAX_CELL), style=style)
            indent = "  " * step.depth
            cells = [Text(str(i)), Text(str(step.line)), Text(indent + step.function)]
            if show_code:
                cells.append(Text(_visible(code, 300)))
            table.add_row(*cells, effects, output)
        return table

    def _effects(self, i: int) -> Text:
        """Return what step ``i``'s line did (`step_actions`), styled by kind."""
        effects = Text()
        for kind, text in step_actions(self.trace, i, _visible):
            if effects:
                effects.append("  ")
            effects.append(text, style=_STYLES.get(kind, ""))
        return effects

    def _footer(self) -> Iterator[Text]:
        n = len(self.trace)
        if self.start > 0:
            yield Text(f"… {self.start:,} earlier step{'s' if self.start != 1 else ''} "
                       f"(steps 0–{self.start - 1:,})", style="dim")
        rest = n - self.stop
        if rest > 0:
            page = max(1, self.limit)
            yield Text(f"… {rest:,} more step{'s' if rest != 1 else ''} "
                       f"(next: --steps {self.stop}:{min(n, self.stop + page)})", style="dim")
        if self.trace.truncated:
            at_least = "at least " if not self.trace.dropped_steps_exact else ""
            yield Text(f"… and {at_least}{self.trace.dropped_steps:,} steps ran after recording stopped",
                       style="dim")

    def _final_state(self) -> Iterator[Any]:
        """Yield the variables after the last step (what the last line left), or, for a stopped
        recording, say that values after the last recorded step are not known."""
        trace = self.trace
        n = len(trace)
        note = stop_note(trace)
        if note:
            yield Text(note, style="yellow")
            return
        values = trace.variables(n, 0)
        if not values:
            return
        yield Text("Final state", style="bold")
        yield _values_table(values, ())

    def _exception(self) -> Panel | None:
        trace = self.trace
        outcome = trace.outcome
        if outcome is None or outcome.status != "raised":
            return None
        body = Text(f"{outcome.exc_type}: {_visible(outcome.exc_message or '', 2000)}",
                    style="bold red")
        raised = trace.raised_step()
        if raised is not None and raised < len(trace):
            st = trace.step(raised)
            body.append(f"\nraised at step {raised:,} ({trace.path_label(st.path)}, line {st.line}, "
                        f"in {st.function})", style="")
        return Panel(body, title="Exception", title_align="left", box=box.ROUNDED)


def render_text(trace: Trace, *, start: int = 0, limit: int = 200, width: int = 100) -> str:
    """Return the plain-text rendering of a `TraceView` (no colours), e.g. for logs and tests."""
    import io

    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False,
                      legacy_windows=False)
    console.print(Group(TraceView(trace, start=start, limit=limit)))
    return console.file.getvalue()  # type: ignore[attr-defined]


__all__ = ["TraceView", "render_text"]
