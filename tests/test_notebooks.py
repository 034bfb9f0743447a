"""Execute notebooks headless in a real ipykernel (this interpreter), and check what they show."""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.slow


def _need(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError as exc:  # a missing test dependency must fail, not skip
        pytest.fail(f"{module} is needed to execute notebooks: pip install -e '.[test]' ({exc})")


def execute(nb: Any, workdir: pathlib.Path) -> Any:
    """Run every cell of ``nb`` in a fresh kernel that uses this very interpreter."""
    _need("ipykernel")
    nbclient = _need("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    specs = workdir / "kernelspecs"
    spec_dir = specs / "ct-test-python"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ct_jupyter test kernel", "language": "python",
    }))
    ksm = KernelSpecManager(kernel_dirs=[str(specs)])
    km = KernelManager(kernel_name="ct-test-python", kernel_spec_manager=ksm)
    client = nbclient.NotebookClient(nb, km=km, kernel_name="ct-test-python", timeout=120,
                                     startup_timeout=120,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def outputs_of(cell: Any) -> list[dict[str, Any]]:
    return [dict(o) for o in cell.get("outputs", [])]


def codetrace_bundles(cell: Any) -> list[dict[str, Any]]:
    """Return the display_data bundles a %%codetrace cell produced (viewer or snapshot)."""
    return [o["data"] for o in outputs_of(cell)
            if o["output_type"] == "display_data" and "ct-static" in o["data"].get("text/html", "")]


def test_there_is_a_tour() -> None:
    assert ROOT / "notebooks" / "tour.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: pathlib.Path) -> None:
    nbformat = _need("nbformat")
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_headless(path: pathlib.Path, tmp_path: pathlib.Path) -> None:
    nbformat = _need("nbformat")
    nb = execute(nbformat.read(str(path), as_version=4), tmp_path)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in outputs_of(cell) if o["output_type"] == "error"]
        expected = "raises-exception" in cell.metadata.get("tags", [])
        assert bool(errors) == expected, (cell.source[:80], errors)
        if cell.source.startswith("%%codetrace") and "--view none" not in cell.source:
            assert codetrace_bundles(cell), f"no recording shown for: {cell.source[:60]}"
    # the executed notebook still shows the recordings when saved (static part present)
    saved = tmp_path / "executed.ipynb"
    nbformat.write(nb, str(saved))
    assert "ct-static" in saved.read_text()


def test_tour_teaching_and_debugging_cells(tmp_path: pathlib.Path) -> None:
    nbformat = _need("nbformat")
    nb = execute(nbformat.read(str(ROOT / "notebooks" / "tour.ipynb"), as_version=4), tmp_path)
    cells = {c.get("id"): c for c in nb.cells}
    sort_cell = next(c for c in nb.cells if c.source.startswith("%%codetrace\ncards"))
    results = [o for o in outputs_of(sort_cell) if o["output_type"] == "execute_result"]
    assert results and results[0]["data"]["text/plain"] == "[1, 3, 5, 7, 9]"
    (bundle,) = codetrace_bundles(sort_cell)
    assert WIDGET_MIME in bundle, "the interactive viewer was not displayed"
    assert "cards[j + 1] = key" in bundle["text/html"]
    failing = next(c for c in nb.cells if "report(grades)" in c.source)
    kinds = [o["output_type"] for o in outputs_of(failing)]
    assert "error" in kinds and kinds.index("display_data") < kinds.index("error")
    error = next(o for o in outputs_of(failing) if o["output_type"] == "error")
    assert error["ename"] == "ZeroDivisionError"
    (snapshot,) = codetrace_bundles(failing)
    assert "ZeroDivisionError" in snapshot["text/plain"]
    assert "average" in snapshot["text/html"] and "In [" in snapshot["text/html"]
    assert cells  # ids are kept


def test_kernel_views_await_and_failures(tmp_path: pathlib.Path) -> None:
    nbformat = _need("nbformat")
    nb = nbformat.v4.new_notebook()
    sources = [
        "%load_ext ct_jupyter",
        "import asyncio\nasync def later(v):\n    await asyncio.sleep(0.01)\n    return v + 1",
        "%%codetrace --view text --as t_await\nfirst = await later(1)\nfirst * 2",
        "t_await.meta.get('async_runner'), [s.function for s in t_await.steps()].count('later')",
        "%%codetrace --view none\nhidden = 1",
        "%%codetrace --view text\nprint('<b>not bold</b>')\nvalue = [1, 2]",
        "%%codetrace --bogus\nnever = 1",
        "'never' in dir()",
        "%%codetrace --view none --as t_io\nprint('before')\nawait asyncio.sleep(0.01)\n"
        "print('after')",
        "[(c.stream, c.text) for c in t_io.io]",
    ]
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[6].metadata["tags"] = ["raises-exception"]
    execute(nb, tmp_path)
    c = nb.cells
    awaited = [o for o in outputs_of(c[2]) if o["output_type"] == "execute_result"]
    assert awaited and awaited[0]["data"]["text/plain"] == "4"
    (bundle,) = codetrace_bundles(c[2])
    assert set(bundle) == {"text/html", "text/plain"}
    check = [o for o in outputs_of(c[3]) if o["output_type"] == "execute_result"]
    runner, later_steps = eval(check[0]["data"]["text/plain"])
    assert later_steps >= 2
    # ipykernel runs cells inside its event loop, so the awaited cell ran on a helper loop
    assert runner is not None and "helper thread" in runner
    assert outputs_of(c[4]) == []
    streams = [o for o in outputs_of(c[5]) if o["output_type"] == "stream"]
    assert "<b>not bold</b>" in "".join(o["text"] for o in streams)
    (snap,) = codetrace_bundles(c[5])
    assert "&lt;b&gt;not bold&lt;/b&gt;" in snap["text/html"]
    usage = [o for o in outputs_of(c[6]) if o["output_type"] == "stream"]
    assert "UsageError: unrecognized arguments: --bogus" in "".join(o["text"] for o in usage)
    assert "Traceback" not in json.dumps(outputs_of(c[6]))
    tail = [o for o in outputs_of(c[7]) if o["output_type"] == "execute_result"]
    assert tail[0]["data"]["text/plain"] == "False"
    # output printed by an awaited cell reaches the notebook and the recording
    printed = [o for o in outputs_of(c[8]) if o["output_type"] == "stream"]
    assert "".join(o["text"] for o in printed) == "before\nafter\n"
    chunks = [o for o in outputs_of(c[9]) if o["output_type"] == "execute_result"]
    assert eval(chunks[0]["data"]["text/plain"]) == [("stdout", "before\n"), ("stdout", "after\n")]
