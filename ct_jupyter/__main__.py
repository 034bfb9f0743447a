"""``python -m ct_jupyter``: the command line (record, validate, show)."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
