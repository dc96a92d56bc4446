"""``huying stats``: figures of a node and its children, from the events."""

from __future__ import annotations

import typer

from huying.clikit import clean_errors, emit, parse_now
from huying.db import read_session_scope
from huying.geo import service as geo
from huying.metrics import rollup


def stats(
    node: str = typer.Option(None, help="Node code (default: the city)."),
    city: str = typer.Option(None, help="City code (when the database holds several)."),
    since: str = typer.Option(None, help="Only events from this ISO date-time."),
    until: str = typer.Option(None, help="Only events before this ISO date-time."),
    now: str = typer.Option(None, help="The moment for open/overdue counts (default: now)."),
) -> None:
    """Received, closed, on-time, satisfaction and rework rates, mean time to close."""
    with read_session_scope() as session, clean_errors():
        c = geo.get_city(session, city)
        emit(rollup.figures(session, c.id, node, now=parse_now(now),
                             since=parse_now(since) if since else None,
                             until=parse_now(until) if until else None))
