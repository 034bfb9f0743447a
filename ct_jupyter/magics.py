"""``%%codetrace``: record a cell, show the recording under it, keep IPython's normal behaviour.

The magic parses its options, hands the cell to `session.record_cell` (which runs it exactly
once in the user's namespace), then presents the trace: the interactive widget in a kernel (its
output also carries a static HTML snapshot and a text summary), a rich rendering in terminal
IPython. Finally it returns the cell's value (so ``Out[n]`` works) or re-raises the cell's
exception (so the cell fails and "Run All" stops there).
"""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Float, Integer, List, Unicode

from .errors import CodetraceError
from .options import BACKENDS, IO_MODES, TraceOptions

__all__ = ["CodetraceMagics", "load_ipython_extension", "unload_ipython_extension"]

VIEWS = ("widget", "text", "none")
#: Steps the terminal rendering shows at most.
TERMINAL_LIMIT = 200


def _present(shell: Any, trace: Any, view: str) -> None:
    """Show ``trace`` the way the front end can; a failure here never fails the user's cell."""
    try:
        _show(shell, trace, view)
    except Exception as exc:  # our bug must not become the user's error
        from .core import recorder

        if recorder.fails_loud():
            raise
        print(f"CodetraceWarning: [WARN_DISPLAY_FAILED] could not show the recording "
              f"({type(exc).__name__}: {exc}); it is still available as "
              "ct_jupyter.last_trace()", file=sys.stderr)


def _show(shell: Any, trace: Any, view: str) -> None:
    """Show ``trace``: widget (kernel), static HTML (kernel, ``--view text``) or rich text."""
    if view == "none":
        return
    if getattr(shell, "kernel", None) is None:
        _print_terminal(trace)
        return
    from IPython.display import display

    if view == "widget":
        try:
            from .widget import TraceWidget

            labels = trace.path_labels
            widget = TraceWidget(trace, title=labels.get(trace.paths[0], "") if trace.paths else "",
                                 cell=_cell_id(shell))
            bundle = widget._repr_mimebundle_()
        except Exception as exc:  # noqa: BLE001 - no widget (missing build, old front end)
            print(f"codetrace: the interactive viewer is unavailable ({type(exc).__name__}: "
                  f"{exc}); showing the static view.", file=sys.stderr)
        else:
            if bundle is not None:
                data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
                display(data, metadata=metadata, raw=True)
                return
    display(static_bundle(trace), raw=True)


def _cell_id(shell: Any) -> str | None:
    """Return the notebook cell id of the running request (JupyterLab/Notebook 7 send it), or None."""
    try:
        parent = shell.kernel.get_parent()
    except Exception:  # noqa: BLE001 - old kernels, other front ends
        return None
    cell = ((parent or {}).get("metadata") or {}).get("cellId")
    return str(cell) if cell else None


def static_bundle(trace: Any) -> dict[str, str]:
    """Return the ``text/html`` + ``text/plain`` mimebundle of ``trace`` (no widget)."""
    from .render.html import trace_to_html
    from .render.text import trace_to_text

    return {"text/html": trace_to_html(trace), "text/plain": trace_to_text(trace)}


def _print_terminal(trace: Any) -> None:
    """Print a bounded rich rendering of ``trace`` (terminal IPython, plain shells)."""
    from .render.text import trace_to_text

    try:
        from rich.console import Console

        from .render.terminal import TraceView
    except ImportError:
        print(trace_to_text(trace))
        return
    start = 0
    raised = trace.raised_step()
    if raised is not None and raised >= TERMINAL_LIMIT:
        start = max(0, raised - TERMINAL_LIMIT + 20)
    Console(file=sys.stdout, soft_wrap=False).print(TraceView(trace, start=start,
                                                              limit=TERMINAL_LIMIT))


def _show_warnings(caught: list[Any]) -> None:
    for w in caught:
        print(f"CodetraceWarning: {w.message}", file=sys.stderr)


def _export(trace: Any, target: str) -> str:
    """Export ``trace`` to ``target``; return a one-line report (raises CodetraceError).

    A folder that holds nothing but a trace (a re-run of the same cell) is replaced; a folder
    holding anything else is never touched, and the conflict is reported.
    """
    import pathlib

    from .codetracer import export

    written = export(trace, pathlib.Path(target).expanduser(), overwrite=True)
    return f"codetrace: trace written to {written}"


def _build_options(args: Any, config: dict[str, object] | None = None) -> TraceOptions:
    """Resolve the policy: lower layers, IPython ``config``, then this cell's flags."""
    from .policy import resolve

    changes: dict[str, object] = {}
    if args.max_steps is not None:
        changes["max_steps"] = args.max_steps
    if args.repr_user:
        changes["repr_user"] = True
    if args.include:
        changes["include"] = tuple(args.include)
    if args.exclude:
        changes["exclude"] = tuple(args.exclude)
    if args.io is not None:
        changes["io"] = args.io
    if args.backend is not None:
        changes["backend"] = args.backend
    if args.trace_filter:
        changes["trace_filter"] = [p for v in args.trace_filter for p in v.split("::") if p]
    if args.functions:
        changes["functions"] = tuple(args.functions)
    try:
        policy = resolve(("%%codetrace flags", changes), ipython=config)
    except CodetraceError as exc:
        raise UsageError(f"%%codetrace: {exc}") from None
    if policy.log_level or policy.log_file:  # asked for (environment or configure_policy)
        from .logs import configure_logging

        configure_logging(policy.log_level, policy.log_file)
    return policy.options()  # type: ignore[no-any-return]


def _record_last(trace: Any) -> None:
    from . import api

    setter = getattr(api, "_set_last_trace", None)
    if setter is not None:
        setter(trace)


@magics_class
class CodetraceMagics(Magics):
    """The ``%%codetrace`` cell magic; its traits are the IPython-config layer of the policy.

    ``%config CodetraceMagics.max_steps = 5000`` or ``c.CodetraceMagics.max_steps = 5000`` in
    ``ipython_config.py`` set a default for every ``%%codetrace`` cell (flags still win).
    """

    max_steps = Integer(None, allow_none=True, help="steps recorded at most").tag(config=True)
    max_memory = Integer(None, allow_none=True, help="bytes recorded at most").tag(config=True)
    include = List(Unicode(), default_value=None, allow_none=True,
                   help="module/path globs also stepped into").tag(config=True)
    exclude = List(Unicode(), default_value=None, allow_none=True,
                   help="module/path globs never stepped into").tag(config=True)
    backend = Unicode(None, allow_none=True, help="auto, sysmon or settrace").tag(config=True)
    io = Unicode(None, allow_none=True, help="off, proxies or proxies+fd").tag(config=True)
    max_items = Integer(None, allow_none=True, help="container items kept").tag(config=True)
    max_str = Integer(None, allow_none=True, help="string characters kept").tag(config=True)
    max_depth = Integer(None, allow_none=True, help="nesting levels kept").tag(config=True)
    repr_timeout = Float(None, allow_none=True, help="seconds a repr may take").tag(config=True)
    trace_filter = List(Unicode(), default_value=None, allow_none=True,
                        help="CodeTracer trace-filter files").tag(config=True)
    functions = List(Unicode(), default_value=None, allow_none=True,
                     help="record only calls of these functions").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        configurables = getattr(shell, "configurables", None)
        if isinstance(configurables, list) and self not in configurables:
            configurables.append(self)  # so %config CodetraceMagics finds it

    def config_layer(self) -> dict[str, object]:
        """Return the policy fields set through IPython configuration."""
        names = ("max_steps", "max_memory", "include", "exclude", "backend", "io", "max_items",
                 "max_str", "max_depth", "repr_timeout", "trace_filter", "functions")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    @magic_arguments(name="%codetrace")  # usage line reads "%%codetrace ..."
    @argument("--out", metavar="DIR", default=None,
              help="also export the recording as a CodeTracer trace folder in DIR")
    @argument("--max-steps", dest="max_steps", metavar="N", type=int, default=None,
              help="record at most N steps (the cell still runs to the end; the rest is "
                   "counted, not recorded)")
    @argument("--include", metavar="PATTERN", action="append", default=[],
              help="also step into code matching PATTERN (module glob like 'mypkg.*' or a "
                   "path glob); repeatable")
    @argument("--exclude", metavar="PATTERN", action="append", default=[],
              help="never step into code matching PATTERN; repeatable")
    @argument("--as", dest="as_name", metavar="NAME", default=None,
              help="bind the recorded Trace to NAME in the notebook's namespace")
    @argument("--view", choices=VIEWS, default="widget",
              help="widget (interactive viewer, default), text (static HTML snapshot) or none")
    @argument("--io", choices=IO_MODES, default=None,
              help="output capture: off, proxies (default) or proxies+fd")
    @argument("--repr-user", dest="repr_user", action="store_true",
              help="label the cell's own objects with their __repr__ (calls them)")
    @argument("--backend", choices=BACKENDS, default=None,
              help="tracing backend: auto (default), sysmon (3.12+) or settrace")
    @argument("--trace-filter", dest="trace_filter", metavar="PATH", action="append", default=[],
              help="CodeTracer trace-filter TOML file(s), after the project's; repeatable, "
                   "'::' separates several")
    @argument("--function", dest="functions", metavar="NAME", action="append", default=[],
              help="record only calls of NAME (qualified name or glob) and what they call")
    @cell_magic
    def codetrace(self, line: str, cell: str) -> object:
        """Record the cell step by step and show the recording under it.

        The cell runs exactly once, in the notebook's namespace, with IPython's usual
        behaviour: its last expression becomes ``Out[n]``, an exception fails the cell with
        the normal traceback (after the partial recording is shown), ``!`` lines and magics
        work, and functions from other cells are stepped into. ``ct_jupyter.last_trace()``
        returns the recording afterwards.

        Examples::

            %%codetrace
            data = [5, 2, 9, 1]
            data.sort()

            %%codetrace --max-steps 5000 --as t --out trace-out
            result = solve(puzzle)
        """
        __tracebackhide__ = True  # read by IPython: hide this frame in tracebacks
        args = parse_argstring(self.codetrace, line)
        if args.as_name is not None and not args.as_name.isidentifier():
            raise UsageError(f"%%codetrace: --as needs a Python name, got {args.as_name!r}")
        options = _build_options(args, self.config_layer())

        from .session import record_cell

        try:
            rec = record_cell(self.shell, cell, options)
        except CodetraceError as exc:  # could not start recording (nothing ran)
            raise UsageError(f"%%codetrace: {exc}") from None
        except SyntaxError as exc:  # the cell does not parse: show it like IPython, not our frames
            raise exc.with_traceback(None) from None
        trace = rec.trace
        _record_last(trace)
        if args.as_name is not None:
            self.shell.user_ns[args.as_name] = trace
        _present(self.shell, trace, args.view)
        _show_warnings(rec.warnings)
        export_failure: str | None = None
        if args.out:
            try:
                print(_export(trace, args.out))
            except Exception as exc:  # noqa: BLE001 - reported, never a traceback
                detail = str(exc) if isinstance(exc, CodetraceError) else \
                    f"{type(exc).__name__}: {exc}"
                export_failure = f"%%codetrace --out {args.out}: export failed: {detail}"
        if rec.error is not None:
            if export_failure:
                print(export_failure, file=sys.stderr)
            raise rec.error
        if export_failure:
            raise UsageError(export_failure)
        return rec.value


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%codetrace`` in ``ipython``."""
    ipython.register_magics(CodetraceMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove ``%%codetrace`` from ``ipython``."""
    manager = ipython.magics_manager
    manager.magics["cell"].pop("codetrace", None)
    manager.registry.pop(CodetraceMagics.__name__, None)
    configurables = getattr(ipython, "configurables", None)
    if isinstance(configurables, list):
        configurables[:] = [c for c in configurables if not isinstance(c, CodetraceMagics)]
