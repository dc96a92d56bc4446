"""The contact and community counts of the indicator catalogue, per node, each by its own
domain's rule (placeholder: filled below)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session


def tree_counts(session: Session, city_id: int, paths: list[str], *, now: dt.datetime,
                since: dt.datetime | None, until: dt.datetime | None) -> dict[str, dict[str, int]]:
    """count name → node path → count, for every node path of ``paths``."""
    return {}
