"""The report's own thread hand-off: intake's route runs its work (the caller's look-up
included, ``huying.orgs.auth.actor_in_thread``) through :func:`in_report_thread`, at most
``HUYING_REPORT_THREADS`` reports at once per worker, beside the thread pool every other
route shares (``HUYING_THREADS``).

Why a pool of its own: a worker is one interpreter, and every report of a city takes that
city's code counter (its row lock on PostgreSQL, the one writer's lock on SQLite) when its
code is taken, just before its case's insert, until its commit, so more report threads mostly
take turns for the interpreter and the lock. With one thread, the workers served 1.4 to 1.6 times the reports they served in the
shared pool of four, at a fifth less CPU each (docs/performance.md, P1, "One hand-off per
report, and threads of the reports' own"); a long request (a PDF, an export) still has the
shared pool's threads, and no report waits behind it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

from huying.config import get_settings

T = TypeVar("T")

_REPORTS: RunVar[anyio.CapacityLimiter] = RunVar("huying_report_threads")


def report_limiter() -> anyio.CapacityLimiter:
    """This worker's (this event loop's) limiter of report threads, made at its first use."""
    try:
        return _REPORTS.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(get_settings().report_threads)
        _REPORTS.set(limiter)
        return limiter


async def in_report_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` in a thread, one of at most ``HUYING_REPORT_THREADS`` of this worker."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=report_limiter())
