"""``huying sla``: run the sweeper, deliver notifications."""

from __future__ import annotations

import typer

from huying.cases import jobs, notify
from huying.clikit import emit, parse_now
from huying.db import get_engine

app = typer.Typer(no_args_is_help=True)


@app.command()
def sweep(
    now: str = typer.Option(None, help="ISO date-time to sweep at (default: now)."),
    escalate_after: int = typer.Option(None, help="Overdue periods before escalation (default: setting)."),
) -> None:
    """Warn before deadlines, mark overdue cases, issue supervision notices, escalate."""
    report = jobs.sweep(get_engine(), now=parse_now(now), escalate_after=escalate_after)
    emit({**report.as_dict(), "cases": report.codes[:100]})


@app.command()
def deliver(now: str = typer.Option(None, help="ISO date-time (default: now).")) -> None:
    """Deliver queued notifications through the configured notifier."""
    report = notify.deliver(get_engine(), notify.load_notifier(), now=parse_now(now))
    emit(report.__dict__)
