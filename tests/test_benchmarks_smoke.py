"""The benchmark programs, at tiny sizes, record correctly on every backend (no timing here).

Each program of ``benchmarks/programs`` runs once untraced and once under ``ct_jupyter.record``;
the recorded run must compute the same variables, and the trace's final values must equal them.
The runner's report logic (slowdowns, lower bounds, verdicts) is checked on made-up rows.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType

import pytest

import ct_jupyter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")
TINY = {"fib": 10, "matmul": 5, "sieve": 300, "wordcount": 80, "objects": 40, "bubble": 1,
        "reprclass": 40, "replace": 150, "generators": 60, "closures": 60, "comprehensions": 12,
        "strbuild": 120, "library": 10}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", os.path.join(BENCH, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


worker = _load("_worker")
runner = _load("run")


def test_every_program_file_is_benchmarked() -> None:
    files = sorted(f[:-3] for f in os.listdir(os.path.join(BENCH, "programs")) if f.endswith(".py"))
    assert files == sorted(p.name for p in runner.PROGRAMS) == sorted(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_program_records_the_same_values(name: str, backend: str) -> None:
    src = worker.program_source(os.path.join(BENCH, "programs", f"{name}.py"), TINY[name])
    assert src.startswith(f"N = {TINY[name]}  #")
    plain_ns: dict[str, object] = {"__name__": "__main__"}
    exec(compile(src, f"<plain-{name}>", "exec"), plain_ns)  # noqa: S102 - the untraced run
    rec_ns: dict[str, object] = {"__name__": "__main__"}
    trace = ct_jupyter.record(src, namespace=rec_ns, io="off", backend=backend)

    assert trace.outcome is not None and trace.outcome.status == "returned"
    assert trace.stop_reason is None and trace.dropped_steps == 0
    assert trace.meta["backend"] == backend
    assert len(trace) > 50
    names = worker.data_names(plain_ns)
    assert "result" in names
    assert worker.data_names(rec_ns) == names
    final = trace.variables(len(trace), 0)
    for var in names:
        live = worker.plain(plain_ns[var])
        assert worker.plain(rec_ns[var]) == live, var
        assert worker._fits(plain_ns[var], 1000, 10_000), var  # tiny sizes: nothing is cut
        assert var in final, var
        if final[var].kind == "repr":  # a library object, shown by its repr
            assert final[var].text == repr(plain_ns[var]), var
            continue
        assert worker._norm(final[var].plain()) == worker._norm(live), var


def test_first_line_must_be_the_size(tmp_path) -> None:
    bad = tmp_path / "p.py"
    bad.write_text("x = 1\nN = 3\n")
    with pytest.raises(SystemExit, match="first line"):
        worker.program_source(str(bad), 5)


def _row(program: str, recorder: str, untraced: list[float], traced: list[float], **kw) -> object:
    size_class = kw.pop("size_class", "cell")
    row = runner.Row(program, size_class, 10, recorder, untraced=untraced, traced=traced)
    for key, value in kw.items():
        setattr(row, key, value)
    return row


def test_slowdown_is_the_median_of_paired_ratios() -> None:
    row = _row("fib", "sysmon:c", [1.0, 2.0, 1.0], [10.0, 30.0, 40.0])
    assert row.slowdown == 15.0  # ratios 10, 15, 40
    assert not row.is_lower_bound
    stopped = _row("fib", "codetracer", [0.5], [], lower_bound=300.0, timed_out=True)
    assert stopped.slowdown == 300.0 and stopped.is_lower_bound


def test_scaling_compares_time_per_step_at_the_most_steps_with_fewer() -> None:
    linear = _row("sieve", "scaling", [], [], scale=[[200, 1_000, 0.002], [6_000, 30_000, 0.05],
                                                     [200_000, 1_000_000, 1.9]])
    assert linear.scaling == pytest.approx((1.9 / 1_000_000) / (0.05 / 30_000))
    quadratic = _row("replace", "scaling", [], [], scale=[[1, 1_000, 0.001], [2, 10_000, 0.1]])
    assert quadratic.scaling == pytest.approx(10.0)
    assert _row("x", "scaling", [], [], scale=[[1, 1_000, 0.001]]).scaling is None


def test_verdicts_report_met_missed_and_inconclusive() -> None:
    rows = [
        _row("fib", "sysmon:c", [1.0], [20.0], steps=100, bytes_retained=5_000,
             mismatches=[], compared=2),
        _row("fib", "sysmon:python", [1.0], [70.0], steps=100),
        _row("fib", "noop", [1.0], [6.0]),
        _row("fib", "after-limit", [1.0], [1.5], steps=1000, dropped=1000, dropped_exact=False),
        _row("fib", "sysmon:c", [1.0], [25.0], size_class="small"),
        _row("fib", "codetracer", [1.0], [1250.0], steps=120, size_class="small"),
        _row("fib", "scaling", [], [], size_class="scaling",
             scale=[[12, 1_000, 0.002], [19, 30_000, 0.045], [27, 1_000_000, 1.6]]),
        _row("bubble", "sysmon:c", [1.0], [90.0], steps=100, bytes_retained=20_000,
             mismatches=["data: trace shows '[1]', live value is '[2]'"], compared=3),
        _row("bubble", "after-limit", [1.0], [2.5]),
        _row("bubble", "sysmon:c", [1.0], [100.0], size_class="small"),
        _row("bubble", "codetracer", [1.0], [], lower_bound=500.0, timed_out=True,
             size_class="small"),
        _row("bubble", "scaling", [], [], size_class="scaling",
             scale=[[1, 60_000, 0.1], [16, 1_000_000, 3.0]]),
    ]
    lines = runner.verdicts(rows, list(runner.PROGRAMS))
    text = "\n".join(lines)
    assert "median slowdown <= 25x (cell size, sysmon:c): MISSED — median 55.0x" in text
    assert "worst slowdown <= 60x (cell size, sysmon:c): MISSED — worst bubble/cell 90.0x" in text
    assert "worst slowdown <= 60x (all sizes, sysmon:c): MISSED — worst bubble/small 100x" in text
    # compared at the same size: fib 1250/25 = 50x MET; bubble >=5x only a lower bound
    assert ">= 20x less slowdown than CodeTracer on every program (same size, same run): " \
        "INCONCLUSIVE" in text
    assert "fib/small 50x" in text and "bubble/small >=5x" in text
    # fib: 1.6 us/step at 1M vs 1.5 at 30k -> 1.07x; bubble 3.0 vs 1.67 -> 1.8x
    assert "linear: time per step" in text and "MISSED — fib 1.07x" in text
    assert "bubble 1.80x" in text
    assert "after a limit (max_steps) the program runs at <= 2x plain: MISSED — fib 1.50x, " \
        "bubble 2.50x" in text
    assert "loop-heavy" in text and "MISSED — bubble/cell 200 B" in text
    assert "NO — bubble/sysmon:c: data:" in text
    table = runner.table(rows, markdown=True)
    head = table.splitlines()[0]
    assert head.startswith("| program | size | N | untraced ms | steps | ours sysmon:c | "
                           "ours sysmon:python | no-op floor | after limit |")
    fib_cell = next(line for line in table.splitlines() if line.startswith("| fib | cell |"))
    assert "| 20.0x | 70.0x | 6.0x | 1.5x |" in fib_cell
    assert "| 2.00 / 1.50 / 1.60 | 1.07x |" in fib_cell
    assert "| fib | small | 10 |" in table and "| 50.0x |" in table


def test_viewer_verdict() -> None:
    assert "MET — 0.500 s" in runner.viewer_verdict(
        {"steps": 1_200_000, "record_s": 9.0, "open_s": 0.5, "reopen_s": 0.01})
    assert "1,200,000-step recording in < 1 s: MISSED" in runner.viewer_verdict(
        {"steps": 1_200_000, "record_s": 9.0, "open_s": 1.5, "reopen_s": 0.01})
