"""``huying exchange``: the public-welfare exchange (党群公益汇) from the command line, with
the same rules as the API and the pages (:mod:`huying.community.exchange_service`).

    huying exchange post COMMUNITY --as USER --title T --need TEXT --type elderly_canteen
                         --beneficiaries 60 --kind elderly [--budget 85000.00]
                         [--goods "桌椅:20:套" ...] [--milestone "选址:20" ...] [--publish]
    huying exchange publish|start|complete PROJECT --as USER
    huying exchange cancel PROJECT --as USER --reason TEXT
    huying exchange reach PROJECT MILESTONE --as USER
    huying exchange pledge PROJECT --as PARTNER [--amount 2000.00] [--goods "桌椅:5" ...]
    huying exchange claim PROJECT --as PARTNER
    huying exchange agree PROJECT --as USER --org CODE --signed DAY --until DAY --milestone "..:50" ...
    huying exchange list [--as USER] [--town CODE] [--community CODE] [--type T] [--needing]
    huying exchange show PROJECT [--as USER]
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer

from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_day, parse_now
from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)

AS = typer.Option(..., "--as", help="Username of the account acting.")
NOW = typer.Option(None, help="ISO date-time taken as now (default: now).")
PROJECT = typer.Argument(..., help="The project's code, e.g. GY2019-0001.")


@app.callback()
def group() -> None:
    """Public-welfare projects (党群公益汇): organisations claim or fund them under agreements."""


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, int]]:
    out = []
    for v in values or []:
        name, _, num = v.rpartition(":")
        try:
            out.append((name, int(num)))
        except ValueError:
            fail(f"{option} {v!r}: give NAME:NUMBER", EXIT_INVALID)
    return out


def _goods(values: list[str] | None) -> list[tuple[str, int, str]]:
    out = []
    for v in values or []:
        parts = v.split(":")
        try:
            out.append((parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""))
        except (IndexError, ValueError):
            fail(f"--goods {v!r}: give NAME:QUANTITY[:UNIT]", EXIT_INVALID)
    return out


def _exact(data: Any) -> Any:
    """Amounts as strings (``"1500.00"``): exact, as the API gives them."""
    if isinstance(data, Decimal):
        return str(data)
    if isinstance(data, dict):
        return {k: _exact(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_exact(v) for v in data]
    return data


def _show(session: object, actor: object, code: str) -> None:
    from huying.community import exchange_service as xs
    from huying.geo import service as geo

    city = geo.get_city(session).id  # type: ignore[arg-type]
    emit(_exact(xs.get_project(session, actor, code, city_id=city).as_dict()))  # type: ignore[arg-type]


@app.command()
def post(
    community: str = typer.Argument(..., help="The community's code."),
    as_user: str = AS,
    title: str = typer.Option(..., "--title"),
    need: str = typer.Option(..., "--need", help="The need it answers, in words."),
    type_: str = typer.Option(..., "--type", help="elderly_canteen, student_aid, environment, culture_sports, "
                                                   "care or volunteering."),
    beneficiaries: int = typer.Option(..., "--beneficiaries", help="How many benefit."),
    kind: str = typer.Option(..., "--kind", help="Who benefits: elderly, children, students, residents, ..."),
    budget: str = typer.Option(None, "--budget", help="Money needed, e.g. 85000.00."),
    goods: list[str] = typer.Option(None, "--goods", help="NAME:QUANTITY[:UNIT], repeatable."),
    milestone: list[str] = typer.Option(None, "--milestone", help="TITLE:WEIGHT, repeatable (sum 100)."),
    publish: bool = typer.Option(False, "--publish", help="Post it open at once (else a draft)."),
    now: str = NOW,
) -> None:
    """Post a project for a community (officers)."""
    from huying.community import exchange_service as xs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    data = xs.ProjectIn(title=title, need=need, type=type_, beneficiaries=beneficiaries, beneficiary_kind=kind,
                        community=community, budget=budget,
                        goods=[xs.GoodsIn(n, q, u) for n, q, u in _goods(goods)],
                        milestones=_pairs(milestone, "--milestone"), publish=publish)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        p = xs.post(session, actor, data, now=at)
        _show(session, actor, p.code)


def _move(name: str, project: str, as_user: str, now: str | None, reason: str = "") -> None:
    from huying.community import exchange_service as xs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        if name == "cancel":
            xs.cancel(session, actor, project, reason, now=at)
        else:
            {"publish": xs.publish, "start": xs.start, "complete": xs.complete}[name](session, actor, project, now=at)
        _show(session, actor, project)


@app.command()
def publish(project: str = PROJECT, as_user: str = AS, now: str = NOW) -> None:
    """Post a draft: organisations see it and claim or pledge."""
    _move("publish", project, as_user, now)


@app.command()
def start(project: str = PROJECT, as_user: str = AS, now: str = NOW) -> None:
    """Work starts on a funded or claimed project."""
    _move("start", project, as_user, now)


@app.command()
def complete(project: str = PROJECT, as_user: str = AS, now: str = NOW) -> None:
    """The project is done (its milestones all reached)."""
    _move("complete", project, as_user, now)


@app.command()
def cancel(project: str = PROJECT, as_user: str = AS, reason: str = typer.Option(..., "--reason"),
           now: str = NOW) -> None:
    """Withdraw a draft, or an open project nobody pledged to."""
    _move("cancel", project, as_user, now, reason)


@app.command()
def reach(project: str = PROJECT, milestone: int = typer.Argument(..., help="The milestone's id."),
          as_user: str = AS, now: str = NOW) -> None:
    """Mark a milestone reached."""
    from huying.community import exchange_service as xs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        xs.reach_milestone(session, actor, project, milestone, now=at)
        _show(session, actor, project)


@app.command()
def pledge(project: str = PROJECT, as_user: str = AS,
           amount: str = typer.Option(None, "--amount", help="Money, e.g. 2000.00."),
           goods: list[str] = typer.Option(None, "--goods", help="NAME:QUANTITY, repeatable."),
           now: str = NOW) -> None:
    """Pledge (认捐) money and/or goods for your organisation (partner accounts)."""
    from huying.community import exchange_service as xs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        xs.pledge(session, actor, project, xs.PledgeIn(amount=amount, goods=dict(_pairs(goods, "--goods"))), now=at)
        _show(session, actor, project)


@app.command()
def claim(project: str = PROJECT, as_user: str = AS, now: str = NOW) -> None:
    """Claim (认领) the whole project for your organisation (partner accounts)."""
    from huying.community import exchange_service as xs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        xs.claim(session, actor, project, now=at)
        _show(session, actor, project)


@app.command()
def agree(project: str = PROJECT, as_user: str = AS,
          org: str = typer.Option(..., "--org", help="The organisation's code."),
          signed: str = typer.Option(..., "--signed", help="The day it was signed (YYYY-MM-DD)."),
          until: str = typer.Option(..., "--until", help="The last day of its term."),
          milestone: list[str] = typer.Option(None, "--milestone", help="TITLE:WEIGHT, repeatable (sum 100)."),
          now: str = NOW) -> None:
    """Record the co-building agreement (共建协议) signed with an organisation (officers)."""
    from huying.community import exchange_service as xs
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    data = xs.AgreementIn(organisation=org, signed_on=parse_day(signed, "--signed"), term_until=parse_day(until, "--until"),
                          milestones=_pairs(milestone, "--milestone"))
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        xs.sign_agreement(session, actor, project, data, now=at)
        _show(session, actor, project)


@app.command("list")
def list_(as_user: str = typer.Option(None, "--as", help="Username (default: as the public)."),
          town: str = typer.Option("", "--town"), community: str = typer.Option("", "--community"),
          type_: str = typer.Option("", "--type"), needing: bool = typer.Option(False, "--needing"),
          limit: int = typer.Option(50, "--limit", min=1, max=500), offset: int = typer.Option(0, "--offset", min=0),
          ) -> None:
    """Projects, as JSON, largest amount still needed first."""
    from huying.community import exchange_service as xs
    from huying.geo import service as geo
    from huying.orgs.actor import actor_for

    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user) if as_user else None
        city = actor.city_id if actor else geo.get_city(session).id
        total, rows = xs.browse(session, actor, city, xs.Browse(town=town, community=community, type=type_,
                                                                needing=needing, limit=limit, offset=offset))
        emit(_exact({"total": total, "items": [{"code": r.project.code, "title": r.project.title,
                                         "status": r.project.status, "community": r.node.code,
                                         "budget": xs.money(r.project.budget), "remaining": r.remaining}
                                        for r in rows]}))


@app.command()
def show(project: str = PROJECT,
         as_user: str = typer.Option(None, "--as", help="Username (default: as the public).")) -> None:
    """One project with its pledges, agreements, milestones and history, as JSON."""
    from huying.orgs.actor import actor_for

    with session_scope() as session, clean_errors():
        _show(session, actor_for(session, as_user) if as_user else None, project)
