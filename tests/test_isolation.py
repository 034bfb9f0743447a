"""The engine and the model import no IPython, widget or terminal-rendering library."""

from __future__ import annotations

import subprocess
import sys


def test_core_and_model_import_no_ui_libraries() -> None:
    code = (
        "import sys, ct_jupyter, ct_jupyter.core.recorder, ct_jupyter.core.sysmon, "
        "ct_jupyter.core.settrace, ct_jupyter.model, ct_jupyter.api\n"
        "t = ct_jupyter.record('x = [1]\\nx.append(2)\\n', io='off')\n"
        "bad = [m for m in ('IPython', 'ipywidgets', 'anywidget', 'rich', 'ipykernel', 'traitlets')"
        " if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
