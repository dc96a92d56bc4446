"""``huying demo``: build the synthetic demo city."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import typer

from huying.db import analyze_after_bulk, get_engine, session_scope
from huying.demo.cases import DEMO_DAYS, LIVE_DAYS

app = typer.Typer(no_args_is_help=True)

#: Cases of the demo year run by default: a full city's year.
DEFAULT_CASES = 40_000


def _run_cases(city_id: int, seed: int, n: int, show: bool, *, end: dt.datetime, live_days: int | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from huying.config import get_settings
    from huying.demo.cases import YearClock, run_cases

    started = time.perf_counter()
    url = get_settings().resolved_database_url
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), disable=not show) as bar:
        task = bar.add_task("cases: a year of the closed loop", total=n)
        clock = YearClock()
        counts = run_cases(url, city_id, seed, end=end, n=n, live_days=live_days,
                           progress=lambda k: bar.advance(task, k), clock=clock)
    typer.echo("cases: " + ", ".join(f"{k} {v}" for k, v in counts.items())
               + f" in {time.perf_counter() - started:.1f} s")
    if timed := clock.render():
        typer.echo(f"cases: {timed}")


def _today(value: str | None) -> dt.date | None:
    """``--today``: a day on which the whole year comes after the city's rows were made
    (``BUILD_DATE``) and before the build runs (no event in the future)."""
    from huying.demo.build import BUILD_DATE
    from huying.demo.cases import CST

    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint="--today") from None
    first = BUILD_DATE.date() + dt.timedelta(days=DEMO_DAYS + 1)
    if day < first:
        raise typer.BadParameter(f"{value} is too early: the demo city is dated {BUILD_DATE.date()}, "
                                 f"so its year ends on {first} or later", param_hint="--today")
    if day > dt.datetime.now(CST).date():
        raise typer.BadParameter(f"{value} is after today: the demo year would end in the future",
                                 param_hint="--today")
    return day


@app.callback()
def demo() -> None:
    """The synthetic demo city of Dongguan: real towns, generated everything below them."""


def _step(name: str, build: Callable[..., dict[str, int]], city_id: int, seed: int, **kw: Any) -> None:
    """One more part of the demo city, in its own transaction, said with its counts and time."""
    started = time.perf_counter()
    with session_scope() as session:
        counts = build(session, city_id, seed, **kw)
        session.commit()
    typer.echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
               + f" in {time.perf_counter() - started:.1f} s")


@app.command("build")
def build_command(
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same city."),
    reset: bool = typer.Option(False, "--reset", help="Delete the demo city first if it exists."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
    visits: bool = typer.Option(True, "--visits/--no-visits",
                                help="Cadres, their households and enterprises, and a year of visits (驻点联系)."),
    walks: bool = typer.Option(True, "--walks/--no-walks",
                               help="Inspection walks of the leaders and their problems (行走)."),
    links: bool = typer.Option(True, "--links/--no-links",
                               help="Party members linked to households in every town (党员联户)."),
    deployments: bool = typer.Option(True, "--deployments/--no-deployments",
                                     help="Staff of 虎门 and one past deployment of theirs (下沉)."),
    cases: int = typer.Option(
        DEFAULT_CASES, "--cases", min=0,
        help="Cases to run through the closed loop over the demo year (0: none).",
    ),
    live_days: int = typer.Option(
        LIVE_DAYS, "--live-days", min=0, max=DEMO_DAYS,
        help="The year's last days whose cases run through the service, command by command; the "
             f"older cases closed by then go in as history (at most {DEMO_DAYS}: every case through the service).",
    ),
    today: str | None = typer.Option(
        None, "--today", metavar="YYYY-MM-DD",
        help="The demo year ends at 18:00 (city time) of this day (the same day gives the same "
             "cases); by default it ends now, when the build runs.",
    ),
) -> None:
    """Build the demo city of Dongguan (441900) into the configured database."""
    from huying.demo.build import CITY_CODE, DEMO_ACCOUNTS, build, city_exists, delete_city
    from huying.demo.cases import demo_end
    from huying.triage.versions import remove_models

    end = demo_end(_today(today))
    with session_scope() as session:
        if city_exists(session):
            if not reset:
                typer.echo(
                    f"error: the demo city {CITY_CODE} already exists in this database; "
                    "run again with --reset to delete and rebuild it",
                    err=True,
                )
                raise typer.Exit(code=1)
            delete_city(session)
            typer.echo(f"deleted the existing city {CITY_CODE}")
        summary = build(session, seed, progress=progress)
        session.commit()
    # models retrained for an earlier city of that code learnt from cases that are gone
    if stale := remove_models(CITY_CODE):
        typer.echo(f"removed {stale} triage model(s) retrained for an earlier city {CITY_CODE}")
    typer.echo(summary.render())
    from huying.demo.centres import build_centres
    from huying.demo.councils import build_councils
    from huying.demo.deployments import build_deployments
    from huying.demo.duties import build_duties
    from huying.demo.exchange import build_exchange
    from huying.demo.links import build_links
    from huying.demo.network import build_network
    from huying.demo.onestop import build_onestop
    from huying.demo.register import build_register
    from huying.demo.visits import build_visits
    from huying.demo.walks import build_walks

    _step("register", build_register, summary.city_id, seed)
    _step("centres", build_centres, summary.city_id, seed)
    _step("walking network", build_network, summary.city_id, seed, now=end)
    _step("exchange", build_exchange, summary.city_id, seed, now=end)
    if visits:
        _step("visits", build_visits, summary.city_id, seed, now=end)
    if links:
        _step("links", build_links, summary.city_id, seed, now=end)
    if deployments:
        _step("deployment", build_deployments, summary.city_id, seed, now=end)
    _step("councils", build_councils, summary.city_id, seed, now=end)
    if cases:
        _run_cases(summary.city_id, seed, cases, progress, end=end,
                   live_days=None if live_days >= DEMO_DAYS else live_days)
    if walks:
        _step("walks", build_walks, summary.city_id, seed, now=end)
    _step("one-stop requests", build_onestop, summary.city_id, seed, now=end)
    _step("duties, reviews, weak organisations", build_duties, summary.city_id, seed, now=end)
    if analyze_after_bulk(get_engine()):
        typer.echo("analysed the tables for the planner (PostgreSQL)")
    typer.echo(f"the demo year ends at {end.isoformat()}")
    typer.echo("demo accounts (username / password):")
    for acc in DEMO_ACCOUNTS:
        typer.echo(f"  {acc.username:<11} {acc.password:<16} {acc.role.value:<19} {acc.note}")
