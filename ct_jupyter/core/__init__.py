"""The recording engine: backends, filters, value snapshots. Imports no IPython, ipywidgets or rich."""
