"""Renderers of a `Trace`: plain text, a static HTML snapshot, and a rich terminal view."""
