"""FastAPI dependencies shared by every domain's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends
from sqlalchemy.orm import Session

from huying.db import get_read_engine, session_factory


async def get_session() -> AsyncIterator[Session]:
    """A session for one request, closed (and rolled back if uncommitted) after it. Made on
    the event loop (it connects only at its first statement, in the route's thread) and
    closed there, unless it still holds a transaction, whose rollback waits on the database:
    that close goes to a thread of its own, outside the pool's limit, as FastAPI does for a
    dependency's exit (a transaction that lost an idempotency race holds SQLite's write lock
    until this rollback, and the requests waiting for that lock may hold every thread of the
    pool). One hand-off at most, not two per request."""
    session = session_factory()()
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_read_session(session: SessionDep) -> Iterator[Session]:
    """The session of a request's figures and reports: on the read replica
    (``HUYING_READ_DATABASE_URL``) when one is set, read-only there; else the request's own
    session on the primary (the same one the sign-in read). Everything else, and every
    write, takes :data:`SessionDep`."""
    engine = get_read_engine()
    if engine is None:
        yield session
        return
    read = session_factory(engine)()
    try:
        yield read
    finally:
        read.close()


ReadSessionDep = Annotated[Session, Depends(get_read_session)]
