"""``huying deploy``: emergency deployments (下沉) from the command line, with the same rules
as the API (``--as USER`` acts as that account).

    huying deploy create NODE --name NAME --as USER [--reason TEXT] [--teams N] [--now ISO]
    huying deploy list --as USER [--status active|ended]
    huying deploy roster ID --as USER [--grid CODE]
    huying deploy checkin ID --as USER [--lon X --lat Y] [--note TEXT] [--now ISO]
    huying deploy export ID --as USER --out FILE.csv|FILE.xlsx [--grid CODE] [--lang zh|en]
    huying deploy end ID --as USER [--now ISO]
"""

from __future__ import annotations

from pathlib import Path

import typer

from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_now
from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)

AS_USER = typer.Option(..., "--as", help="Username of the account acting.")
NOW = typer.Option(None, "--now", help="ISO date-time taken as now (default: now).")


@app.callback()
def group() -> None:
    """Emergency deployments (下沉): three-person teams sent down to the grids."""


@app.command()
def create(
    node: str = typer.Argument(..., help="The node to deploy over: the city's or a town's code."),
    name: str = typer.Option(..., "--name", help="What the deployment is called (e.g. 防汛下沉)."),
    as_user: str = AS_USER,
    reason: str = typer.Option("", "--reason", help="Why."),
    teams: int = typer.Option(None, "--teams", min=1, help="How many teams (default: staff // 3)."),
    now: str = NOW,
) -> None:
    """Send the staff available over NODE to its grids as three-person teams (the solver's
    certified optimum); prints the deployment with its figures as JSON."""
    from huying.contact import deploy_service as ds
    from huying.contact.deploy_schemas import deployment_dict
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        dep = ds.create(session, actor, ds.DeploymentIn(node=node, name=name, reason=reason, teams=teams), now=at)
        r = ds.roster(session, actor, dep.id, now=at)
        emit(deployment_dict(dep, r.node, r.manage, r.figures))


@app.command("list")
def list_(
    as_user: str = AS_USER,
    status: str = typer.Option(None, "--status", help="active or ended."),
) -> None:
    """The deployments USER sees, newest first, as JSON."""
    from huying.contact import deploy_service as ds
    from huying.orgs.actor import actor_for

    with session_scope() as session, clean_errors():
        total, rows = ds.list_deployments(session, actor_for(session, as_user), status=status, limit=500)
        emit({"total": total, "items": [{"id": x.deployment.id, "name": x.deployment.name, "node": x.node.code,
                                         "status": x.deployment.status, "started_at": x.deployment.started_at,
                                         "ended_at": x.deployment.ended_at, "teams": x.teams, "staff": x.staff,
                                         "mine": x.mine} for x in rows]})


@app.command()
def roster(
    deployment: int = typer.Argument(..., help="The deployment's number."),
    as_user: str = AS_USER,
    grid: str = typer.Option(None, "--grid", help="Only this grid's teams."),
    now: str = NOW,
) -> None:
    """The roster USER sees (the grids in their scope; a member their own team), as JSON."""
    from huying.contact import deploy_service as ds
    from huying.contact.deploy_schemas import roster_dict
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        emit(roster_dict(ds.roster(session, actor_for(session, as_user), deployment, now=at, grid=grid)))


@app.command()
def checkin(
    deployment: int = typer.Argument(..., help="The deployment's number."),
    as_user: str = AS_USER,
    lon: float = typer.Option(None, "--lon"),
    lat: float = typer.Option(None, "--lat"),
    note: str = typer.Option("", "--note"),
    now: str = NOW,
) -> None:
    """USER (a deployed member) checks in to their team: once a day; a repeat that day
    prints the first check-in with ``"replayed": true``."""
    from huying.contact import deploy_service as ds
    from huying.contact.deploy_schemas import checkin_dict
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        done = ds.check_in(session, actor_for(session, as_user), deployment, ds.CheckInIn(lon, lat, note), now=at)
        emit({**checkin_dict(done.checkin, deployment, ds.team_number(session, done.checkin.team_id)),
              "replayed": done.replayed})


@app.command()
def export(
    deployment: int = typer.Argument(..., help="The deployment's number."),
    as_user: str = AS_USER,
    out: Path = typer.Option(..., "--out", help="The file to write: .csv or .xlsx."),
    grid: str = typer.Option(None, "--grid", help="Only this grid's teams."),
    lang: str = typer.Option("zh", "--lang", help="zh or en: the names' language."),
    now: str = NOW,
) -> None:
    """Write the roster USER sees as CSV or XLSX: one row per member, names not codes,
    phone numbers masked."""
    from huying.contact import deploy_service as ds
    from huying.http import sheets
    from huying.orgs.actor import actor_for

    kind = out.suffix.lower().lstrip(".")
    if kind not in ("csv", "xlsx"):
        fail("--out must end in .csv or .xlsx", EXIT_INVALID)
    if lang not in ("zh", "en"):
        fail("--lang is zh or en", EXIT_INVALID)
    at = parse_now(now)
    with session_scope() as session, clean_errors():
        r = ds.roster(session, actor_for(session, as_user), deployment, now=at, grid=grid)
        table = ds.roster_table(r, lang)
    out.write_bytes(sheets.csv_bytes(table) if kind == "csv" else sheets.xlsx_bytes(table, ds.WIDTHS))
    emit({"file": str(out), "rows": len(table[1])})


@app.command()
def end(
    deployment: int = typer.Argument(..., help="The deployment's number."),
    as_user: str = AS_USER,
    now: str = NOW,
) -> None:
    """End a deployment: no check-ins after it; the rosters stay."""
    from huying.contact import deploy_service as ds
    from huying.contact.deploy_schemas import deployment_dict
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        ds.end(session, actor, deployment, now=at)
        r = ds.roster(session, actor, deployment, now=at)
        emit(deployment_dict(r.deployment, r.node, r.manage, r.figures))
