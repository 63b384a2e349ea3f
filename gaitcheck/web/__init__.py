"""`gaitcheck serve`: an upload page, an HTTP API, a crash-safe job queue and its workers.

A front-end like the command line: it builds Settings, calls `pipeline.analyze`, and writes the
result with `store.staged`, `store.save` and `report.write` (docs/web.md). Nothing in gaitcheck
imports this package except the command line.
"""

from gaitcheck.web.options import ServeOptions

__all__ = ["ServeOptions"]
