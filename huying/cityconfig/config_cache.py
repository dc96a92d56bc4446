"""Per-process caches of a city's configuration that see every edit at once, in every
server process.

A city's holiday calendar and SLA rules are read on every deadline computed, so each
process keeps them in memory. Every edit bumps a version row (``config_versions``, one per
city and topic) in its own transaction (:func:`bump`); :func:`cached` compares the cached
entry's version with the row (one indexed single-row query) and rebuilds on a difference.
So an edit made through one worker process is used by the next deadline computed in any
other, without a restart and without a message between the processes. The versions of all
topics of a city are read in one query, at a session's first use and then at most once a
second (:mod:`huying.freshness`, the rule the map's index follows too); an edit in the
session bumps and so reads them again.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from huying import freshness
from huying.cityconfig.models import ConfigVersion
from huying.db import db_key, rows, utcnow

T = TypeVar("T")

CALENDAR = "calendar"
SLA = "sla"
#: The category tree (every edit of it, and loading it).
CATEGORIES = "categories"
#: The routing rules.
ROUTING = "routing"
#: The city's organisations and the towns its departments serve (bumped by every flush that
#: writes one: ``huying.orgs.models``): the routing's units along a place.
ORGANISATIONS = "organisations"

#: (database, city id, topic) -> (token, value); the least recently built dropped first.
_CACHE_SIZE = 64
_cache: dict[tuple[str, int, str], tuple[tuple[Any, ...], Any]] = {}
_lock = threading.Lock()


_VERSIONS = select(ConfigVersion.topic, ConfigVersion.version, ConfigVersion.changed_at).where(
    ConfigVersion.city_id == bindparam("city"))

Token = tuple[int, dt.datetime | None]
_SEEN = "huying.config_versions"


#: A city's versions, (topic, version, changed_at) rows: a hot path that reads another
#: version first (the map's: ``huying.geo.locate``) reads these in the same statement and
#: hands them over (:func:`remember_versions`): one round trip, not two.
VERSIONS = _VERSIONS


def remember_versions(session: Session, city_id: int, rows: Any) -> None:
    """Tell the session the city's versions (rows of :data:`VERSIONS`) that the caller read
    with something else, as :func:`token` would have read them itself."""
    freshness.remember(session, _SEEN, city_id, {r[0]: (r[1], r[2]) for r in rows})


def token(session: Session, city_id: int, topic: str) -> Token | None:
    """The current version of a city's ``topic`` (version, when it changed), or None when
    the city has never stored it (it then uses the shipped defaults)."""
    versions: dict[str, Token] | None = freshness.recall(session, _SEEN, city_id)
    if versions is None:
        versions = {r[0]: (r[1], r[2]) for r in rows(session, _VERSIONS, {"city": city_id})}
        freshness.remember(session, _SEEN, city_id, versions)
    return versions.get(topic)


def bump(session: Session, city_id: int, topic: str) -> int:
    """Record, in the caller's transaction, that the city's ``topic`` changed; returns the
    new version (1 for the first). Flushes."""
    session.flush()
    return bump_in_flush(session, city_id, topic)


def bump_in_flush(session: Session, city_id: int, topic: str) -> int:
    """:func:`bump` without the flush, in plain statements on the session's connection: for
    a hook inside a flush (``before_flush``), where the session may not flush again."""
    freshness.forget(session, _SEEN)
    now = utcnow()
    table = ConfigVersion.__table__
    conn = session.connection()
    new = conn.execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.city_id == city_id, table.c.topic == topic)
        .values(version=table.c.version + 1, changed_at=now)
        .returning(table.c.version)
    ).scalar_one_or_none()
    if new is None:
        conn.execute(insert(table).values(city_id=city_id, topic=topic, version=1, changed_at=now))  # type: ignore[arg-type]
        return 1
    return int(new)


def cached(session: Session, city_id: int, topic: str,
           build: Callable[[Token | None], T], *, depends_on: tuple[str, ...] = ()) -> T:
    """The city's ``topic`` as ``build(token)`` made it, rebuilt when the version row has
    changed since (``token`` is None for a city still on the defaults), or the version of
    one of the topics it ``depends_on`` (the routing rules name categories)."""
    current = token(session, city_id, topic)
    key = (db_key(session), city_id, topic)
    mark = (current, *(token(session, city_id, t) for t in depends_on))
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == mark:
        return hit[1]  # type: ignore[no-any-return]
    value = build(current)
    with _lock:
        freshness.keep(_cache, key, (mark, value), _CACHE_SIZE)
    return value


def clear() -> None:
    """Forget every cached entry (tests that write configuration rows directly)."""
    with _lock:
        _cache.clear()
