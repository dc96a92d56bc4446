"""``huying community council``: co-building councils from the command line, with the same
rules as the API and the pages (:mod:`huying.community.council_service`).

    huying community council seat COMMUNITY ORGANISATION --as USER [--role convener|member|observer]
    huying community council members COMMUNITY --as USER
    huying community council meet COMMUNITY --as USER --on DAY --place TEXT [--topic T ...]
                                  [--org CODE ...] [--user NAME ...]
    huying community council meetings COMMUNITY --as USER
    huying community council decide MEETING --as USER --text TEXT --kind need|project
                                    [--need-type TYPE --people N --when "Sa 9-12" --household CODE]
"""

from __future__ import annotations

import datetime as dt

import typer

from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_now
from huying.community import council_service as cs
from huying.community import lists_service as ls
from huying.db import session_scope
from huying.orgs.actor import actor_for

app = typer.Typer(no_args_is_help=True)

AS = typer.Option(..., "--as", help="Username of an officer (or a leader, to read).")
NOW = typer.Option(None, help="ISO date-time taken as now (default: now).")


@app.callback()
def group() -> None:
    """Co-building councils (共建议事会): member organisations, meetings and decisions."""


@app.command()
def seat(community: str = typer.Argument(...), organisation: str = typer.Argument(..., help="Its code."),
         as_user: str = AS, role: str = typer.Option("member", "--role"), now: str = NOW) -> None:
    """Seat an organisation in a community's council."""
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        member = cs.seat(session, actor, node=community, organisation=organisation, role=role, now=parse_now(now))
        emit({"id": member.id, "organisation": organisation, "role": member.role})


@app.command()
def members(community: str = typer.Argument(...), as_user: str = AS) -> None:
    with session_scope() as session, clean_errors():
        emit([v.as_dict() for v in cs.members(session, actor_for(session, as_user), community)])


@app.command()
def meet(community: str = typer.Argument(...), as_user: str = AS,
         on: str = typer.Option(..., "--on", help="The day it was held (YYYY-MM-DD)."),
         place: str = typer.Option(..., "--place"), topic: list[str] = typer.Option([], "--topic"),
         org: list[str] = typer.Option([], "--org", help="An attending member organisation's code."),
         user: list[str] = typer.Option([], "--user", help="An attending account's username."),
         notes: str = typer.Option("", "--notes"), now: str = NOW) -> None:
    """Record a meeting of a community's council (its decisions: ``decide``)."""
    try:
        held = dt.date.fromisoformat(on)
    except ValueError:
        fail(f"--on {on!r} is not a date (YYYY-MM-DD)", EXIT_INVALID)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        m = cs.hold_meeting(session, actor, cs.MeetingData(node=community, held_on=held, place=place, topics=topic,
                                                           notes=notes, organisations=org, users=user),
                            now=parse_now(now))
        emit(cs.get_meeting(session, actor, m.id).as_dict())


@app.command()
def meetings(community: str = typer.Argument(...), as_user: str = AS) -> None:
    with session_scope() as session, clean_errors():
        total, views = cs.meetings(session, actor_for(session, as_user), community)
        emit({"total": total, "items": [v.as_dict() for v in views]})


@app.command()
def decide(meeting: int = typer.Argument(...), as_user: str = AS, text: str = typer.Option(..., "--text"),
           kind: str = typer.Option(..., "--kind", help="need or project"),
           need_type: str = typer.Option(None, "--need-type"), people: int = typer.Option(1, "--people"),
           when: str = typer.Option("", "--when"), household: str = typer.Option(None, "--household"),
           now: str = NOW) -> None:
    """A decision of a meeting: a need (put on the needs list) or a project (for the exchange)."""
    need = ls.NeedData(type=need_type, household=household, windows=when, people=people) if need_type else None
    with session_scope() as session, clean_errors():
        d = cs.add_decision(session, actor_for(session, as_user), meeting, cs.DecisionData(text, kind, need),
                            now=parse_now(now))
        emit({"id": d.id, "kind": d.kind, "need_id": d.need_id, "project_id": d.project_id})
