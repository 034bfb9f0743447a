"""One benchmark measurement, run in a subprocess by `benchmarks/run.py` (not meant for humans).

    python _worker.py ours       PROGRAM_FILE SIZE REPS BACKEND [--core=c|python] [--no-memory]
                                 [--no-check] [--soft=S]
    python _worker.py noop       PROGRAM_FILE SIZE REPS [--soft=S]   (the no-op callback floor)
    python _worker.py limit      PROGRAM_FILE SIZE REPS BACKEND [--core=…] [--soft=S]
    python _worker.py scale      PROGRAM_FILE SIZES BACKEND [--core=…]   (SIZES: comma-separated)
    python _worker.py codetracer PROGRAM_FILE SIZE REPS WORKDIR [--soft=S]

REPS paired runs are made, but no new pair starts once S seconds of pairs have passed (at least
one pair always runs).

It prints one JSON object per line as it goes, so the parent keeps whatever was measured when
it has to stop a run that takes too long:

* ``{"event": "untraced", "seconds": s}`` / ``{"event": "traced", "seconds": s, ...}``
* ``{"event": "traced_start"}`` just before each traced run (lets the parent bound the
  slowdown from below when it kills a run that exceeded its time budget);
* ``{"event": "memory", ...}``, ``{"event": "check", ...}``, ``{"event": "done"}``;
* ``{"event": "scale", "size": n, "steps": s, "seconds": t}`` per size in ``scale`` mode.

``noop`` times the program under do-nothing callbacks (sys.monitoring LINE, PY_START and
PY_RETURN on every code object; sys.settrace before 3.12): the floor of any recorder built on
Python callbacks. ``limit`` records with ``max_steps=LIMIT_STEPS``, so almost all of the program
runs after the limit: its ratio to the untraced run is the after-limit speed.

Timing: untraced and traced runs are interleaved (untraced, traced, untraced, traced, ...),
each in a fresh namespace, with the garbage collector left on as in normal use.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import tracemalloc
from typing import Any

#: Generous limits so the benchmark measures full recordings, not truncated ones.
MAX_STEPS = 200_000_000
MAX_MEMORY = 16 * 1024**3
#: ``limit`` mode: recording stops after this many steps; the rest runs after the limit (a
#: small limit, so the ratio shows the speed after it, not the cost of the recorded part).
LIMIT_STEPS = 100


def emit(event: str, **fields: Any) -> None:
    """Print one JSON event line and flush it."""
    fields["event"] = event
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def program_source(path: str, size: int) -> str:
    """Return the program's source with its first line (``N = ...``) set to ``size``."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    first, _, rest = text.partition("\n")
    if not first.startswith("N = "):
        raise SystemExit(f"{path}: the first line must be 'N = <size>'")
    return f"N = {int(size)}  # size: set by benchmarks/run.py\n{rest}"


def plain(value: Any, depth: int = 0) -> Any:
    """Return a comparable plain picture of a live value (objects by type name and attributes)."""
    if depth > 12:
        return "<deep>"
    t = type(value)
    if t in (int, float, str, bool, bytes, complex) or value is None:
        return value
    if t in (list, tuple):
        items = [plain(v, depth + 1) for v in value]
        return items if t is list else tuple(items)
    if t in (set, frozenset):  # as the trace shows a set: the sorted reprs of its items
        return {"<" + t.__name__ + ">": sorted(repr(v) for v in value)}
    if isinstance(value, dict):  # dict subclasses too (Counter, defaultdict): shown as dicts
        return {k: plain(v, depth + 1) for k, v in value.items()}
    d = getattr(value, "__dict__", None)
    if isinstance(d, dict) and not callable(value):
        return {"<" + t.__name__ + ">": {k: plain(v, depth + 1) for k, v in d.items()}}
    return "<" + t.__name__ + ">"


def data_names(ns: dict[str, Any]) -> list[str]:
    """Return the namespace's data variables (no dunders, modules, functions or classes)."""
    out = []
    for name, value in ns.items():
        if name.startswith("__") or callable(value) or type(value).__name__ == "module":
            continue
        out.append(name)
    return sorted(out)


def _fits(value: Any, max_items: int, max_str: int = 10_000, depth: int = 0) -> bool:
    """True when the recorder keeps ``value`` whole (nothing cut at max_items/max_str, not deep)."""
    if depth > 6:
        return False
    if isinstance(value, (str, bytes)):
        return len(value) <= max_str
    if isinstance(value, (list, tuple, dict)):
        if len(value) > max_items:
            return False
        items = list(value.items()) if isinstance(value, dict) else value
        return all(_fits(v, max_items, max_str, depth + 1) for v in items)
    d = getattr(value, "__dict__", None)
    if isinstance(d, dict) and not callable(value):
        return all(_fits(v, max_items, max_str, depth + 1) for v in d.values())
    return True


def _norm(value: Any) -> Any:
    """Tuples and lists compare alike (Value.plain keeps tuples, decoding may not)."""
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return value


def run_ours(path: str, size: int, reps: int, backend: str, memory: bool = True,
             check: bool = True, soft: float = float("inf"), max_steps: int = MAX_STEPS) -> None:
    """Time ct_jupyter.record against plain exec, then measure memory, then check values."""
    import warnings

    import ct_jupyter
    import ct_jupyter.api  # import before timing (the package imports lazily)
    from ct_jupyter.options import TraceOptions

    warnings.simplefilter("ignore")  # limit mode: the truncation warning, every run
    opts = TraceOptions(io="off", backend=backend, max_steps=max_steps, max_memory=MAX_MEMORY)
    src = program_source(path, size)
    code = compile(src, f"<bench-{os.path.basename(path)}>", "exec")
    # warm-up: imports, caches, first-call costs of both paths
    exec(code, {"__name__": "__main__"})  # noqa: S102
    ct_jupyter.record("x = [1]\nx.append(2)\n", options=opts)

    started = time.perf_counter()
    for i in range(reps):
        if i and time.perf_counter() - started > soft:
            break
        ct_jupyter.record("pass", options=opts)  # drop the previous big trace (kept as last_trace)
        gc.collect()  # every timed run starts from the same heap; gc stays on while it runs
        ns: dict[str, Any] = {"__name__": "__main__"}
        t0 = time.perf_counter()
        exec(code, ns)  # noqa: S102 - running the program is the point
        emit("untraced", seconds=time.perf_counter() - t0)
        del ns
        gc.collect()
        rns: dict[str, Any] = {"__name__": "__main__"}
        emit("traced_start")
        t0 = time.perf_counter()
        trace = ct_jupyter.record(src, options=opts, namespace=rns)
        seconds = time.perf_counter() - t0
        emit("traced", seconds=seconds, steps=len(trace), dropped=trace.dropped_steps,
             dropped_exact=trace.dropped_steps_exact,
             stop_reason=trace.stop_reason, failure=trace.failure,
             backend=trace.meta.get("backend"), core=trace.meta.get("core"))
        del trace, rns

    if memory:
        _measure_memory(ct_jupyter, opts, code, src)
    if check:
        _check_values(ct_jupyter, opts, code, src)
    emit("done")


def _measure_memory(ct_jupyter: Any, opts: Any, code: Any, src: str) -> None:
    # memory: separate runs under tracemalloc (it slows everything down, so never timed).
    # retained = what the recorded run keeps alive minus what the untraced run keeps alive
    # (both keep the program's namespace; the difference is the trace).
    gc.collect()
    tracemalloc.start()
    try:
        ns = {"__name__": "__main__"}
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        exec(code, ns)  # noqa: S102 - running the program is the point
        gc.collect()
        untraced_kept, untraced_peak = tracemalloc.get_traced_memory()
        untraced_kept -= base
        untraced_peak -= base
        del ns
        ct_jupyter.record("pass", options=opts)  # the module keeps the last trace: make it tiny
        gc.collect()
        rns = {"__name__": "__main__"}
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        trace = ct_jupyter.record(src, options=opts, namespace=rns)
        gc.collect()
        traced_kept, peak = tracemalloc.get_traced_memory()
        emit("memory", steps=len(trace), retained=traced_kept - base - untraced_kept,
             peak=peak - base, untraced_peak=untraced_peak)
        del trace, rns
    finally:
        tracemalloc.stop()



def _check_values(ct_jupyter: Any, opts: Any, code: Any, src: str) -> None:
    # correctness: the recorded run ends with the same variables as the untraced run, and the
    # trace's final values (step len(trace)) equal the live ones
    ns = {"__name__": "__main__"}
    exec(code, ns)  # noqa: S102 - running the program is the point
    rns = {"__name__": "__main__"}
    trace = ct_jupyter.record(src, options=opts, namespace=rns)
    mismatches: list[str] = []
    names = data_names(ns)
    if names != data_names(rns):
        mismatches.append(f"names differ: {names} vs {data_names(rns)}")
    final = trace.variables(len(trace), 0) if len(trace) else {}
    compared = 0
    for name in names:
        live = plain(ns[name])
        if plain(rns.get(name)) != live:
            mismatches.append(f"{name}: the recorded run computed a different value")
            continue
        if not _fits(ns[name], opts.max_items, opts.max_str):
            continue
        val = final.get(name)
        if val is None:
            mismatches.append(f"{name}: missing from the trace's final variables")
            continue
        compared += 1
        if val.kind == "repr":  # shown by its repr (a compiled pattern, a library object)
            if val.text != repr(ns[name])[: opts.max_str]:
                mismatches.append(f"{name}: trace shows {val.text[:120]!r}, "
                                  f"live repr is {repr(ns[name])[:120]!r}")
            continue
        if _norm(val.plain()) != _norm(live):
            mismatches.append(f"{name}: trace shows {val.text[:120]!r}, "
                              f"live value is {repr(ns[name])[:120]!r}")
    emit("check", names=len(names), compared_with_trace=compared, mismatches=mismatches)


def run_noop(path: str, size: int, reps: int, soft: float = float("inf")) -> None:
    """Time the program under do-nothing event callbacks against plain exec (paired)."""
    src = program_source(path, size)
    code = compile(src, f"<bench-{os.path.basename(path)}>", "exec")
    mon = getattr(sys, "monitoring", None)

    def line(code: object, line: int) -> None:
        return None

    def start(code: object, offset: int) -> None:
        return None

    def ret(code: object, offset: int, value: object) -> None:
        return None

    def tracer(frame: object, event: str, arg: object) -> Any:
        return tracer

    def on() -> None:
        if mon is None:
            sys.settrace(tracer)
            return
        E = mon.events
        mon.use_tool_id(5, "ct-bench-noop")
        for event, fn in ((E.LINE, line), (E.PY_START, start), (E.PY_RETURN, ret)):
            mon.register_callback(5, event, fn)
        mon.set_events(5, E.LINE | E.PY_START | E.PY_RETURN)

    def off() -> None:
        if mon is None:
            sys.settrace(None)
            return
        mon.set_events(5, 0)
        mon.free_tool_id(5)

    exec(code, {"__name__": "__main__"})  # noqa: S102 - warm-up
    started = time.perf_counter()
    for i in range(reps):
        if i and time.perf_counter() - started > soft:
            break
        gc.collect()
        t0 = time.perf_counter()
        exec(code, {"__name__": "__main__"})  # noqa: S102
        emit("untraced", seconds=time.perf_counter() - t0)
        gc.collect()
        emit("traced_start")
        t0 = time.perf_counter()
        on()
        try:
            exec(code, {"__name__": "__main__"})  # noqa: S102
        finally:
            off()
        emit("traced", seconds=time.perf_counter() - t0, steps=None)
    emit("done")


def run_scale(path: str, sizes: list[int], backend: str) -> None:
    """Record the program at each size (best of two): time per recorded step vs the run's length."""
    import ct_jupyter
    import ct_jupyter.api  # noqa: F401 - import before timing
    from ct_jupyter.options import TraceOptions

    opts = TraceOptions(io="off", backend=backend, max_steps=MAX_STEPS, max_memory=MAX_MEMORY)
    ct_jupyter.record("x = [1]\nx.append(2)\n", options=opts)
    for size in sizes:
        src = program_source(path, size)
        best, steps = float("inf"), 0
        for _ in range(2):
            ct_jupyter.record("pass", options=opts)
            gc.collect()
            t0 = time.perf_counter()
            trace = ct_jupyter.record(src, options=opts, namespace={"__name__": "__main__"})
            best = min(best, time.perf_counter() - t0)
            steps = len(trace)
            del trace
            if best > 20:
                break
        emit("scale", size=size, steps=steps, seconds=best)
    emit("done")


def _count_steps(trace_json: str) -> int:
    with open(trace_json, encoding="utf-8") as fh:
        return fh.read().count('{"Step":')


def run_codetracer(path: str, size: int, reps: int, workdir: str,
                   soft: float = float("inf")) -> None:
    """Time the CodeTracer Rust recorder (JSON) against runpy on the same file, in-process."""
    import runpy
    import shutil

    import codetracer_python_recorder as ctr

    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    prog = os.path.join(workdir, "prog.py")
    with open(prog, "w", encoding="utf-8") as fh:
        fh.write(program_source(path, size))
    out = os.path.join(workdir, "trace-out")

    def untraced() -> float:
        t0 = time.perf_counter()
        runpy.run_path(prog, run_name="__main__")
        return time.perf_counter() - t0

    def traced() -> float:
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        ctr.start(out, format="json", start_on_enter=prog)
        try:
            runpy.run_path(prog, run_name="__main__")
        finally:
            ctr.flush()
            ctr.stop(exit_code=0)
        return time.perf_counter() - t0

    untraced()  # warm-up
    started = time.perf_counter()
    for i in range(reps):
        if i and time.perf_counter() - started > soft:
            break
        gc.collect()
        emit("untraced", seconds=untraced())
        gc.collect()
        emit("traced_start")
        seconds = traced()
        tj = os.path.join(out, "trace.json")
        emit("traced", seconds=seconds, steps=_count_steps(tj), trace_bytes=os.path.getsize(tj))
    shutil.rmtree(out, ignore_errors=True)
    emit("done")


def main(argv: list[str]) -> None:
    """Dispatch on the mode named in ``argv[0]``."""
    mode, path = argv[0], os.path.abspath(argv[1])
    if mode == "scale":
        for arg in argv:
            if arg.startswith("--core="):
                os.environ["CT_JUPYTER_CORE"] = arg.split("=", 1)[1]
        run_scale(path, [int(n) for n in argv[2].split(",")], argv[3])
        return
    size, reps = int(argv[2]), int(argv[3])
    soft = float("inf")
    for arg in argv:
        if arg.startswith("--soft="):
            soft = float(arg.split("=", 1)[1])
    for arg in argv:
        if arg.startswith("--core="):
            os.environ["CT_JUPYTER_CORE"] = arg.split("=", 1)[1]
    if mode == "ours":
        run_ours(path, size, reps, argv[4], memory="--no-memory" not in argv,
                 check="--no-check" not in argv, soft=soft)
    elif mode == "limit":
        run_ours(path, size, reps, argv[4], memory=False, check=False, soft=soft,
                 max_steps=LIMIT_STEPS)
    elif mode == "noop":
        run_noop(path, size, reps, soft=soft)
    elif mode == "codetracer":
        run_codetracer(path, size, reps, argv[4], soft=soft)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
