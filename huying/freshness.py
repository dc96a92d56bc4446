"""How long a session trusts a configuration version it has read: one rule for every
per-process cache of a city's configuration (the map's grid index, the holiday calendar,
the SLA rules).

Each cache is keyed by a version row that every edit bumps in its own transaction. A
session reads the version at its first use and then at most once every
:data:`RECHECK_SECONDS`: a request (one session) reads it once, a long-lived session (the
demo build, the sweeper, a bulk import) once a second instead of once per command. An edit
made in the session itself is seen at once (the editing code calls :func:`forget`); an edit
made by another process is seen by every session within a second.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

from sqlalchemy.orm import Session

#: Seconds a session trusts a version it has read before reading it again.
RECHECK_SECONDS = 1.0


def recall(session: Session, slot: str, key: Hashable) -> Any | None:
    """What the session remembered under ``slot``/``key`` less than a recheck period ago."""
    marks: dict[Hashable, tuple[float, Any]] | None = session.info.get(slot)
    mark = marks.get(key) if marks else None
    if mark is not None and time.monotonic() - mark[0] < RECHECK_SECONDS:
        return mark[1]
    return None


def remember(session: Session, slot: str, key: Hashable, value: Any) -> None:
    session.info.setdefault(slot, {})[key] = (time.monotonic(), value)


def forget(session: Session, slot: str) -> None:
    """Read again at next use (after an edit in this session)."""
    session.info.pop(slot, None)


def keep(cache: dict[Any, Any], key: Hashable, value: Any, size: int) -> None:
    """Put ``value`` in a per-process cache as its newest entry, dropping the oldest beyond
    ``size`` (the caller holds the cache's lock): the eviction of every cache above."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > size:
        cache.pop(next(iter(cache)))
