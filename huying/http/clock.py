"""The request's ``now``: one dependency for the API and the pages, so that tests fix the
clock everywhere (``app.dependency_overrides[clock]``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends

from huying.db import utcnow


async def clock() -> dt.datetime:
    """The request's ``now`` (a dependency, so that tests can fix the clock; ``async``: no
    thread-pool hand-off for reading the time)."""
    return utcnow()


Now = Annotated[dt.datetime, Depends(clock)]
