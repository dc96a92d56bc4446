"""FastAPI dependencies shared by every domain's routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from huying.db import session_factory


def get_session() -> Iterator[Session]:
    """A session for one request, closed (and rolled back if uncommitted) after it."""
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
