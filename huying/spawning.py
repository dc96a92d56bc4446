"""Processes a command spawns (uvicorn's workers, the report batch's pool): what they import."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def light_main() -> Iterator[None]:
    """Spawned workers re-run the parent's ``__main__`` file before anything else: for the
    ``huying`` script that is every command group (14 s and 200 MB a worker; on a loaded
    machine longer than uvicorn's 5 s health check, which then kills the worker that has not
    answered and starts another, which imports it all again). Hidden while the workers
    start, they import only what they run (a report's module, the web application)."""
    main = sys.modules["__main__"]
    path = getattr(main, "__file__", None)
    if path is not None and getattr(main, "__spec__", None) is None:
        del main.__file__
    try:
        yield
    finally:
        if path is not None and not hasattr(main, "__file__"):
            main.__file__ = path
