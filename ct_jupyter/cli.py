"""The ``ct-jupyter`` / ``python -m ct_jupyter`` command line: record, validate, show.

``record [options] SCRIPT [args...]`` runs a script under the recorder (the same core as the
magic) and writes a CodeTracer trace folder. Options are read only up to the script path:
everything after it belongs to the script (``--`` before the script works too), so a script's
own ``--out`` is never taken by us. Exit codes follow the CodeTracer recorder's convention:

* 0 — recording and the script succeeded;
* the script's own status when it calls ``sys.exit()``;
* 1 — a recorder error escaped (the message says which), or the script died of an uncaught
  exception (its traceback is printed as Python prints it; the trace is still written);
* 130 — the script was interrupted (Ctrl-C, SIGINT); the trace is still written;
* 2 — bad arguments.

``--json-errors`` adds a one-line JSON trailer on stderr on failure (``error_code``,
``error_kind``, ``message``, ``context``).
"""

from __future__ import annotations

import argparse
import builtins
import json
import os
import sys
import traceback
import types
from collections.abc import Sequence
from typing import Any

from ._version import __version__
from .errors import CodetraceError, UsageError

PROG = "ct-jupyter"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
#: The status of a script ended by Ctrl-C (128 + SIGINT), as a shell reports Python's own.
EXIT_INTERRUPTED = 130

_RECORD_VALUE_OPTIONS = ("--out", "-o", "--trace-dir", "--max-steps", "--include", "--exclude",
                         "--io-capture", "--backend", "--format", "--trace-filter",
                         "--on-recorder-error", "--log-level", "--log-file", "--function")
_RECORD_FLAGS = ("--overwrite", "--json-errors", "--codetracer-json-errors", "--require-trace",
                 "--keep-partial-trace", "--propagate-script-exit", "--no-propagate-script-exit",
                 "-h", "--help")

USAGE = f"""usage: {PROG} COMMAND ...

commands:
  record [options] SCRIPT [args...]   record a Python script into a CodeTracer trace folder
  validate TRACE_DIR                  check a trace folder (schema and id/order invariants)
  show TRACE_DIR                      render a trace in the terminal

Run '{PROG} COMMAND --help' for the options of a command.
"""


class _ArgumentError(UsageError):
    code = "ERR_INVALID_ARGUMENT"


class _Parser(argparse.ArgumentParser):
    """An argparse parser that raises instead of exiting, so errors get the JSON trailer."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _ArgumentError(message, context={"usage": self.format_usage().strip()})


class ScriptFailed(CodetraceError):
    """The recorded script ended with an uncaught exception (the trace is still written)."""

    code = "ERR_SCRIPT_EXCEPTION"
    kind = "Target"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    json_errors = _wants_json_errors(args)
    try:
        if not args:
            print(USAGE, end="", file=sys.stderr)
            return EXIT_USAGE
        if args[0] in ("-h", "--help"):
            print(USAGE, end="")
            return EXIT_OK
        if args[0] in ("-V", "--version"):
            print(f"{PROG} {__version__}")
            return EXIT_OK
        command, rest = args[0], args[1:]
        if command == "record":
            return _record(rest)
        if command == "validate":
            return _validate(rest)
        if command == "show":
            return _show(rest)
        raise _ArgumentError(f"unknown command {command!r} (use record, validate or show)",
                             context={"command": command})
    except _HelpShown:
        return EXIT_OK
    except _ArgumentError as exc:
        _fail(exc, json_errors, usage=True)
        return EXIT_USAGE
    except CodetraceError as exc:
        _fail(exc, json_errors)
        return EXIT_USAGE if isinstance(exc, UsageError) and exc.code in _USAGE_CODES \
            else EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - a bug of ours: report it like a recorder error
        from .errors import InternalError

        err = InternalError(f"{type(exc).__name__}: {exc}",
                            context={"traceback": traceback.format_exc(limit=-3)})
        _fail(err, json_errors)
        return EXIT_FAILURE


#: Usage errors that come from the command line itself (exit 2) rather than from recording.
_USAGE_CODES = frozenset({"ERR_INVALID_ARGUMENT", "ERR_INVALID_OPTION", "ERR_UNKNOWN_OPTION",
                          "ERR_INVALID_POLICY_VALUE", "ERR_SCRIPT_NOT_FOUND"})


class _HelpShown(Exception):
    pass


def _wants_json_errors(args: list[str]) -> bool:
    """Return True if --json-errors is among our options (never among the script's)."""
    if args and args[0] == "record":
        try:
            ours = split_record_args(args[1:])[0]
        except CodetraceError:
            ours = []
            for tok in args[1:]:
                if tok == "--":
                    break
                ours.append(tok)
        return bool({"--json-errors", "--codetracer-json-errors"} & set(ours)) or _env_json_errors()
    return "--json-errors" in args or _env_json_errors()


def _env_json_errors() -> bool:
    from .policy import check_layer

    raw = os.environ.get("CODETRACER_JSON_ERRORS")
    try:
        return raw is not None and bool(check_layer({"json_errors": raw}, "environment")
                                        .get("json_errors"))
    except CodetraceError:
        return False


def _fail(exc: CodetraceError, json_errors: bool, usage: bool = False) -> None:
    from .logs import log_error

    log_error(exc, exc.message)
    prefix = f"{PROG}: error: "
    if usage and exc.context.get("usage"):
        print(exc.context["usage"], file=sys.stderr)
    print(prefix + exc.message, file=sys.stderr)
    if json_errors:
        trailer = exc.to_json()
        if usage:
            trailer["context"] = {k: v for k, v in exc.context.items() if k != "usage"}
        print(json.dumps(trailer, sort_keys=True, ensure_ascii=False), file=sys.stderr)


# -- record ----------------------------------------------------------------------------------
def _record_parser() -> _Parser:
    p = _Parser(prog=f"{PROG} record", add_help=False,
                usage=f"{PROG} record [options] [--] SCRIPT [args...]",
                description="Record SCRIPT (run as __main__ with args) into a CodeTracer "
                            "trace folder. Options must come before SCRIPT.")
    p.add_argument("-h", "--help", action="store_true", help="show this help")
    p.add_argument("-o", "--out", "--trace-dir", dest="out", default=None,
                   help="trace folder to write (default: $CODETRACER_DB_TRACE_PATH or ./trace-out)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the trace folder if it holds a trace (and nothing else)")
    p.add_argument("--max-steps", type=int, default=None, help="steps recorded at most")
    p.add_argument("--repr-user", action="store_true",
                   help="label the program's own objects with their __repr__ (calls them)")
    p.add_argument("--include", action="append", default=[], metavar="PATTERN",
                   help="module or path glob to step into as well (repeatable)")
    p.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                   help="module or path glob never to step into (repeatable)")
    p.add_argument("--io-capture", choices=("off", "proxies", "proxies+fd"), default=None,
                   help="record stdout/stderr/stdin (default: proxies, or CODETRACER_CAPTURE_IO)")
    p.add_argument("--backend", choices=("auto", "sysmon", "settrace"), default=None,
                   help="tracing mechanism (default: sys.monitoring where available)")
    p.add_argument("--json-errors", "--codetracer-json-errors", dest="json_errors",
                   action="store_true", default=None,
                   help="on failure, add a one-line JSON error trailer on stderr")
    p.add_argument("--format", choices=("json",), default="json",
                   help="trace format (only json: CodeTracer's JSON trace folder)")
    p.add_argument("--trace-filter", action="append", default=[], metavar="PATH",
                   help="CodeTracer trace-filter TOML file(s); repeatable, '::' separates several")
    p.add_argument("--function", dest="functions", action="append", default=[], metavar="NAME",
                   help="record only calls of NAME (qualified name or glob) and what they call")
    p.add_argument("--on-recorder-error", choices=("abort", "disable"), default=None,
                   help="abort: a recorder failure fails the run (exit 1); disable: warn, keep going")
    p.add_argument("--require-trace", action="store_true", default=None,
                   help="fail (exit 1) when nothing was recorded")
    p.add_argument("--keep-partial-trace", action="store_true", default=None,
                   help="write the partial trace after a recorder failure")
    p.add_argument("--propagate-script-exit", dest="propagate_script_exit", action="store_true",
                   default=None, help="exit with the script's status (the default)")
    p.add_argument("--no-propagate-script-exit", dest="propagate_script_exit",
                   action="store_false", help="exit 0 when recording succeeded")
    p.add_argument("--log-level", default=None, metavar="LEVEL",
                   help="recorder log level (warning by default; 'target=level,…' accepted)")
    p.add_argument("--log-file", default=None, metavar="PATH",
                   help="write the JSON-lines log here instead of stderr")
    return p


_FLAG_OF = {"max_steps": "--max-steps", "include": "--include", "exclude": "--exclude",
            "io": "--io-capture", "backend": "--backend", "json_errors": "--json-errors",
            "trace_filter": "--trace-filter", "functions": "--function",
            "on_recorder_error": "--on-recorder-error", "require_trace": "--require-trace",
            "keep_partial_trace": "--keep-partial-trace",
            "propagate_script_exit": "--propagate-script-exit", "log_level": "--log-level",
            "log_file": "--log-file", "repr_user": "--repr-user"}


def record_policy(ns: argparse.Namespace) -> Any:
    """Resolve the policy for a ``record`` run: the layers below plus these command-line flags."""
    from .logs import configure_logging
    from .policy import check_layer, resolve

    raw: dict[str, object] = {name: getattr(ns, name if name != "io" else "io_capture")
                              for name in _FLAG_OF}
    raw["include"] = raw["include"] or None
    raw["exclude"] = raw["exclude"] or None
    raw["functions"] = raw["functions"] or None
    raw["repr_user"] = raw["repr_user"] or None
    raw["trace_filter"] = [p for v in ns.trace_filter for p in v.split("::") if p] or None
    raw = {k: v for k, v in raw.items() if v is not None}
    check_layer(raw, "command line", {k: f"command line ({_FLAG_OF[k]})" for k in raw})
    policy = resolve(("command line", raw))
    configure_logging(policy.log_level, policy.log_file, default="warning")
    return policy


def split_record_args(args: list[str]) -> tuple[list[str], str | None, list[str]]:
    """Split ``record``'s arguments into (our options, script, script arguments)."""
    ours: list[str] = []
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":
            if i + 1 < len(args):
                return ours, args[i + 1], args[i + 2:]
            return ours, None, []
        if tok.startswith("-") and tok != "-":
            name = tok.split("=", 1)[0]
            if name in _RECORD_VALUE_OPTIONS:
                if "=" in tok or i + 1 >= len(args):
                    ours.append(tok)
                    i += 1
                else:
                    ours.extend(args[i:i + 2])
                    i += 2
                continue
            if name in _RECORD_FLAGS:
                ours.append(tok)
                i += 1
                continue
            raise _ArgumentError(
                f"unknown option {tok!r} (recorder options go before the script; "
                "put -- before the script to pass such arguments to it)",
                context={"option": tok, "usage": _record_parser().format_usage().strip()})
        return ours, tok, args[i + 1:]
    return ours, None, []


def _record(args: list[str]) -> int:
    ours, script, script_args = split_record_args(args)
    parser = _record_parser()
    ns = parser.parse_args(ours)
    if ns.help:
        parser.print_help()
        raise _HelpShown()
    if script is None:
        parser.error("the script to record is missing")
    assert script is not None
    policy = record_policy(ns)
    options = policy.options()
    path = os.path.abspath(script)
    if not os.path.isfile(path):
        raise _ArgumentError(f"script {script!r} does not exist", context={"script": script})

    import pathlib

    from .codetracer import export
    from .codetracer.target import check_target

    out = os.path.abspath(ns.out or os.environ.get("CODETRACER_DB_TRACE_PATH") or "trace-out")
    check_target(pathlib.Path(out), ns.overwrite, protect=[path])
    trace, code, error = record_script(path, script_args, options)
    if policy.require_trace and len(trace) == 0:
        raise UsageError("recorder policy requires a trace but no events were recorded",
                         code="ERR_TRACE_MISSING", context={"path": out})
    failed = trace.stop_reason == "failure"
    if failed and not policy.keep_partial_trace:
        print(f"{PROG}: the recorder failed ({trace.failure}); no trace written "
              "(--keep-partial-trace keeps it)", file=sys.stderr)
    else:
        written = export(trace, out, overwrite=ns.overwrite, exit_code=code)
        note = f" ({trace.stop_reason} reached, {'≥' if not trace.dropped_steps_exact else ''}"\
            f"{trace.dropped_steps} steps not recorded)" \
            if trace.truncated else ""
        steps, calls = len(trace), trace.call_count
    print(f"{PROG}: recorded {steps:,} step{'s' if steps != 1 else ''}, {calls:,} "
          f"call{'s' if calls != 1 else ''} into {written}{note}", file=sys.stderr)
    if failed and policy.on_recorder_error == "abort":
        from .errors import InternalError

        raise InternalError(f"the recorder failed: {trace.failure}", code="ERR_TRACE_INCOMPLETE",
                            context={"path": out})
    if error is not None:
        _fail(error, policy.json_errors)
    if code != EXIT_OK and not policy.propagate_script_exit:
        print(f"Script exited with status {code}; returning 0. Use '--propagate-script-exit' "
              "to mirror the script exit code.", file=sys.stderr)
        return EXIT_OK
    return code


def record_script(path: str, args: Sequence[str], options: Any) -> tuple[Any, int, ScriptFailed | None]:
    """Run the script at ``path`` as ``__main__`` under recording.

    Returns ``(trace, exit code, failure)``: the exit code is what Python itself would exit
    with (0, the ``sys.exit`` status, or 1 after an uncaught exception, whose traceback is
    printed to stderr); ``failure`` describes an uncaught exception.
    """
    from .api import run_recorded

    with open(path, "rb") as fh:
        source = fh.read()
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        traceback.print_exception(type(exc), exc, None, file=sys.stderr)
        raise ScriptFailed(f"the script does not compile: {type(exc).__name__}: {exc}",
                           code="ERR_SCRIPT_SYNTAX", context={"script": path}) from None
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    namespace = module.__dict__
    saved_argv, saved_path, saved_main = sys.argv, sys.path[:], sys.modules.get("__main__")
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(path))
    sys.modules["__main__"] = module
    try:
        result = run_recorded(lambda: exec(code, namespace),  # noqa: S102 - runs the script
                              options=options, user_files={path},
                              meta={"program": path, "args": list(args), "workdir": os.getcwd()},
                              program_depth=1)  # `python script.py` runs it at the bottom
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    error = result.error
    if error is None:
        return result.trace, EXIT_OK, None
    if isinstance(error, SystemExit):
        status = error.code
        if status is None:
            return result.trace, EXIT_OK, None
        if isinstance(status, int) and not isinstance(status, bool):
            return result.trace, status, None
        print(status, file=sys.stderr)
        return result.trace, EXIT_FAILURE, None
    _print_script_traceback(error, path)
    if isinstance(error, KeyboardInterrupt):
        return result.trace, EXIT_INTERRUPTED, None
    failure = ScriptFailed(f"the script raised {type(error).__name__}: {_message(error)}",
                           context={"exc_type": type(error).__name__, "script": path})
    return result.trace, EXIT_FAILURE, failure


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - a hostile __str__ must not hide the real error
        return "<str() failed>"


def _print_script_traceback(error: BaseException, path: str) -> None:
    """Print the traceback like Python does, starting at the script's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb if tb is not None else error.__traceback__,
                              file=sys.stderr)


# -- validate --------------------------------------------------------------------------------
def _validate(args: list[str]) -> int:
    p = _Parser(prog=f"{PROG} validate", description="Check a CodeTracer JSON trace folder.")
    p.add_argument("trace_dir")
    p.add_argument("--no-schema", action="store_true", help="check the invariants only")
    p.add_argument("--max-problems", type=int, default=50)
    p.add_argument("--json-errors", action="store_true")
    ns = _parse(p, args)
    from .codetracer.validate import validate

    report = validate(ns.trace_dir, schema=not ns.no_schema, max_problems=ns.max_problems)
    for problem in report.problems:
        print(problem, file=sys.stdout if problem.severity != "note" else sys.stderr)
    if report.suppressed:
        print(f"... and {report.suppressed} more errors", file=sys.stdout)
    print(f"{ns.trace_dir}: {report.summary()}")
    if not report.ok:
        from .errors import TraceFormatError

        first = report.errors[0]
        err = TraceFormatError(f"the trace folder is not valid: {first}",
                               code="ERR_TRACE_INVALID",
                               context={"errors": len(report.errors) + report.suppressed,
                                        "path": ns.trace_dir})
        if ns.json_errors:
            print(json.dumps(err.to_json(), sort_keys=True, ensure_ascii=False), file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _parse(parser: _Parser, args: list[str]) -> argparse.Namespace:
    if any(a in ("-h", "--help") for a in args):
        parser.print_help()
        raise _HelpShown()
    return parser.parse_args(args)


# -- show ------------------------------------------------------------------------------------
def _show(args: list[str]) -> int:
    p = _Parser(prog=f"{PROG} show", description="Render a trace folder in the terminal.")
    p.add_argument("trace_dir")
    p.add_argument("--steps", metavar="A:B", default=None,
                   help="show steps A (inclusive) to B (exclusive); either may be omitted")
    p.add_argument("--page", type=int, default=None, metavar="N",
                   help="show page N (1-based) of --page-size steps")
    p.add_argument("--page-size", type=int, default=200, metavar="N")
    p.add_argument("--width", type=int, default=None, help="render this many columns wide")
    p.add_argument("--json-errors", action="store_true")
    ns = _parse(p, args)
    if ns.page_size < 1:
        p.error("--page-size must be at least 1")
    start, limit = 0, ns.page_size
    if ns.steps is not None and ns.page is not None:
        p.error("use either --steps or --page, not both")
    if ns.steps is not None:
        start, stop = _parse_range(p, ns.steps)
        limit = None if stop is None else max(stop - start, 0)
    elif ns.page is not None:
        if ns.page < 1:
            p.error("--page counts from 1")
        start = (ns.page - 1) * ns.page_size
    from rich.console import Console

    from .codetracer import load
    from .render.terminal import TraceView

    trace = load(ns.trace_dir)
    if start > len(trace):
        p.error(f"the trace has only {len(trace)} steps")
    console = Console(width=ns.width) if ns.width else Console()
    if limit is None:
        limit = len(trace) - start
    console.print(TraceView(trace, start=start, limit=limit, width=ns.width))
    return EXIT_OK


def _parse_range(parser: _Parser, text: str) -> tuple[int, int | None]:
    a, sep, b = text.partition(":")
    try:
        start = int(a) if a.strip() else 0
        stop = int(b) if sep and b.strip() else (None if sep else start + 1)
    except ValueError:
        parser.error(f"--steps wants A:B with integers, not {text!r}")
        raise
    if start < 0 or (stop is not None and stop < start):
        parser.error(f"--steps {text!r} is not a valid range")
    return start, stop


def codetracer_record(argv: Sequence[str] | None = None) -> int:
    """``codetracer-record [recorder options] SCRIPT [args...]``: the pure-Python recorder's CLI.

    Same as ``ct-jupyter record``; the trace folder is ``$CODETRACER_DB_TRACE_PATH`` (else
    ``./trace-out``), and the recorder's flags are accepted before the script.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    return main(["record", *args])


__all__ = ["codetracer_record", "main", "record_script", "split_record_args"]
