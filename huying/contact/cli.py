"""``huying register``: the register of issue #16 (its import is ``huying import register``).

    huying register locate ADDRESS [--city CODE]
    huying register move-out HOUSEHOLD --as USER [--to PLACE] [--now ISO]
    huying register assign HOUSEHOLD CADRE --as USER [--now ISO]
    huying register visit-coverage NODE --as USER [--period quarter] [--from DAY] [--to DAY]
"""

from __future__ import annotations

import typer
from sqlalchemy import select

from huying.clikit import clean_errors, emit, fail, parse_now
from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.callback()
def group() -> None:
    """The register (一标三实): address → grid, households' moves."""


@app.command()
def locate(
    address: str = typer.Argument(..., help="A Chinese address, e.g. 虎门镇人民路12号."),
    city: str = typer.Option(None, "--city", help="City code (default: the only city)."),
) -> None:
    """The grid of an address from the register, as JSON: exact, fuzzy, ambiguous (with its
    candidates) or unknown. Exit 1 when it is ambiguous or unknown."""
    from huying.contact import service
    from huying.geo import service as geo

    with session_scope() as session, clean_errors():
        m = service.locate_address(session, geo.get_city(session, city).id, address)
        emit({"kind": m.kind, "grid": m.grid_code,
              "candidates": [{"address": c.text, "grid": c.grid_code, "score": c.score} for c in m.candidates]})
    if m.grid_code is None:
        raise typer.Exit(1)


@app.command("move-out")
def move_out(
    household: str = typer.Argument(..., help="The household's code."),
    as_user: str = typer.Option(..., "--as", help="Username of the officer recording it."),
    to: str = typer.Option(None, "--to", help="Where to, as told (e.g. 广州市天河区)."),
    now: str = typer.Option(None, help="ISO date-time of the move (default: now)."),
) -> None:
    """Record that a household moved out of the register (kept in its history)."""
    from huying.contact import service
    from huying.contact.models import Household
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        move = service.move_out(session, actor, household, at=at, place=to)
        session.commit()
        hh = session.scalar(select(Household).where(Household.id == move.household_id))
        if hh is None:
            fail(f"no household {household!r}")
        emit({"household": hh.code, "moves": [{"kind": m.kind, "at": m.at, "place": m.place}
                                              for m in service.moves_of(session, hh)]})


@app.command()
def assign(
    household: str = typer.Argument(..., help="The household's code."),
    cadre: str = typer.Argument(..., help="Username of the cadre who visits it."),
    as_user: str = typer.Option(..., "--as", help="Username of the officer assigning it."),
    now: str = typer.Option(None, help="ISO date-time of the assignment (default: now)."),
) -> None:
    """Assign a cadre to visit a household (驻点联系); its next visit is due a cycle after
    its last visit, or after now."""
    from huying.contact import visit_service as vs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        row = vs.assign(session, actor_for(session, as_user), household, cadre, now=at)
        emit({"household": household, "cadre": cadre, "since": row.since, "due_at": row.due_at})


@app.command("visit-coverage")
def visit_coverage(
    node: str = typer.Argument(..., help="A node code (city, town, community or grid)."),
    as_user: str = typer.Option(..., "--as", help="Username of the staff member asking."),
    period: str = typer.Option("quarter", help="month, quarter, year, custom or all."),
    from_: str = typer.Option("", "--from", help="A day inside the period (custom: its first day)."),
    to: str = typer.Option("", help="The last day of a custom period."),
    now: str = typer.Option(None, help="ISO date-time taken as now (default: now)."),
) -> None:
    """Visit coverage of a node in a period, as JSON: households visited at least once /
    assigned, and overdue now; per cadre and per child node."""
    from huying.cases.policy import check_node
    from huying.contact import visit_service as vs
    from huying.geo import service as geo
    from huying.metrics.period import parse_period
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        target = geo.get_node(session, actor.city_id, node)
        check_node(actor, target.path, "visit coverage")
        cov = vs.coverage(session, actor, target, parse_period(period, from_, to, now=at), now=at)
        emit({"node": target.code, "period": cov.period.query(), "total": cov.total.as_dict(),
              "cadres": [{"cadre": u.username, **t.as_dict()} for u, t in cov.by_cadre],
              "children": [{"node": n.code, **t.as_dict()} for n, t in cov.by_child]})
