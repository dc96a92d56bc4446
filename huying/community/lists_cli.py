"""``huying community``: the three lists of a community and their matches from the command
line, with the same rules as the API and the pages (:mod:`huying.community.lists_service`);
``huying community council ...``: its co-building council (:mod:`huying.community.council_cli`).

    huying community add-need COMMUNITY --as USER --type TYPE [--household CODE] [--when "Sa 9-12"]
                              [--people N] [--note TEXT] [--source resident|visit|case|council]
    huying community add-service COMMUNITY --as USER --type TYPE --name TEXT [--capacity N] [--when ...]
                                 [--centre CODE] [--organisation CODE] [--lon X --lat Y]
    huying community add-resource COMMUNITY --as USER --kind venue|funds|volunteers|skills --type TYPE --name TEXT ...
    huying community needs|services|resources|matches COMMUNITY --as USER
    huying community propose COMMUNITY --as USER
    huying community act MATCH ACTION --as USER [--rating 1-5] [--comment TEXT]
    huying community match MATCH --as USER [--lang zh|en]
"""

from __future__ import annotations

import typer

from huying.clikit import clean_errors, emit, parse_now
from huying.community import council_cli
from huying.community import lists_service as ls
from huying.db import session_scope
from huying.orgs.actor import actor_for

app = typer.Typer(no_args_is_help=True)
app.add_typer(council_cli.app, name="council", help="Co-building councils: seat members, hold meetings, decide.")

AS = typer.Option(..., "--as", help="Username of an officer (or a leader, to read).")
NOW = typer.Option(None, help="ISO date-time taken as now (default: now).")
WHEN = typer.Option("", "--when", help="Time windows, e.g. 'Sa 9-12; Mo 14-17' (empty: any time).")


@app.callback()
def group() -> None:
    """Community resources: the needs, services and resources lists and their matches."""


@app.command("add-need")
def add_need(community: str = typer.Argument(..., help="The community's code."), as_user: str = AS,
             type_: str = typer.Option(..., "--type", help="meal_help, medical_help, study_help, housekeeping, "
                                                           "legal_advice, counselling, recreation, volunteering, venue"),
             household: str = typer.Option(None, "--household", help="A household's code in the register."),
             when: str = WHEN, people: int = typer.Option(1, "--people"), note: str = typer.Option("", "--note"),
             source: str = typer.Option("resident", "--source"), now: str = NOW) -> None:
    """Put a need on a community's needs list."""
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        need = ls.add_need(session, actor, ls.NeedData(type=type_, node=community, household=household,
                                                       windows=when, people=people, note=note, source=source),
                           now=parse_now(now))
        emit(ls.get_need(session, actor, need.id).as_dict())


def _offer(list_kind: str, community: str, as_user: str, kind: str | None, type_: str, name: str, capacity: int,
           when: str, centre: str | None, organisation: str | None, lon: float | None, lat: float | None,
           now: str) -> None:
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        offer = ls.add_offer(session, actor, ls.OfferData(
            list_kind=list_kind, type=type_, name=name, node=community, kind=kind, centre=centre,
            organisation=organisation, windows=when, capacity=capacity, lon=lon, lat=lat), now=parse_now(now))
        emit({"id": offer.id, "list": offer.list_kind, "type": offer.type, "name": offer.name,
              "capacity": offer.capacity})


TYPE = typer.Option(..., "--type", help="What it serves (the need types).")
NAME = typer.Option(..., "--name")
CAPACITY = typer.Option(1, "--capacity", help="Places: how many people at a time.")
CENTRE = typer.Option(None, "--centre", help="A centre's code.")
ORG = typer.Option(None, "--organisation", help="An organisation's code.")
LON = typer.Option(None, "--lon")
LAT = typer.Option(None, "--lat")


@app.command("add-service")
def add_service(community: str = typer.Argument(...), as_user: str = AS, type_: str = TYPE, name: str = NAME,
                capacity: int = CAPACITY, when: str = WHEN, centre: str = CENTRE, organisation: str = ORG,
                lon: float = LON, lat: float = LAT, now: str = NOW) -> None:
    """Put a service (of a centre or an organisation) on a community's services list."""
    _offer("services", community, as_user, None, type_, name, capacity, when, centre, organisation, lon, lat, now)


@app.command("add-resource")
def add_resource(community: str = typer.Argument(...), as_user: str = AS,
                 kind: str = typer.Option(..., "--kind", help="venue, funds, volunteers or skills"),
                 type_: str = TYPE, name: str = NAME, capacity: int = CAPACITY, when: str = WHEN,
                 organisation: str = ORG, lon: float = LON, lat: float = LAT, now: str = NOW) -> None:
    """Put a resource (a venue, funds, volunteers, skills) on a community's resources list."""
    _offer("resources", community, as_user, kind, type_, name, capacity, when, None, organisation, lon, lat, now)


@app.command()
def needs(community: str = typer.Argument(...), as_user: str = AS) -> None:
    """A community's needs list."""
    with session_scope() as session, clean_errors():
        total, views = ls.list_needs(session, actor_for(session, as_user), community, limit=500)
        emit({"total": total, "items": [v.as_dict() for v in views]})


@app.command()
def services(community: str = typer.Argument(...), as_user: str = AS) -> None:
    with session_scope() as session, clean_errors():
        total, views = ls.list_offers(session, actor_for(session, as_user), community, "services", limit=500)
        emit({"total": total, "items": [v.as_dict() for v in views]})


@app.command()
def resources(community: str = typer.Argument(...), as_user: str = AS) -> None:
    with session_scope() as session, clean_errors():
        total, views = ls.list_offers(session, actor_for(session, as_user), community, "resources", limit=500)
        emit({"total": total, "items": [v.as_dict() for v in views]})


@app.command()
def propose(community: str = typer.Argument(...), as_user: str = AS, now: str = NOW) -> None:
    """Match the community's open needs (the optimal assignment), each match explained."""
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        made = ls.propose(session, actor, community, now=parse_now(now))
        emit([{"id": m.id, "explanation": ls.get_match(session, actor, m.id).explain("zh")} for m in made])


@app.command()
def matches(community: str = typer.Argument(...), as_user: str = AS,
            status: str = typer.Option(None, "--status")) -> None:
    with session_scope() as session, clean_errors():
        total, views = ls.list_matches(session, actor_for(session, as_user), community, status=status, limit=500)
        emit({"total": total, "items": [v.as_dict() for v in views]})


@app.command()
def match(match_id: int = typer.Argument(...), as_user: str = AS) -> None:
    """One match with its explanation and history."""
    with session_scope() as session, clean_errors():
        emit(ls.get_match(session, actor_for(session, as_user), match_id).as_dict())


@app.command()
def act(match_id: int = typer.Argument(...), action: str = typer.Argument(..., help="accept, decline, fulfil, evaluate"),
        as_user: str = AS, rating: int = typer.Option(None, "--rating", help="1-5, to evaluate"),
        comment: str = typer.Option("", "--comment"), now: str = NOW) -> None:
    """Move a match (the table decides; accepting checks the places left)."""
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        ls.act(session, actor, match_id, action, rating=rating, comment=comment, now=parse_now(now))
        emit(ls.get_match(session, actor, match_id).as_dict())
