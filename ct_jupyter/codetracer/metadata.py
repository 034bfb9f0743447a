"""``trace_metadata.json`` of an exported folder: CodeTracer's fields plus a ``ct_jupyter`` block.

CodeTracer reads ``workdir``, ``program``, ``args`` and ``process_exit_status``; the
``ct_jupyter`` block keeps what it has no field for (sources' labels, the outcome, limits,
dropped counts, the run's metadata) so that `ct_jupyter.load` rebuilds the trace exactly.
"""

from __future__ import annotations

import os
from typing import IO

import orjson

from .._version import __version__
from ..model.trace import Trace
from .paths import LOADED_FROM
from .writer import CodeTracerWriter

#: Version of the ``ct_``-prefixed extensions and the ``ct_jupyter`` metadata block.
FORMAT_VERSION = 1


def write_metadata(trace: Trace, out: IO[bytes], writer: CodeTracerWriter) -> None:
    """Write ``trace_metadata.json``: CodeTracer's fields plus the ``ct_jupyter`` block."""
    b = trace.columns
    meta = {k: v for k, v in b.meta.items() if k not in ("exit_code", "exit_label", LOADED_FROM)}
    program = meta.get("program")
    if not isinstance(program, str):
        program = writer.paths_out[0] if writer.paths_out else ""
    else:
        program = writer.path_names.get(program, program)
    args = meta.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        args = []
    workdir = meta.get("workdir")
    if not isinstance(workdir, str):
        workdir = os.getcwd()
    code, label = writer.exit
    outcome = trace.outcome
    early_exc = [[b.exc_kind[i], b.exc_type[i], b.exc_msg[i], b.exc_frame[i]]
                 for i in range(len(b.exc_step)) if b.exc_step[i] < 0]
    ct = {
        "format_version": FORMAT_VERSION,
        "paths": [[writer.path_names.get(p, p), p, b.path_labels.get(p)] for p in b.paths],
        "outcome": None if outcome is None else {
            "status": outcome.status, "exc_type": outcome.exc_type,
            "exc_message": outcome.exc_message, "traceback": outcome.traceback,
            "value": None if writer.outcome_value is None else orjson.loads(writer.outcome_value),
        },
        "stop_reason": b.stop_reason,
        "dropped_steps": b.dropped_steps,
        "failure": b.failure,
        "io_dropped": dict(b.io_dropped),
        "exceptions": early_exc,
        "meta": meta,
        "steps": writer.steps_written,
    }
    doc = {
        "workdir": workdir,
        "program": program,
        "args": args,
        "process_exit_status": {"code": code, "label": label},
        "recorder": {"name": "ct_jupyter", "version": __version__},
        "ct_jupyter": ct,
    }
    out.write(orjson.dumps(doc, default=str))


__all__ = ["FORMAT_VERSION", "write_metadata"]
