"""Benchmark: how much slower a program runs while ct_jupyter records it, vs. CodeTracer's recorder.

Usage (from the repository root, with any Python 3.11+)::

    python benchmarks/run.py                 # full run, about 10 minutes on 2 cores
    python benchmarks/run.py --quick         # small size only, fewer repeats, a few minutes
    python benchmarks/run.py --python 3.13   # another interpreter (default 3.12)
    python benchmarks/run.py --programs fib,bubble --no-codetracer --markdown

The runner creates ``benchmarks/.bench-venv/py<version>`` (git-ignored) with the chosen
interpreter, found as ``$(pyenv root)/versions/<version>.*/bin/python`` or ``python<version>``
on PATH, and installs into it this checkout (editable, so the working tree is measured) and
``codetracer-python-recorder==0.3.0`` — the CodeTracer Rust recorder is never installed anywhere
else. Every measurement runs in a subprocess of that venv (`_worker.py`) with a time budget.

Per program and size it prints: untraced time, recorded time (``ct_jupyter.record`` with full
variable capture, ``io="off"``, limits raised so nothing is truncated), their ratio (the
slowdown), steps recorded, steps per second, bytes of memory per step, and the same for the
CodeTracer recorder writing JSON (in-process: ``start(..., format="json")`` + ``runpy`` +
``flush``/``stop``, vs ``runpy`` alone), with the ratio between the two slowdowns. Times are
medians of paired, interleaved untraced/recorded runs in fresh namespaces, gc on. Memory is
measured in a separate run under tracemalloc: *retained* = bytes the recorded run keeps alive
minus bytes the untraced run keeps alive (i.e. the trace), divided by the steps; the peak
during recording is reported too. For CodeTracer, which writes to disk from Rust, the column is
the size of ``trace.json`` per step. When a run exceeds its time budget it is stopped and the
slowdown is reported as a lower bound (``>N``): elapsed time / median untraced time.

Finally it prints a verdict per target (targets to report against, not tests).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "_worker.py")
VIEWER = os.path.join(HERE, "_viewer.py")
#: the viewer measurement: sieve at this size records about 1,200,000 steps
VIEWER_PROGRAM, VIEWER_SIZE = "sieve", 200_000
TARGET_VIEWER_S = 1.0
CT_REQUIREMENT = "codetracer-python-recorder==0.3.0"


@dataclass(frozen=True)
class Program:
    """A benchmark program, its sizes (untraced ~2 ms, ~20 ms, ~300 ms) and scaling sizes."""

    name: str
    small: int
    cell: int
    large: int
    loop_heavy: bool
    what: str
    #: sizes for the scaling column: about 1,000, 30,000 and 1,000,000 recorded steps
    scale: tuple[int, ...] = ()

    def size(self, size_class: str) -> int:
        """Return N for ``small``, ``cell`` or ``large``."""
        return int(getattr(self, size_class))


# Sizes calibrated on the 2-core benchmark machine with CPython 3.12: *cell* ~20 ms untraced (a
# notebook cell), *large* ~300 ms, *small* ~2 ms: the size at which CodeTracer (600-30,000x
# slower) finishes within its budget, so both recorders are compared on the same size.
PROGRAMS = (
    Program("fib", 22, 27, 32, False, "recursion: naive fib(N)", (12, 19, 27)),
    Program("matmul", 28, 60, 140, True, "nested loops at cell level: N x N matrix product",
            (8, 23, 74)),
    Program("sieve", 30_000, 300_000, 2_000_000, True, "nested loops in a function: sieve",
            (200, 6_000, 200_000)),
    Program("wordcount", 4_500, 45_000, 500_000, False, "string/dict: build N words, count",
            (140, 4_300, 142_000)),
    Program("objects", 2_400, 24_000, 250_000, False, "classes, methods, sort with a key",
            (95, 2_800, 95_000)),
    Program("bubble", 2, 20, 250, True, "bubble sort of 200 items, N times", (1, 2, 16)),
    Program("reprclass", 3_000, 30_000, 400_000, False,
            "classes that define __repr__, methods called in a loop", (88, 2_600, 88_000)),
    Program("replace", 3_700, 37_000, 500_000, False,
            "a new list stored into a dict slot and an attribute each iteration",
            (250, 7_500, 250_000)),
    Program("generators", 9_000, 90_000, 1_200_000, False, "a pipeline of generators",
            (118, 3_500, 118_000)),
    Program("closures", 4_200, 42_000, 600_000, False, "closures with nonlocal state",
            (150, 4_500, 151_000)),
    Program("comprehensions", 230, 2_300, 30_000, False,
            "list/dict/set comprehensions in a loop", (200, 6_000, 200_000)),
    Program("strbuild", 1_800, 18_000, 250_000, False, "string building: +=, f-strings, join",
            (195, 5_800, 195_000)),
    Program("library", 100, 1_000, 15_000, False,
            "library-heavy: re, json, collections, heapq, statistics from a short loop",
            (166, 5_000, 40_000)),
)
SIZE_CLASSES = ("small", "cell", "large")

TARGET_MEDIAN = 25.0
TARGET_WORST = 60.0
TARGET_VS_CT = 20.0
TARGET_BYTES = 100.0
TARGET_SCALING = 1.5
TARGET_AFTER_LIMIT = 2.0
#: what a row of ours is called: "<backend>:<core>", e.g. "sysmon:c"; plus these special rows
NOOP, LIMIT, SCALE, CT = "noop", "after-limit", "scaling", "codetracer"


@dataclass
class Row:
    """Everything measured for one program, size and recorder configuration."""

    program: str
    size_class: str  # small | cell | large
    size: int
    recorder: str  # "sysmon:c" | "sysmon:python" | "settrace:…" | noop | after-limit | scaling | codetracer
    untraced: list[float] = field(default_factory=list)
    traced: list[float] = field(default_factory=list)
    steps: int | None = None
    timed_out: bool = False
    lower_bound: float | None = None
    error: str | None = None
    bytes_retained: int | None = None
    bytes_peak: int | None = None
    trace_bytes: int | None = None
    mismatches: list[str] | None = None
    compared: int | None = None
    truncated: bool = False
    dropped: int | None = None
    dropped_exact: bool | None = None
    core: str | None = None
    #: scaling rows: [size, steps, seconds] per size
    scale: list[list[float]] = field(default_factory=list)

    @property
    def untraced_median(self) -> float | None:
        return statistics.median(self.untraced) if self.untraced else None

    @property
    def traced_median(self) -> float | None:
        return statistics.median(self.traced) if self.traced else None

    @property
    def slowdown(self) -> float | None:
        """Median of the paired ratios (each recorded run over the untraced run just before it)."""
        pairs = [t / u for u, t in zip(self.untraced, self.traced) if u > 0]
        if pairs:
            return statistics.median(pairs)
        return self.lower_bound

    @property
    def is_lower_bound(self) -> bool:
        return not self.traced and self.lower_bound is not None

    @property
    def scaling(self) -> float | None:
        """Time per step at the most steps / the least time per step at fewer steps (1 = linear)."""
        pts = [(steps, sec / steps) for _, steps, sec in self.scale if steps]
        if len(pts) < 2:
            return None
        pts.sort()
        return pts[-1][1] / min(p for _, p in pts[:-1])

    @property
    def bytes_per_step(self) -> float | None:
        if self.steps:
            if self.bytes_retained is not None:
                return self.bytes_retained / self.steps
            if self.trace_bytes is not None:
                return self.trace_bytes / self.steps
        return None


# -- environment -----------------------------------------------------------------------------

def find_python(version: str) -> str:
    """Return the path of a CPython ``version`` interpreter (pyenv first, then PATH)."""
    roots = []
    try:
        roots.append(subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                                    check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    roots.append(os.path.expanduser("~/.pyenv"))
    found: list[str] = []
    for root in roots:
        found += glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python"))

    def key(path: str) -> tuple[int, ...]:
        m = re.search(r"versions/(\d+)\.(\d+)\.(\d+)", path)
        return tuple(int(g) for g in m.groups()) if m else (0,)

    found = [p for p in found if re.search(rf"versions/{re.escape(version)}\.\d+/", p)]
    if found:
        return max(found, key=key)
    on_path = shutil.which(f"python{version}")
    if on_path:
        return on_path
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    raise SystemExit(f"no Python {version} found: install it with pyenv "
                     f"(pyenv install {version}) or put python{version} on PATH")


def ensure_venv(version: str, with_ct: bool) -> tuple[str, bool]:
    """Create/refresh the benchmark venv; return (its python, whether CodeTracer is usable)."""
    base = find_python(version)
    venv = os.path.join(HERE, ".bench-venv", f"py{version}")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        print(f"creating {os.path.relpath(venv, REPO)} with {base}", flush=True)
        subprocess.run([base, "-m", "venv", venv], check=True)
    marker = os.path.join(venv, ".installed")
    digest = hashlib.sha1()
    core_dir = os.path.join(REPO, "ct_jupyter", "core")
    core_files = sorted(os.path.join("ct_jupyter", "core", f) for f in os.listdir(core_dir)
                        if f.startswith("_ccore") and f.endswith((".c", ".h")))
    for name in ("pyproject.toml", "setup.py", *core_files):
        with open(os.path.join(REPO, name), "rb") as fh:  # reinstall (rebuild) when they change
            digest.update(fh.read())
    wanted = f"{REPO} {digest.hexdigest()}"
    have = ""
    if os.path.exists(marker):
        with open(marker) as fh:
            have = fh.read()
    if have != wanted:
        print("installing this checkout (editable) into the benchmark venv ...", flush=True)
        done = subprocess.run([py, "-m", "pip", "install", "-q", "-e", REPO],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"pip install -e {REPO} failed:\n{done.stdout}{done.stderr}")
        with open(marker, "w") as fh:
            fh.write(wanted)
    has_ct = _imports(py, "codetracer_python_recorder")
    if with_ct and not has_ct:
        print(f"installing {CT_REQUIREMENT} into the benchmark venv ...", flush=True)
        done = subprocess.run([py, "-m", "pip", "install", "-q", CT_REQUIREMENT],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"  could not install {CT_REQUIREMENT} for Python {version}; "
                  "CodeTracer columns will be empty", flush=True)
    return py, with_ct and _imports(py, "codetracer_python_recorder")


def _imports(py: str, module: str) -> bool:
    return subprocess.run([py, "-c", f"import {module}"], capture_output=True,
                          check=False).returncode == 0


# -- measuring ---------------------------------------------------------------------------------

def run_worker(py: str, args: list[str], row: Row, budget: float) -> None:
    """Run one `_worker.py` measurement, folding its events into ``row``; stop it at ``budget``."""
    errfile = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([py, WORKER, *args], stdout=subprocess.PIPE, stderr=errfile,
                            cwd=REPO)
    assert proc.stdout is not None
    start = time.monotonic()
    traced_started: float | None = None
    deadline = start + budget
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = ""
    finished = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if not sel.select(timeout=min(left, 1.0)):
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 65536).decode()
        if not chunk:
            break
        buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            if not line.strip():
                continue
            ev = json.loads(line)
            kind = ev["event"]
            if kind == "untraced":
                row.untraced.append(ev["seconds"])
            elif kind == "traced_start":
                traced_started = time.monotonic()
            elif kind == "traced":
                traced_started = None
                row.traced.append(ev["seconds"])
                row.steps = ev["steps"]
                row.trace_bytes = ev.get("trace_bytes")
                row.core = ev.get("core", row.core)
                if ev.get("stop_reason") or ev.get("dropped"):
                    row.truncated = True
                    row.dropped = ev.get("dropped")
                    row.dropped_exact = ev.get("dropped_exact")
                if ev.get("failure"):
                    row.error = f"recorder failure: {ev['failure']}"
            elif kind == "memory":
                row.bytes_retained = ev["retained"]
                row.bytes_peak = ev["peak"]
                if row.steps is None:
                    row.steps = ev["steps"]
            elif kind == "scale":
                row.scale.append([ev["size"], ev["steps"], ev["seconds"]])
            elif kind == "check":
                row.mismatches = ev["mismatches"]
                row.compared = ev["compared_with_trace"]
            elif kind == "done":
                finished = True
    if not finished and proc.poll() is None:
        proc.kill()
        row.timed_out = True
        if traced_started is not None and row.untraced:
            elapsed = time.monotonic() - traced_started
            row.lower_bound = elapsed / statistics.median(row.untraced)
    proc.wait()
    proc.stdout.close()
    errfile.seek(0)
    err = errfile.read()
    errfile.close()
    if not finished and not row.timed_out:
        row.error = (err.strip().splitlines() or ["worker failed"])[-1][:200]


@dataclass
class Plan:
    """What one invocation measures."""

    programs: list[Program]
    sizes: list[str]
    reps: dict[str, int]
    ct_reps: int
    soft: dict[str, float]
    ct_budget: float
    ct_sizes: list[str]
    hard_min: float
    settrace: bool
    codetracer: bool
    memory_large: bool
    cores: list[str] = field(default_factory=lambda: ["c", "python"])
    noop: bool = True
    limit: bool = True
    scale_points: int = 3  # how many of each program's scaling sizes run (0: no scaling column)
    only_limit: bool = False  # only the after-limit rows
    primary: str = "sysmon"  # the headline backend: sysmon, or settrace before 3.12


def measure(py: str, plan: Plan, ct_ok: bool, tmp: str) -> list[Row]:
    """Run every measurement of ``plan`` and return the rows in table order."""
    rows: list[Row] = []
    for prog in plan.programs:
        path = os.path.join(HERE, "programs", f"{prog.name}.py")
        for size_class in plan.sizes:
            size = prog.size(size_class)
            backends = [plan.primary]
            if plan.settrace and size_class == "cell" and plan.primary != "settrace":
                backends.append("settrace")
            for backend in backends if not plan.only_limit else []:
                for core in plan.cores:
                    row = Row(prog.name, size_class, size, f"{backend}:{core}")
                    extra = [f"--core={core}"]
                    headline = backend == plan.primary and core == plan.cores[0]
                    if not headline:
                        extra.append("--no-memory")  # memory is about what is stored: the same
                        extra.append("--no-check")  # values: test_cores checks both cores agree
                    if size_class != "cell":  # values and memory: checked at the cell size
                        extra.append("--no-check")
                        if not (plan.memory_large and size_class == "large") \
                                and "--no-memory" not in extra:
                            extra.append("--no-memory")
                    soft = plan.soft[size_class] * (0.5 if not headline else 1.0)
                    _progress(row)
                    run_worker(py, ["ours", path, str(size), str(plan.reps[size_class]), backend,
                                    f"--soft={soft}", *extra], row, max(4 * soft, plan.hard_min))
                    rows.append(row)
                    _progress_done(row)
            if plan.noop:
                row = Row(prog.name, size_class, size, NOOP)
                soft = plan.soft[size_class] / 2
                _progress(row)
                run_worker(py, ["noop", path, str(size), str(plan.reps[size_class]),
                                f"--soft={soft}"], row, max(4 * soft, plan.hard_min))
                rows.append(row)
                _progress_done(row)
            if plan.limit and size_class == "cell":
                row = Row(prog.name, size_class, size, LIMIT)
                soft = plan.soft[size_class] / 2
                _progress(row)
                run_worker(py, ["limit", path, str(size), str(plan.reps[size_class]),
                                plan.primary, f"--core={plan.cores[0]}", f"--soft={soft}"], row,
                           max(4 * soft, plan.hard_min))
                rows.append(row)
                _progress_done(row)
            if plan.codetracer and size_class in plan.ct_sizes:
                row = Row(prog.name, size_class, size, CT)
                if not ct_ok:
                    row.error = f"{CT_REQUIREMENT} not installed"
                else:
                    _progress(row)
                    run_worker(py, ["codetracer", path, str(size), str(plan.ct_reps),
                                    os.path.join(tmp, prog.name), f"--soft={plan.ct_budget / 2}"],
                               row, plan.ct_budget)
                    _progress_done(row)
                rows.append(row)
        if plan.scale_points and prog.scale:
            sizes = prog.scale[:plan.scale_points]
            row = Row(prog.name, "scaling", sizes[-1], SCALE)
            _progress(row)
            run_worker(py, ["scale", path, ",".join(map(str, sizes)), plan.primary,
                            f"--core={plan.cores[0]}"], row, max(plan.hard_min, 120.0))
            rows.append(row)
            _progress_done(row)
    return rows


def measure_viewer(py: str, core: str) -> dict[str, float] | None:
    """Time opening the viewer on a ~1M-step recording (`_viewer.py`); None if it failed."""
    print(f"  viewer     {VIEWER_PROGRAM} N={VIEWER_SIZE:,} ...", end="", flush=True)
    env = dict(os.environ, CT_JUPYTER_CORE=core)
    try:
        done = subprocess.run([py, VIEWER, os.path.join(HERE, "programs", f"{VIEWER_PROGRAM}.py"),
                               str(VIEWER_SIZE)], capture_output=True, text=True, cwd=REPO,
                              env=env, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        print(" stopped after 600 s", flush=True)
        return None
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f" ERROR {(done.stderr.strip().splitlines() or ['failed'])[-1][:200]}", flush=True)
        return None
    result = json.loads(lines[-1])
    print(f" {result['steps']:,} steps, opens in {result['open_s']:.3f} s", flush=True)
    return result


def viewer_verdict(viewer: dict[str, float]) -> str:
    """The verdict line for the viewer target."""
    ok = viewer["open_s"] < TARGET_VIEWER_S
    return (f"the viewer opens a {viewer['steps']:,}-step recording in < {TARGET_VIEWER_S:g} s: "
            f"{'MET' if ok else 'MISSED'} — {viewer['open_s']:.3f} s (first open: widget "
            f"summary + start view + source; again: {viewer['reopen_s']:.3f} s)")


def _progress(row: Row) -> None:
    print(f"  {row.program:<10} {row.size_class:<6} N={row.size:<9} {row.recorder:<10} ...",
          end="", flush=True)


def _progress_done(row: Row) -> None:
    if row.recorder == SCALE:
        pts = ", ".join(f"{int(st):,} steps {sec / st * 1e6:.2f} us/step" for _, st, sec in row.scale)
        print(f" {pts}{' ERROR ' + row.error if row.error else ''}", flush=True)
        return
    s = row.slowdown
    text = "-" if s is None else (">" if row.is_lower_bound else "") + f"{s:,.1f}x"
    print(f" {text}{' (stopped at its time budget)' if row.timed_out else ''}"
          f"{' ERROR ' + row.error if row.error else ''}", flush=True)


# -- reporting ---------------------------------------------------------------------------------

def _fmt_x(value: float | None, lower: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
    return (">" if lower else "") + text + "x"


def _fmt_ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"


OURS = ("sysmon:c", "sysmon:python", "settrace:c", "settrace:python")


def _primary(rows: list[Row]) -> str:
    """The headline recorder of a run: sysmon (settrace before 3.12), the C core if built."""
    have = {r.recorder for r in rows if r.slowdown is not None or r.error is None}
    for name in OURS:
        if name in have:
            return name
    return OURS[0]


def table(rows: list[Row], markdown: bool) -> str:
    """Render the results: one line per program and size, every recorder side by side."""
    primary = _primary(rows)
    by: dict[tuple[str, str], dict[str, Row]] = {}
    order: list[tuple[str, str]] = []
    scaling: dict[str, Row] = {}
    for r in rows:
        if r.recorder == SCALE:
            scaling[r.program] = r
            continue
        key = (r.program, r.size_class)
        if key not in by:
            by[key] = {}
            order.append(key)
        by[key][r.recorder] = r
    ours_cols = [name for name in OURS if any(name in d for d in by.values())]
    head = ["program", "size", "N", "untraced ms", "steps",
            *[f"ours {name}" for name in ours_cols], "no-op floor", "after limit", "B/step",
            "CodeTracer", "CT/ours", "us/step 1k..1M", "scaling", "final values"]
    lines = []
    for key in order:
        d = by[key]
        main_row = d.get(primary) or next((d[n] for n in ours_cols if n in d), None) \
            or d.get(LIMIT) or d.get(NOOP)
        if main_row is None:
            continue
        c = d.get(CT)
        ratio = None
        if main_row.slowdown and c and c.slowdown and not main_row.is_lower_bound:
            ratio = c.slowdown / main_row.slowdown
        if main_row.mismatches is None:
            check = "-"
        elif main_row.mismatches:
            check = f"MISMATCH ({len(main_row.mismatches)})"
        else:
            check = f"ok ({main_row.compared} vars)"
        sc = scaling.get(key[0]) if key[1] == "cell" else None
        ct_cell = "-" if c is None else (c.error and "n/a") or _fmt_x(c.slowdown, c.is_lower_bound)
        lim = d.get(LIMIT)
        cells = [key[0], key[1], f"{main_row.size:,}", _fmt_ms(main_row.untraced_median),
                 "-" if main_row.steps is None else f"{main_row.steps:,}"]
        for name in ours_cols:
            r = d.get(name)
            cells.append("-" if r is None else ("ERR" if r.error and r.slowdown is None else
                                                _fmt_x(r.slowdown, r.is_lower_bound)))
        noop = d.get(NOOP)
        cells += [
            "-" if noop is None else _fmt_x(noop.slowdown, noop.is_lower_bound),
            "-" if lim is None else _fmt_x(lim.slowdown, lim.is_lower_bound),
            "-" if main_row.bytes_per_step is None else f"{main_row.bytes_per_step:,.0f}",
            ct_cell,
            "-" if ratio is None else _fmt_x(ratio, bool(c and c.is_lower_bound)),
            "-" if sc is None or not sc.scale else " / ".join(
                f"{sec / st * 1e6:.2f}" for _, st, sec in sorted(sc.scale, key=lambda x: x[1])),
            "-" if sc is None or sc.scaling is None else f"{sc.scaling:.2f}x",
            check,
        ]
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h)
              for i, h in enumerate(head)]
    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(cells))

    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(c) for c in lines])


def verdicts(rows: list[Row], programs: list[Program]) -> list[str]:
    """Return one line per target: MET / MISSED / INCONCLUSIVE, with the figures behind it."""
    out = []
    primary = _primary(rows)
    ours = [r for r in rows if r.recorder == primary and r.slowdown is not None]
    for label, subset in (("cell size", [r for r in ours if r.size_class == "cell"]),
                          ("large size", [r for r in ours if r.size_class == "large"]),
                          ("all sizes", ours)):
        if not subset:
            continue
        slows = [r.slowdown for r in subset]  # type: ignore[misc]
        med = statistics.median(slows)  # type: ignore[type-var]
        worst = max(subset, key=lambda r: r.slowdown)  # type: ignore[arg-type,return-value]
        lower = any(r.is_lower_bound for r in subset)
        out.append(f"median slowdown <= {TARGET_MEDIAN:g}x ({label}, {primary}): "
                   f"{'MET' if med <= TARGET_MEDIAN else 'MISSED'} — median "
                   f"{med:,.1f}x{' (some rows are lower bounds)' if lower else ''}")
        out.append(f"worst slowdown <= {TARGET_WORST:g}x ({label}, {primary}): "
                   f"{'MET' if worst.slowdown <= TARGET_WORST else 'MISSED'} — worst "  # type: ignore[operator]
                   f"{worst.program}/{worst.size_class} {_fmt_x(worst.slowdown, worst.is_lower_bound)}")
    ct = {(r.program, r.size_class): r for r in rows if r.recorder == CT}
    parts, status = [], []
    for r in ours:
        c = ct.get((r.program, r.size_class))
        if c is None or c.slowdown is None or c.error:
            continue
        if r.is_lower_bound:
            status.append("INCONCLUSIVE" if c.is_lower_bound else "MISSED")
            parts.append(f"{r.program}/{r.size_class} ? (ours stopped)")
            continue
        ratio = c.slowdown / r.slowdown  # type: ignore[operator]
        if ratio >= TARGET_VS_CT:
            status.append("MET")
        elif c.is_lower_bound:
            status.append("INCONCLUSIVE")
        else:
            status.append("MISSED")
        parts.append(f"{r.program}/{r.size_class} {'>=' if c.is_lower_bound else ''}{ratio:,.0f}x")
    if parts:
        overall = ("MISSED" if "MISSED" in status else
                   "INCONCLUSIVE" if "INCONCLUSIVE" in status else "MET")
        out.append(f">= {TARGET_VS_CT:g}x less slowdown than CodeTracer on every program (same "
                   f"size, same run): {overall} — " + ", ".join(parts))
    scal = [r for r in rows if r.recorder == SCALE and r.scaling is not None]
    if scal:
        bad = [r for r in scal if r.scaling > TARGET_SCALING]  # type: ignore[operator]
        out.append(f"linear: time per step at the most steps <= {TARGET_SCALING:g}x the least "
                   f"at fewer steps ({primary}): {'MISSED' if bad else 'MET'} — "
                   + ", ".join(f"{r.program} {r.scaling:.2f}x (to {int(max(s[1] for s in r.scale)):,}"
                               " steps)" for r in scal))
    lim = [r for r in rows if r.recorder == LIMIT and r.slowdown is not None]
    if lim:
        bad = [r for r in lim if r.slowdown > TARGET_AFTER_LIMIT]  # type: ignore[operator]
        out.append(f"after a limit (max_steps) the program runs at <= {TARGET_AFTER_LIMIT:g}x "
                   f"plain: {'MISSED' if bad else 'MET'} — "
                   + ", ".join(f"{r.program} {r.slowdown:.2f}x" for r in lim))
    heavy = {p.name for p in programs if p.loop_heavy}
    mem = [r for r in ours if r.program in heavy and r.bytes_retained is not None and r.steps]
    if mem:
        ok = all(r.bytes_per_step < TARGET_BYTES for r in mem)  # type: ignore[operator]
        out.append(f"< {TARGET_BYTES:g} B retained per step on loop-heavy programs "
                   f"({', '.join(sorted(heavy))}): {'MET' if ok else 'MISSED'} — "
                   + ", ".join(f"{r.program}/{r.size_class} {r.bytes_per_step:,.0f} B"
                               for r in mem))
    checked = [r for r in rows if r.mismatches is not None]
    bad_rows = [r for r in checked if r.mismatches]
    if not checked:
        out.append("final variables of recorded runs equal the untraced runs: NOT CHECKED "
                   "(they are checked at the cell size, and no cell row finished its check)")
    else:
        missing = sorted({f"{r.program}/{r.recorder}" for r in rows
                          if r.recorder == primary and r.size_class == "cell"
                          and r.mismatches is None})
        out.append("final variables of recorded runs equal the untraced runs: "
                   + ("YES" if not bad_rows else "NO — " + "; ".join(
                       f"{r.program}/{r.recorder}: {m}" for r in bad_rows
                       for m in r.mismatches or []))
                   + f" ({len(checked)} rows checked"
                   + (f"; not checked: {', '.join(missing)}" if missing else "") + ")")
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse options, set up the venv, measure, print the table and the verdicts."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small size only, sysmon only, fewer repeats, scaling to ~30k steps")
    ap.add_argument("--python", default="3.12", help="interpreter version (default 3.12)")
    ap.add_argument("--programs", default="", help="comma-separated subset of: "
                    + ",".join(p.name for p in PROGRAMS))
    ap.add_argument("--sizes", default="", help="any of small,cell,large (default: all three; "
                    "--quick: small,cell)")
    ap.add_argument("--ct-sizes", default="small", help="sizes at which CodeTracer also runs "
                    "(default small: at cell size it rarely finishes within its budget)")
    ap.add_argument("--reps", type=int, default=0, help="paired runs per row at most (default 5; "
                    "large 3; --quick 3)")
    ap.add_argument("--no-settrace", action="store_true", help="skip the settrace rows")
    ap.add_argument("--cores", default="c,python",
                    help="recorder cores to measure, the first is the headline (default c,python; "
                    "the C core is dropped when it was not built)")
    ap.add_argument("--no-noop", action="store_true", help="skip the no-op callback floor")
    ap.add_argument("--no-viewer", action="store_true",
                    help="skip timing the viewer opening a ~1M-step recording (--quick skips it)")
    ap.add_argument("--no-limit", action="store_true", help="skip the after-limit column")
    ap.add_argument("--only-limit", action="store_true",
                    help="measure only the after-limit column (and nothing else)")
    ap.add_argument("--scale-points", type=int, default=-1,
                    help="scaling sizes per program (~1k, ~30k, ~1M steps; default 3, --quick 2, "
                    "0 = no scaling column)")
    ap.add_argument("--no-codetracer", action="store_true", help="skip the CodeTracer columns")
    ap.add_argument("--memory-large", action="store_true",
                    help="also measure memory at the large size (slow)")
    ap.add_argument("--budget", type=float, default=0,
                    help="seconds of paired runs per row of ours before it stops adding repeats "
                    "(default: small 3, cell 15, large 20, settrace half; --quick cell 4); a row "
                    "is stopped outright at 4x this (at least 60 s; --quick 30 s)")
    ap.add_argument("--ct-budget", type=float, default=0,
                    help="seconds allowed per CodeTracer measurement (default 25; --quick 5)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--from-json", metavar="FILE", help="print the table and verdicts of a saved "
                    "run (a results JSON) instead of measuring")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "latest.json"),
                    help="where to save the raw results (default benchmarks/results/latest.json)")
    args = ap.parse_args(argv)

    if args.from_json:
        with open(args.from_json) as fh:
            saved = json.load(fh)
        fields = {f for f in Row.__dataclass_fields__}
        rows = [Row(**{k: v for k, v in r.items() if k in fields}) for r in saved["rows"]]
        print(f"benchmark of {saved['date']}: Python {saved['python']}, {saved['cores']} cores"
              f"{', --quick' if saved.get('quick') else ''}\n")
        print(table(rows, args.markdown))
        print()
        for line in verdicts(rows, list(PROGRAMS)):
            print(("- " if args.markdown else "  ") + line)
        if saved.get("viewer"):
            print(("- " if args.markdown else "  ") + viewer_verdict(saved["viewer"]))
        return 0
    names = [n for n in args.programs.split(",") if n]
    unknown = sorted(set(names) - {p.name for p in PROGRAMS})
    if unknown:
        ap.error(f"unknown program(s): {', '.join(unknown)}")
    programs = [p for p in PROGRAMS if not names or p.name in names]
    sizes = [s for s in args.sizes.split(",") if s] or (["small"] if args.quick else
                                                         list(SIZE_CLASSES))
    ct_sizes = [s for s in args.ct_sizes.split(",") if s]
    if set(sizes) - set(SIZE_CLASSES) or set(ct_sizes) - set(SIZE_CLASSES):
        ap.error("--sizes and --ct-sizes take small, cell and/or large")
    sizes = [s for s in SIZE_CLASSES if s in sizes]
    plan = Plan(
        programs=programs, sizes=sizes,
        reps={"small": args.reps or (3 if args.quick else 5),
              "cell": args.reps or (2 if args.quick else 5), "large": args.reps or 3},
        ct_reps=args.reps or (2 if args.quick else 3),
        soft={"small": args.budget or 3, "cell": args.budget or (4 if args.quick else 15),
              "large": args.budget or 20},
        ct_budget=args.ct_budget or (5 if args.quick else 25),
        ct_sizes=ct_sizes,
        hard_min=30.0 if args.quick else 60.0,
        settrace=not args.no_settrace and not args.quick,
        codetracer=not args.no_codetracer,
        memory_large=args.memory_large,
        cores=[c for c in args.cores.split(",") if c],
        noop=not args.no_noop,
        limit=not args.no_limit,
        scale_points=args.scale_points if args.scale_points >= 0 else (2 if args.quick else 3),
    )
    if args.only_limit:
        plan.only_limit = True
        plan.noop = plan.codetracer = plan.settrace = False
        plan.scale_points = 0
        plan.limit = True
    if set(plan.cores) - {"c", "python"} or not plan.cores:
        ap.error("--cores takes c and/or python")
    t0 = time.monotonic()
    py, ct_ok = ensure_venv(args.python, plan.codetracer)
    script = "import sys, platform; print(platform.python_version(), sys.implementation.name)"
    info = subprocess.run([py, "-c", script], capture_output=True, text=True,
                          check=True).stdout.strip()
    print(f"benchmark: Python {info} ({py}), {os.cpu_count()} cores, {platform.machine()}, "
          f"load average {os.getloadavg()[0]:.1f} at start; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    if tuple(int(x) for x in info.split()[0].split(".")[:2]) < (3, 12):
        plan.primary = "settrace"  # no sys.monitoring before 3.12
    if "c" in plan.cores and not _imports(py, "ct_jupyter.core._ccore"):
        print("  the C core was not built in the benchmark venv (no compiler?): Python core only",
              flush=True)
        plan.cores = [c for c in plan.cores if c != "c"] or ["python"]
    with tempfile.TemporaryDirectory(prefix="ctbench-") as tmp:
        rows = measure(py, plan, ct_ok, tmp)
    viewer = None if args.quick or args.no_viewer or args.only_limit else \
        measure_viewer(py, plan.cores[0])
    print()
    print(table(rows, args.markdown))
    print()
    for line in verdicts(rows, programs):
        print("  " + line)
    if viewer is not None:
        print("  " + viewer_verdict(viewer))
    elapsed = time.monotonic() - t0
    print(f"\n(load average {os.getloadavg()[0]:.1f} at the end; {elapsed:,.0f} s in all; "
          "slowdown = median of paired recorded/untraced ratios, measured side by side on a "
          "shared machine: compare ratios, not times; ours <backend>:<core>; no-op floor = "
          "do-nothing Python callbacks on every line/call/return; after limit = whole run with "
          "max_steps=100 / untraced; B/step = bytes the trace keeps alive per step "
          "(tracemalloc), CodeTracer: trace.json bytes per step; us/step at ~1k/~30k/~1M "
          "recorded steps, scaling = the last / the least before it; '>' = lower bound, the "
          "run was stopped at its time budget)")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump({"python": info, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "cores": os.cpu_count(), "quick": args.quick, "viewer": viewer,
                       "rows": [asdict(r) | {"slowdown": r.slowdown} for r in rows]}, fh,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
