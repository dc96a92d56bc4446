"""``huying walk``: inspection walks (行走, 四不两直) from the command line, with the same
rules as the API and the pages (:mod:`huying.contact.walk_service`).

    huying walk plan NODE --as USER [--on DAY] [--place TEXT] [--now ISO]
    huying walk start WALK --as USER [--now ISO]
    huying walk problem WALK --as USER --what TEXT (--fixed EVIDENCE | --ledger PLAN --due DAY)
                        [--lon X --lat Y | --address TEXT] [--now ISO]
    huying walk end WALK --as USER [--now ISO]
    huying walk list --as USER [--mine]
    huying walk figures NODE --as USER [--period quarter] [--from DAY] [--to DAY]
"""

from __future__ import annotations

import typer

from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_day, parse_now
from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)

AS = typer.Option(..., "--as", help="Username of the walker (a leader, city or town officer).")
NOW = typer.Option(None, help="ISO date-time taken as now (default: now).")


@app.callback()
def group() -> None:
    """Inspection walks (行走): planned privately, problems fixed on the spot or put on a ledger."""


@app.command()
def plan(
    node: str = typer.Argument(..., help="The destination: a town, community or grid code."),
    as_user: str = AS,
    on: str = typer.Option(None, "--on", help="The day of the walk (default: today)."),
    place: str = typer.Option(None, "--place", help="A place in it, as free text."),
    now: str = NOW,
) -> None:
    """Plan a walk: its destination is seen by you alone until you start it."""
    from huying.contact import walk_service as ws
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        walk = ws.plan(session, actor, node=node, planned_on=parse_day(on, "--on") or ws.today(at), place=place, now=at)
        emit(ws.get_walk(session, actor, walk.id).as_dict())


def _move(walk: int, as_user: str, now: str | None, name: str) -> None:
    from huying.contact import walk_service as ws
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        (ws.start if name == "start" else ws.end)(session, actor, walk, now=at)
        emit(ws.get_walk(session, actor, walk).as_dict())


@app.command()
def start(walk: int = typer.Argument(..., help="The walk's number."), as_user: str = AS, now: str = NOW) -> None:
    """Start your walk: from now on it is seen within the destination's scope."""
    _move(walk, as_user, now, "start")


@app.command()
def end(walk: int = typer.Argument(..., help="The walk's number."), as_user: str = AS, now: str = NOW) -> None:
    """End your walk."""
    _move(walk, as_user, now, "end")


@app.command()
def problem(
    walk: int = typer.Argument(..., help="The walk's number."),
    as_user: str = AS,
    what: str = typer.Option(..., "--what", help="What the problem is."),
    fixed: str = typer.Option(None, "--fixed", help="Fixed on the spot: what was done (the evidence)."),
    ledger: str = typer.Option(None, "--ledger", help="Put on a ledger: the plan of the rectification."),
    due: str = typer.Option(None, "--due", help="The day a ledger's rectification is done by."),
    lon: float = typer.Option(None, "--lon"),
    lat: float = typer.Option(None, "--lat"),
    address: str = typer.Option(None, "--address", help="An address or landmark (placed through the register)."),
    now: str = NOW,
) -> None:
    """Record a problem found on your walk under way: a case through intake (channel
    inspection_walk), fixed on the spot (--fixed) or put on a ledger (--ledger, --due)."""
    from huying.contact import walk_service as ws
    from huying.orgs.actor import actor_for

    if (fixed is None) == (ledger is None):
        fail("give one of --fixed EVIDENCE or --ledger PLAN", EXIT_INVALID)
    at = parse_now(now)
    data = ws.ProblemIn(what=what, outcome="fixed_on_spot" if fixed is not None else "ledger", lon=lon, lat=lat,
                        address=address, evidence=fixed or "", plan=ledger or "", due=parse_day(due, "--due"))
    with session_scope() as session, clean_errors():
        link, case = ws.record_problem(session, actor_for(session, as_user), walk, data, now=at)
        emit({"walk": walk, "case": case.code, "outcome": link.outcome, "status": case.status})


@app.command("list")
def list_(as_user: str = typer.Option(..., "--as", help="Username of the staff member asking."),
          mine: bool = typer.Option(False, "--mine", help="Only the walks you planned.")) -> None:
    """The walks you see, as JSON: yours, and those under way or ended within your scope."""
    from huying.contact import walk_service as ws
    from huying.orgs.actor import actor_for

    with session_scope() as session, clean_errors():
        total, views = ws.list_walks(session, actor_for(session, as_user), mine=mine, limit=500)
        emit({"total": total, "items": [v.as_dict() for v in views]})


@app.command()
def figures(
    node: str = typer.Argument(..., help="A node code (city, town, community or grid)."),
    as_user: str = typer.Option(..., "--as", help="Username of the staff member asking."),
    period: str = typer.Option("quarter", help="month, quarter, year, custom or all."),
    from_: str = typer.Option("", "--from", help="A day inside the period (custom: its first day)."),
    to: str = typer.Option("", help="The last day of a custom period."),
    now: str = NOW,
) -> None:
    """Walks, problems found, fixed on the spot, on a ledger and closed, under a node in a period."""
    from huying.contact import walk_service as ws
    from huying.geo import service as geo
    from huying.metrics.period import parse_period
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        target = geo.get_node(session, actor.city_id, node)
        fig = ws.figures(session, actor, target, parse_period(period, from_, to, now=at))
        emit({"node": target.code, "period": fig.period.query(), "total": fig.total.as_dict(),
              "children": [{"node": n.code, **t.as_dict()} for n, t in fig.by_child]})
