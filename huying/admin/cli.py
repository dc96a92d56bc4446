"""``huying admin``: the city administered from the command line (issue 22), by the operator
at the server (no account: the audit rows name no one, "command line"): accounts
(deactivate, reactivate, role and place, a reset code, a new password required, tokens),
organisations (create, rename, move, kind, towns served, dissolve with the hand-over of their
open cases), people, bulk import of the three from CSV/XLSX, and the audit trail.

    huying admin deactivate USERNAME
    huying admin dissolve CODE --successor CODE
    huying admin import organisations|people|accounts FILE [--mode all-or-nothing|skip-bad]
    huying admin audit [--subject user] [--since 2026-01-01]
"""

from __future__ import annotations

from pathlib import Path

import typer

from huying import audit as trail
from huying.cases import succession
from huying.clikit import EXIT_INVALID, clean_errors, echo_import, emit, fail, parse_now
from huying.contact import workload
from huying.db import session_scope
from huying.geo import service as geo
from huying.geo.models import Node
from huying.orgs import accounts, chart
from huying.orgs.models import Organisation, User
from huying.orgs.service import get_user

app = typer.Typer(no_args_is_help=True)
CityOpt = typer.Option(None, "--city", help="City code (default: the only city).")
NowOpt = typer.Option(None, "--now", help="The moment of the change (ISO 8601; default: now).")


def _user(session: object, username: str) -> User:
    user = get_user(session, username)  # type: ignore[arg-type]
    return accounts.get(session, user.city_id, user.id)  # type: ignore[arg-type]


def _node(session: object, city_id: int, code: str) -> Node:
    return geo.get_node(session, city_id, code)  # type: ignore[arg-type]


def _account(session: object, user: User) -> dict[str, object]:
    snap = accounts.snapshot(session, user)  # type: ignore[arg-type]
    return {"id": user.id, **snap}


@app.command()
def deactivate(username: str, now: str = NowOpt) -> None:
    """Switch an account off: its sessions and tokens end at once; its open work is listed."""
    with session_scope() as session, clean_errors():
        user = _user(session, username)
        revoked = accounts.deactivate(session, user, None, now=parse_now(now))
        session.commit()
        work = workload.open_work(session, user.id)
        emit({**_account(session, user), "tokens_revoked": revoked,
              "open_work": [{"kind": i.kind, "label": i.label, "link": i.link} for i in work.items]})


@app.command()
def reactivate(username: str, now: str = NowOpt) -> None:
    """Switch an account on again (its old tokens stay revoked)."""
    with session_scope() as session, clean_errors():
        user = _user(session, username)
        accounts.reactivate(session, user, None, now=parse_now(now))
        session.commit()
        emit(_account(session, user))


@app.command()
def seat(username: str, role: str = typer.Option(None, help="The new role."),
         node: str = typer.Option(None, help="The new node's code."),
         organisation: str = typer.Option(None, help="An organisation's code ('' for none)."),
         now: str = NowOpt) -> None:
    """Move an account to another role, node or organisation."""
    with session_scope() as session, clean_errors():
        user = _user(session, username)
        org: Organisation | None | bool = False
        if organisation is not None:
            org = chart.get(session, user.city_id, organisation) if organisation.strip() else None
        accounts.change_seat(session, user, None, now=parse_now(now), role=role,
                             node=_node(session, user.city_id, node) if node else None, organisation=org)
        session.commit()
        emit(_account(session, user))


@app.command()
def reset(username: str, now: str = NowOpt) -> None:
    """A one-time code (and the path of its link) to set a new password; printed once."""
    with session_scope() as session, clean_errors():
        user = _user(session, username)
        moment = parse_now(now)
        code = accounts.issue_reset(session, user, None, now=moment)
        session.commit()
        emit({"user": username, "code": code, "link": f"/reset/{code}",
              "expires_at": moment + accounts.RESET_TTL})


@app.command("require-change")
def require_change(username: str, off: bool = typer.Option(False, "--off", help="No longer require it."),
                   now: str = NowOpt) -> None:
    """The person must choose a new password at their next sign-in."""
    with session_scope() as session, clean_errors():
        user = _user(session, username)
        accounts.require_change(session, user, None, now=parse_now(now), required=not off)
        session.commit()
        emit(_account(session, user))


@app.command()
def tokens(username: str) -> None:
    """An account's API tokens: name, prefix, created, last used, revoked."""
    with session_scope() as session, clean_errors():
        emit([t.__dict__ for t in accounts.tokens_of(session, _user(session, username))])


@app.command("revoke-token")
def revoke_token(token_id: int, city: str = CityOpt, now: str = NowOpt) -> None:
    """Revoke an API token by its id (see ``tokens``)."""
    with session_scope() as session, clean_errors():
        row = accounts.revoke_token(session, geo.get_city(session, city).id, token_id, None, now=parse_now(now))
        session.commit()
        emit({"id": row.id, "revoked_at": row.revoked_at})


# --------------------------------------------------------------------------- organisations


def _org_out(session: object, org: Organisation) -> dict[str, object]:
    return chart.snapshot(session, org)  # type: ignore[arg-type]


@app.command("org-create")
def org_create(code: str, name_zh: str = typer.Option(..., "--name-zh"), kind: str = typer.Option(...),
               node: str = typer.Option(..., help="The node's code."),
               name_en: str = typer.Option("", "--name-en"), parent: str = typer.Option(None),
               department: str = typer.Option(None), team_kind: str = typer.Option(None, "--team-kind"),
               city: str = CityOpt, now: str = NowOpt) -> None:
    """A new organisation (an alliance team: --kind alliance_team --parent ALLIANCE --team-kind …)."""
    with session_scope() as session, clean_errors():
        city_id = geo.get_city(session, city).id
        org = chart.create(session, None, node=_node(session, city_id, node), code=code, name_zh=name_zh,
                           name_en=name_en, kind=kind, now=parse_now(now), department=department,
                           team_kind=team_kind, parent=chart.get(session, city_id, parent) if parent else None)
        session.commit()
        emit(_org_out(session, org))


@app.command("org-rename")
def org_rename(code: str, name_zh: str = typer.Option(..., "--name-zh"), name_en: str = typer.Option("", "--name-en"),
               city: str = CityOpt, now: str = NowOpt) -> None:
    """Rename an organisation (Chinese and English)."""
    with session_scope() as session, clean_errors():
        org = chart.get(session, geo.get_city(session, city).id, code)
        chart.rename(session, org, None, name_zh=name_zh, name_en=name_en, now=parse_now(now))
        session.commit()
        emit(_org_out(session, org))


@app.command("org-move")
def org_move(code: str, node: str = typer.Option(...), city: str = CityOpt, now: str = NowOpt) -> None:
    """Attach an organisation to another node."""
    with session_scope() as session, clean_errors():
        city_id = geo.get_city(session, city).id
        org = chart.get(session, city_id, code)
        chart.move(session, org, None, node=_node(session, city_id, node), now=parse_now(now))
        session.commit()
        emit(_org_out(session, org))


@app.command("org-kind")
def org_kind(code: str, kind: str = typer.Option(...), department: str = typer.Option(None),
             team_kind: str = typer.Option(None, "--team-kind"), parent: str = typer.Option(None),
             city: str = CityOpt, now: str = NowOpt) -> None:
    """Change an organisation's kind (with its department or team)."""
    with session_scope() as session, clean_errors():
        city_id = geo.get_city(session, city).id
        org = chart.get(session, city_id, code)
        chart.change_kind(session, org, None, kind=kind, department=department, team_kind=team_kind,
                          parent=chart.get(session, city_id, parent) if parent else False, now=parse_now(now))
        session.commit()
        emit(_org_out(session, org))


@app.command("org-towns")
def org_towns(code: str, towns: list[str] = typer.Argument(None, help="Town codes (none: every town)."),
              city: str = CityOpt, now: str = NowOpt) -> None:
    """The towns a department serves."""
    with session_scope() as session, clean_errors():
        city_id = geo.get_city(session, city).id
        org = chart.get(session, city_id, code)
        chart.set_towns(session, org, None, towns=[_node(session, city_id, t) for t in towns or []],
                        now=parse_now(now))
        session.commit()
        emit(_org_out(session, org))


@app.command()
def dissolve(code: str, successor: str = typer.Option(None, help="The organisation that takes over its open cases."),
             note: str = typer.Option(None), city: str = CityOpt, now: str = NowOpt) -> None:
    """Dissolve an organisation: its open cases go to the successor, each with an event, in one
    transaction; the accounts still attached to it are listed."""
    with session_scope() as session, clean_errors():
        done = succession.dissolve(session, geo.get_city(session, city).id, code, successor=successor, actor=None,
                                   now=parse_now(now), note=note)
        emit(done.__dict__)


@app.command("person-add")
def person_add(name: str, node: str = typer.Option(None), organisation: str = typer.Option(None),
               phone: str = typer.Option(None, help="Masked, e.g. 138****0001."),
               party_member: bool = typer.Option(False, "--party-member"), city: str = CityOpt,
               now: str = NowOpt) -> None:
    """A person (staff, a cadre, a member, a deputy) with their node and organisation."""
    with session_scope() as session, clean_errors():
        city_id = geo.get_city(session, city).id
        p = chart.create_person(session, None, city_id, chart.PersonIn(
            name=name, node=_node(session, city_id, node) if node else None,
            organisation=chart.get(session, city_id, organisation) if organisation else None,
            phone_masked=phone, is_party_member=party_member), now=parse_now(now))
        session.commit()
        emit({"id": p.id, **chart.person_snapshot(session, p)})


# --------------------------------------------------------------------------- bulk and audit


@app.command("import")
def import_file(kind: str = typer.Argument(..., help="organisations, people or accounts"),
                file: Path = typer.Argument(...),
                mode: str = typer.Option("all-or-nothing", help="all-or-nothing: store nothing when any row is "
                                         "bad; skip-bad: store the good rows."),
                city: str = CityOpt, now: str = NowOpt) -> None:
    """Import organisations, people or accounts from CSV/XLSX; every bad row is printed as
    ``FILE:LINE: FIELD: REASON`` on stderr (exit 2). Accounts without a password get a
    one-time reset code each, printed once in the summary."""
    from huying.config import get_settings
    from huying.db import make_engine
    from huying.intake import directory
    from huying.intake.bulk import savepoint_engine
    from huying.intake.rows import FileError, Mode

    try:
        kind_v, mode_v = directory.Kind(kind), Mode(mode)
    except ValueError:
        fail(f"kind: one of {', '.join(directory.Kind)}; --mode: one of {', '.join(Mode)}", EXIT_INVALID)
    if not file.is_file():
        fail(f"{file}: no such file", EXIT_INVALID)
    engine = savepoint_engine(make_engine(get_settings().resolved_database_url))
    try:
        with clean_errors():
            rep = directory.run(engine, lambda s: None, lambda s: geo.get_city(s, city).id, file, kind_v,
                                now=parse_now(now), mode=mode_v)
    except FileError as exc:
        fail(str(exc), EXIT_INVALID)
    finally:
        engine.dispose()
    echo_import(file, rep)


@app.command()
def audit(subject: str = typer.Option("", help=f"One of: {', '.join(accounts.AUDIT_SUBJECTS)}."),
          action: str = typer.Option(""), who: str = typer.Option("", help="A username."),
          since: str = typer.Option("", help="YYYY-MM-DD"), until: str = typer.Option("", help="YYYY-MM-DD"),
          limit: int = typer.Option(100, min=1, max=10_000), city: str = CityOpt) -> None:
    """The audit trail, newest first: who changed what, when, before → after."""
    with session_scope() as session, clean_errors():
        city_id = geo.get_city(session, city).id
        f = accounts.audit_filter(session, city_id, subject, action, who, since, until)
        events, total = trail.query(session, city_id, f, limit=limit)
        emit({"total": total, "items": accounts.audit_rows(session, events)})

