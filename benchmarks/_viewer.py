"""How long the viewer takes to open a long recording (run by `benchmarks/run.py`, in its venv).

    python _viewer.py PROGRAM_FILE SIZE

Records the program (about 1,000,000 steps at the size the runner passes), then times what
opening the viewer costs in the kernel: building the `TraceWidget` (its summary) and the first
replies the browser asks for (the view at the start position and the source of its file).
Prints one JSON line: ``{"steps": n, "record_s": t, "open_s": t, "reopen_s": t}``: the first
open (which builds the trace's lazy indexes) and the best of two more.
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _worker import MAX_MEMORY, MAX_STEPS, program_source  # noqa: E402


def main(path: str, size: int) -> None:
    """Record, then time opening the viewer on the recording."""
    import ct_jupyter
    from ct_jupyter.options import TraceOptions
    from ct_jupyter.widget import TraceWidget
    from ct_jupyter.widget import payload as _payload

    opts = TraceOptions(io="off", max_steps=MAX_STEPS, max_memory=MAX_MEMORY)
    t0 = time.perf_counter()
    trace = ct_jupyter.record(program_source(path, size), options=opts)
    recorded = time.perf_counter() - t0
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        widget = TraceWidget(trace)
        view = _payload.view_payload(trace, widget.step, widget.frame)
        source = _payload.source_payload(trace, 0)
        times.append(time.perf_counter() - t0)
        del widget, view, source
    print(json.dumps({"steps": len(trace), "record_s": recorded, "open_s": times[0],
                      "reopen_s": min(times[1:])}), flush=True)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), int(sys.argv[2]))
