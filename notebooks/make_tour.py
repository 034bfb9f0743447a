"""Write notebooks/tour.ipynb (without outputs) from the cells below.

Run ``python notebooks/make_tour.py`` after editing; tests/test_notebooks.py executes the result.
"""

from __future__ import annotations

import pathlib

import nbformat

HERE = pathlib.Path(__file__).resolve().parent

CELLS: list[tuple[str, str, list[str]]] = [
    ("markdown", """\
# A tour of `ct_jupyter`

`ct_jupyter` records what a cell does, **step by step** — every line, every call, every
variable's value, everything printed — and shows the recording right under the cell, so you can
walk through it **forwards and backwards**.

* The cell runs **once**, in your notebook's namespace, exactly as it would without the magic:
  its result is still `Out[n]`, and an error still fails the cell with the normal traceback.
* Functions you defined in **other cells** are stepped into, labelled with their cell (`In [3]`).
* The output also carries a **static snapshot** (code, a step table, the exception), so a saved
  notebook still shows the recording on GitHub, in nbconvert, or when reopened untrusted.

Start by loading the extension:""", []),
    ("code", "%load_ext ct_jupyter", []),
    ("markdown", """\
## 1. Teaching: watch a sort happen

Put `%%codetrace` on the first line of a cell. Under the cell you get the viewer:

* drag the **slider** or use the buttons (first / back / forward / last, step over / out);
  with the viewer focused, **← →** step, **shift+← →** step over, **Home / End** jump;
* the **source** pane marks the current line and shades lines that already ran; click a line to
  jump to its next run (shift-click: previous);
* the **variables** pane highlights what changed at this step — watch `cards` being shifted;
* click a variable to see its **history**: every step where it changed.""", []),
    ("code", """\
%%codetrace
cards = [7, 3, 9, 1, 5]
for i in range(1, len(cards)):
    key = cards[i]
    j = i - 1
    while j >= 0 and cards[j] > key:
        cards[j + 1] = cards[j]
        j -= 1
    cards[j + 1] = key
cards""", []),
    ("markdown", """\
The last expression (`cards`) is the cell's result, as usual: it is in `Out` and `_`.""", []),
    ("code", "_", []),
    ("markdown", """\
## 2. Debugging: a failing cell, a function from another cell

Here is a small helper, defined in its own cell:""", []),
    ("code", """\
def average(scores):
    total = 0
    for s in scores:
        total += s
    return total / len(scores)


def report(groups):
    lines = []
    for name, scores in groups.items():
        lines.append(f"{name}: {average(scores):.1f}")
    return lines""", []),
    ("markdown", """\
The next cell fails. The viewer opens **at the step that raised**, inside `average` (its source
is shown, labelled with the cell that defined it); step backwards to see how `scores` got
there. The normal traceback is still printed and the cell still fails, so *Run All* stops here.
(This cell is tagged `raises-exception`, so the tour can run from top to bottom.)""", []),
    ("code", """\
%%codetrace
grades = {"maths": [12, 15, 9], "music": []}
print("building the report…")
report(grades)""", ["raises-exception"]),
    ("markdown", """\
## 3. Options

`%%codetrace?` lists them all. The useful ones:

| option | what it does |
|---|---|
| `--max-steps N` | record at most N steps — the cell still runs to the end; the rest is counted |
| `--as NAME` | keep the recording in a variable |
| `--view text` / `--view none` | show the static snapshot only / show nothing |
| `--include PATTERN`, `--exclude PATTERN` | step into (or skip) modules or files |
| `--out DIR` | also export a CodeTracer trace folder |
| `--io off` | don't capture output |

A long loop with a small step budget: the loop runs to completion, the recording keeps the first
200 steps and says how many it did not record.""", []),
    ("code", """\
%%codetrace --max-steps 200 --as long_run --view text
squares = []
for n in range(1000):
    squares.append(n * n)
len(squares)""", []),
    ("code", "long_run", []),
    ("markdown", """\
## 4. The Python API

The recorder works without IPython too. `ct_jupyter.record` takes a source string (or a
function and its arguments) and returns a `Trace` you can query.""", []),
    ("code", """\
import ct_jupyter

trace = ct_jupyter.record('''
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
result = fib(6)
''')
print(len(trace), "steps;", trace.outcome.status)
fib_frame = next(f for f in trace.frames() if f.function.name == "fib")
print("fib was called at step", fib_frame.call_step, "and returned", fib_frame.result.text)
print("a over time:", [(step, value.text) for step, value in trace.history("a", fib_frame.id)])
print("final result:", trace.variable("result", len(trace), 0).text)""", []),
    ("code", """\
# record a call, and find where the exception was raised
failed = ct_jupyter.record(average, [])
step = failed.raised_step()
where = failed.step(step)
print(failed.outcome.exc_type, "raised at step", step, "in", where.function, "line", where.line)
print("variables there:", {k: v.text for k, v in failed.variables(step).items()})""", []),
    ("code", """\
# the last recording made in this kernel (the %%codetrace cells count too)
ct_jupyter.last_trace()""", []),
    ("markdown", """\
## 5. Export to CodeTracer

`--out DIR` (or `ct_jupyter.export(trace, DIR)`) writes a standard CodeTracer trace folder —
`trace.json`, `trace_metadata.json`, `trace_paths.json` and the recorded sources — that the
CodeTracer GUI can open for full omniscient debugging.""", []),
    ("code", """\
import pathlib
import tempfile

export_dir = pathlib.Path(tempfile.mkdtemp()) / 'sort-trace'""", []),
    ("code", """\
%%codetrace --out {export_dir} --view none
words = sorted(["pear", "fig", "apple"], key=len)
words""", []),
    ("code", """\
sorted(p.name for p in export_dir.iterdir())""", []),
    ("code", """\
ct_jupyter.export(trace, export_dir.parent / "fib-trace")
sorted(p.name for p in (export_dir.parent / "fib-trace").iterdir())""", []),
    ("markdown", """\
## 6. In a terminal

In terminal IPython (`ipython`), `%%codetrace` prints a compact rich rendering instead of the
viewer: the source, a step table and the output.""", []),
]


def build() -> nbformat.NotebookNode:
    """Return the tour notebook (no outputs, no execution counts)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source, tags) in enumerate(CELLS):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
        cell["id"] = f"tour-{i:02d}"
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main() -> None:
    """Write tour.ipynb next to this script."""
    nbformat.write(build(), str(HERE / "tour.ipynb"))


if __name__ == "__main__":
    main()
