"""Run one notebook cell exactly once, the way IPython would, while recording it.

`record_cell` is what ``%%codetrace`` does under the hood, kept apart from the magic so it can be
tested without one. It follows IPython's own path for a cell (see ``InteractiveShell.
run_cell_async`` and ``%%time``): ``transform_cell`` (magics and ``!`` lines inside the cell),
``compile.cache`` (the source lands in `linecache` under the cell's filename, and the filename is
mapped to the execution count, so tracebacks say ``In [5]``), ``ast_parse``, ``transform_ast``,
then the body is executed and a trailing expression evaluated in the user's namespace. Top-level
``await`` works where IPython allows it (``shell.autoawait``).

Every cell IPython compiled in this session is user code for the recorder, so functions defined
in earlier cells are stepped into and labelled with their cell (``In [3]``).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, TracebackType
from typing import TYPE_CHECKING, Any, TextIO, cast

from .core.recursion_limit import frame_depth
from .errors import CodetraceWarning
from .model import Trace
from .options import TraceOptions

if TYPE_CHECKING:
    from .api import RunResult

__all__ = ["CellRecording", "cell_label", "cell_labels", "current_execution_count", "record_cell"]

_TOP_LEVEL_AWAIT = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)


@dataclass(frozen=True)
class CellRecording:
    """The outcome of one recorded cell.

    Attributes
    ----------
    trace
        The recording.
    value
        The value of the cell's trailing expression (None if there is none, or it ended in ``;``).
    error
        The exception the cell raised (its traceback starts at the cell), or None.
    filename
        The filename the cell was compiled under (its key in `linecache`).
    label
        The cell's label, e.g. ``In [5]``.
    warnings
        Recorder warnings (`CodetraceWarning`) issued while recording, to show the user.
    """

    trace: Trace
    value: object
    error: BaseException | None
    filename: str
    label: str
    warnings: list[warnings.WarningMessage] = field(default_factory=list)


def cell_label(number: object) -> str:
    """Return the label IPython shows for execution count ``number`` (``In [5]``)."""
    return f"In [{number}]"


def cell_labels(shell: Any) -> dict[str, str]:
    """Return ``{filename: "In [n]"}`` for every cell IPython compiled in ``shell``."""
    mapping = getattr(getattr(shell, "compile", None), "_filename_map", None) or {}
    return {str(name): cell_label(number) for name, number in dict(mapping).items()}


def current_execution_count(shell: Any) -> int:
    """Return the execution count of the cell running now (what IPython shows as ``In [n]``)."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    count = getattr(result, "execution_count", None)
    return int(count) if isinstance(count, int) else int(shell.execution_count)


def _is_cell_file(shell: Any) -> Callable[[str], bool]:
    mapping = getattr(getattr(shell, "compile", None), "_filename_map", None)

    def is_cell(filename: str) -> bool:
        return mapping is not None and filename in mapping

    return is_cell


def _ends_with_semicolon(source: str) -> bool:
    try:
        from IPython.core.displayhook import DisplayHook

        return bool(DisplayHook.semicolon_at_end_of_expression(source))
    except Exception:  # noqa: BLE001 - tokenize errors on odd input: keep the value
        return False


@dataclass
class _Compiled:
    body: CodeType | None
    last: CodeType | None
    is_async: bool


def _single_name_target(node: ast.stmt) -> str | None:
    """Return the name assigned by ``node`` when it assigns one plain name, else None."""
    target: ast.expr | None = None
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        target = node.target
    return target.id if isinstance(target, ast.Name) else None


def _compile_cell(shell: Any, cell: str, filename: str) -> _Compiled:
    """Parse, AST-transform and compile ``cell`` the way IPython does (body + trailing expr)."""
    compiler = shell.compile
    tree = compiler.ast_parse(cell, filename=filename)
    tree = shell.transform_ast(tree)
    nodes = list(tree.body)
    last_expr: ast.Expression | None = None
    mode = getattr(shell, "ast_node_interactivity", "last_expr")
    if mode == "last_expr_or_assign" and nodes:
        # like IPython: `x = 1` as the last statement shows x
        target = _single_name_target(nodes[-1])
        if target is not None:
            nodes.append(ast.fix_missing_locations(ast.copy_location(
                ast.Expr(ast.Name(target, ast.Load())), nodes[-1])))
    if mode != "none" and nodes and isinstance(nodes[-1], ast.Expr):
        last_expr = ast.Expression(nodes.pop().value)
    flags = _TOP_LEVEL_AWAIT if getattr(shell, "autoawait", False) else 0
    with compiler.extra_flags(flags):
        body = compiler(ast.Module(nodes, []), filename, "exec") if nodes else None
        last = compiler(last_expr, filename, "eval") if last_expr is not None else None
    is_async = any(c is not None and c.co_flags & inspect.CO_COROUTINE for c in (body, last))
    return _Compiled(body, last, is_async)


def _cell_depth() -> int | None:
    """How deep the cell's code would run unrecorded: where ``%%codetrace`` was called from."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "run_cell_magic" and frame.f_back is not None:
            return frame_depth(frame.f_back)  # the transformed cell's frame: the cell's place
        frame = frame.f_back
    return None


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _make_body(shell: Any, compiled: _Compiled,
               helper: _HelperLoop | None) -> Callable[[], object]:
    glob = shell.user_global_ns
    ns = shell.user_ns

    if not compiled.is_async:
        def run_sync() -> object:
            __tracebackhide__ = True  # read by IPython: hide this frame in tracebacks
            if compiled.body is not None:
                exec(compiled.body, glob, ns)  # noqa: S102 - running the cell is the job
            if compiled.last is not None:
                return eval(compiled.last, glob, ns)
            return None

        return run_sync

    async def main() -> object:
        __tracebackhide__ = True  # read by IPython: hide this frame in tracebacks
        if compiled.body is not None:
            result = eval(compiled.body, glob, ns)
            if inspect.iscoroutine(result):
                await result
        value = None
        if compiled.last is not None:
            value = eval(compiled.last, glob, ns)
            if inspect.iscoroutine(value):
                value = await value
        return value

    def run_async() -> object:
        __tracebackhide__ = True  # read by IPython: hide this frame in tracebacks
        if helper is not None:
            return helper.run(main())
        runner = getattr(shell, "trio_runner", None) or shell.loop_runner
        return runner(main())

    return run_async


class _HelperLoop:
    """The event loop of an async cell run in a helper thread, and how Ctrl-C reaches it.

    The kernel's own loop is busy running this cell, so an ``await``-using cell runs on a fresh
    loop in a helper thread. SIGINT is delivered to the main thread (waiting in `join`); it is
    handed on by scheduling a callback that raises ``KeyboardInterrupt`` in the helper's loop:
    asyncio lets that escape ``run_until_complete``, its runner then cancels the cell's task
    (``finally`` blocks run) and the ``KeyboardInterrupt`` ends the cell, as it does unrecorded.
    A cell that never yields to its loop gets the exception raised asynchronously instead —
    only then: once the loop has received it, the cell is cleaning up (its task cancelled, its
    ``finally`` blocks running, the recording finishing) and is left to finish undisturbed, however
    long a loaded machine makes that take.
    """

    #: Seconds an interrupted cell gets to reach its event loop before the exception is raised
    #: in the thread wherever it runs.
    GRACE = 1.0

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread_id: int | None = None
        self.requested = False  # an interrupt was asked for (perhaps before the loop existed)
        self.delivered = False  # the loop ran the callback that raises KeyboardInterrupt

    def run(self, coro: Any) -> object:
        """Run ``coro`` to completion on a new event loop (called in the helper thread)."""
        self.thread_id = threading.get_ident()
        with asyncio.Runner() as runner:
            self.loop = runner.get_loop()
            if self.requested:  # Ctrl-C came while the thread was starting
                self.loop.call_soon(self._raise_interrupt)
            return runner.run(coro)

    def interrupt(self, hard: bool) -> None:
        """Raise ``KeyboardInterrupt`` in the helper: through its loop, or (``hard``) anywhere."""
        self.requested = True
        loop = self.loop
        if not hard and loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._raise_interrupt)
                return
            except RuntimeError:  # closed meanwhile
                pass
        if self.thread_id is not None:
            import ctypes

            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread_id),
                                                       ctypes.py_object(KeyboardInterrupt))

    def _raise_interrupt(self) -> None:
        """Run by the helper's loop: the interrupt reached it (raised once, however often sent)."""
        if self.delivered:
            return
        self.delivered = True
        raise KeyboardInterrupt


#: Seconds between two looks for a pending Ctrl-C while an async cell's thread runs.
_SIGNAL_POLL = 0.1


def _run_in_thread(fn: Callable[[], object], helper: _HelperLoop) -> object:
    """Run ``fn`` in a helper thread and return its result (re-raising what it raised).

    A ``KeyboardInterrupt`` in the waiting main thread (Ctrl-C, the kernel's interrupt) is
    passed on to the helper (`_HelperLoop.interrupt`), whose own ``KeyboardInterrupt`` then ends
    the cell.
    """
    box: dict[str, object] = {}
    done = threading.Event()  # not Thread.join: an interrupted join marks the thread stopped

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            box["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=target, name="codetrace-async-cell", daemon=True)
    interrupts = 0
    hard_sent = False
    started = False
    while not done.is_set():
        try:  # from the thread's start on, every KeyboardInterrupt here is passed on to it
            if not started:
                started = True
                thread.start()
                continue
            waiting = interrupts and not hard_sent and not helper.delivered
            if waiting:
                done.wait(helper.GRACE)
                if not done.is_set() and not helper.delivered:
                    helper.interrupt(hard=True)  # it did not reach its loop in time
                    hard_sent = True
            else:
                # Never block without a timeout: SIGINT may be delivered to another thread,
                # and then only bytecode running in this one runs Python's handler.
                done.wait(_SIGNAL_POLL)
        except KeyboardInterrupt:
            helper.interrupt(hard=interrupts > 0)
            hard_sent = hard_sent or interrupts > 0
            interrupts += 1
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("result")


def _trim_traceback(error: BaseException, filenames: set[str]) -> BaseException:
    """Drop our own frames from the top of ``error``'s traceback (it starts at the cell)."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in filenames:
        tb = tb.tb_next
    if tb is not None:
        error.__traceback__ = tb
    return error


def record_cell(shell: Any, cell: str, options: TraceOptions | None = None, *,
                meta: dict[str, object] | None = None) -> CellRecording:
    """Run ``cell`` once in ``shell``'s namespace under recording and return what happened.

    Parameters
    ----------
    shell
        The IPython ``InteractiveShell`` (or ipykernel's ``ZMQInteractiveShell``).
    cell
        The raw cell text (IPython syntax allowed: ``%magic`` and ``!command`` lines).
    options
        Recording limits and switches; the defaults when None.
    meta
        Extra facts stored in ``trace.meta``.

    Returns
    -------
    CellRecording
        The trace, the trailing expression's value and the user's exception (never raised
        here: the caller shows the trace first, then re-raises it).

    Raises
    ------
    SyntaxError
        When the cell does not parse (nothing runs and nothing is recorded).
    """
    from .api import run_recorded

    options = options if options is not None else TraceOptions.build()
    transformed = shell.transform_cell(cell)
    number = current_execution_count(shell)
    filename = shell.compile.cache(transformed, number, raw_code=cell)
    compiled = _compile_cell(shell, transformed, filename)
    quiet = _ends_with_semicolon(transformed)
    label = cell_label(number)
    labels = cell_labels(shell)
    labels[filename] = label
    in_thread = compiled.is_async and _loop_running()
    helper = _HelperLoop() if in_thread else None
    body = _make_body(shell, compiled, helper)
    run_meta: dict[str, object] = {"cell": label, "cell_filename": filename,
                                   "program": label}
    if in_thread:
        run_meta["async_runner"] = "helper thread (the kernel's event loop is busy)"
    run_meta.update(meta or {})

    caught: list[warnings.WarningMessage] = []
    depth = None if compiled.is_async else _cell_depth()

    def record() -> RunResult:
        # the trailing expression is a second code object but the same cell: one frame
        more = (compiled.last,) if compiled.last is not None and compiled.body is not None else ()
        return run_recorded(body, options=options, user_files=(filename,),
                            is_user_file=_is_cell_file(shell), labels=labels, meta=run_meta,
                            continuations=more, program_depth=depth)

    with warnings.catch_warnings():
        warnings.simplefilter("always", CodetraceWarning)
        shown = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
            if isinstance(category, type) and issubclass(category, CodetraceWarning):
                caught.append(warnings.WarningMessage(message, category, filename, lineno,
                                                      file, line))
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        result = cast("RunResult", _run_in_thread(record, helper)) if helper is not None \
            else record()

    error = result.error
    if error is not None:
        error = _trim_traceback(error, {filename, *labels})
    value = None if quiet or error is not None else result.value
    return CellRecording(result.trace, value, error, filename, label, caught)
