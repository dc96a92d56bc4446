"""``huying case``: report, act, show and list cases from the command line (JSON out)."""

from __future__ import annotations

import json

import typer
from sqlalchemy import select

from huying.cases import commands, present, workflow
from huying.cases import service as svc
from huying.clikit import EXIT_INVALID, clean_errors, emit, fail, parse_now
from huying.db import session_scope
from huying.geo import service as geo
from huying.geo.models import Node
from huying.orgs.actor import Actor, actor_for

app = typer.Typer(no_args_is_help=True)


@app.command()
def act(
    code: str = typer.Argument(..., help="The case code, e.g. 441900-2026-000123."),
    action: str = typer.Argument(..., help="dispatch, accept, return, transfer, add_cohandler, "
                                 "request_extension, approve_extension, refuse_extension, escalate, "
                                 "mark_handled, follow_up, close, reject, supervise, classify."),
    as_user: str = typer.Option(..., "--as", help="Username of the person acting."),
    unit: list[str] = typer.Option(None, help="Unit (organisation) code; repeat for add_cohandler."),
    note: str = typer.Option(None, help="A note (the reason of a return, the evidence of a fix...)."),
    satisfaction: str = typer.Option(None, help="满意 / 基本满意 / 不满意 (follow_up)."),
    method: str = typer.Option(None, help="phone, visit or online (follow_up)."),
    solved: str = typer.Option(None, help="yes / no: is the problem solved, as the reporter says (follow_up)."),
    reason: str = typer.Option(None, help="not_actionable, duplicate, not_our_responsibility (reject); "
                               "the text of a supervision notice (supervise)."),
    days: int = typer.Option(None, help="Working days (request_extension)."),
    category: str = typer.Option(None, help="Category code or name (classify)."),
    priority: str = typer.Option(None, help="Priority (classify)."),
    resolution: str = typer.Option(None, help="How it was resolved (close)."),
    no_followup_reason: str = typer.Option(None, help="Why there was no follow-up (close)."),
    into: str = typer.Option(None, help="The primary case a duplicate is merged into (merge)."),
    plan: str = typer.Option(None, help="The plan of a ledger (open_ledger)."),
    milestone: list[str] = typer.Option(None, help="A ledger milestone as 'title@YYYY-MM-DD' (open_ledger, "
                                        "repeatable); the milestone's id (complete_milestone)."),
    supervisor: str = typer.Option(None, help="Username of the ledger's supervising leader (open_ledger)."),
    reply_due: str = typer.Option(None, help="Reply deadline of a supervision notice, ISO date (supervise)."),
    version: int = typer.Option(None, help="Refuse if the case is no longer at this version."),
    now: str = typer.Option(None, help="ISO date-time to act at (default: now)."),
) -> None:
    """Run one workflow command on a case; prints the case after it. The options are the
    command's parameters, checked by its parameter model (``huying.cases.commands``)."""
    moment = parse_now(now)
    body: dict[str, object] = {"note": note, "satisfaction": satisfaction, "solved": solved, "method": method,
                               "reason": reason,
                               "days": days, "category": category, "priority": priority,
                               "resolution": resolution, "no_followup_reason": no_followup_reason,
                               "into": into, "plan": plan, "supervisor": supervisor, "reply_due": reply_due}
    if unit:
        body["units" if action == "add_cohandler" else "unit"] = list(unit) if action == "add_cohandler" else unit[0]
    if milestone and action == "complete_milestone":
        body["milestone"] = milestone[0]
    elif milestone:
        pairs = [m.rpartition("@") for m in milestone]
        bad = [m for m, (title, sep, _) in zip(milestone, pairs, strict=True) if not sep or not title]
        if bad:
            fail(f"--milestone {bad[0]!r}: give it as 'title@YYYY-MM-DD'", EXIT_INVALID)
        body["milestones"] = [{"title": title, "due_at": day} for title, _, day in pairs]
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        case = svc.get_case(session, actor, code)
        params = {k: v for k, v in body.items() if k in commands.spec_of(action).params.model_fields}
        svc.perform(session, case, actor, action, now=moment, params=params, expected_version=version)
        emit(present.case_dict(session, case, actor, moment))


def _operator(session, as_user: str | None, city: str | None) -> Actor:  # type: ignore[no-untyped-def]
    if as_user:
        return actor_for(session, as_user)  # type: ignore[no-any-return]
    c = geo.get_city(session, city)
    path = session.scalar(select(Node.path).where(Node.city_id == c.id, Node.level == "city")) or ""
    return Actor(city_id=c.id, role="admin", node_path=path, name="operator")


@app.command()
def show(
    code: str,
    as_user: str = typer.Option(None, "--as", help="See it as this user (default: the operator sees all)."),
    city: str = typer.Option(None, help="City code (when the database holds several)."),
) -> None:
    """Print a case with its timeline, allowed actions and evaluation."""
    moment = parse_now(None)
    with session_scope() as session, clean_errors():
        actor = _operator(session, as_user, city)
        emit(present.case_dict(session, svc.get_case(session, actor, code), actor, moment, events=True))


@app.command("list")
def list_(
    node: str = typer.Option(None, help="Only cases located under this node code."),
    status: list[str] = typer.Option(None, help="Only cases in this status (repeatable)."),
    overdue: bool = typer.Option(False, help="Only open cases past their deadline."),
    as_user: str = typer.Option(None, "--as"),
    city: str = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """List cases (newest first) as JSON lines."""
    moment = parse_now(None)
    for s in status or []:
        if s not in {x.value for x in workflow.Status}:
            fail(f"--status {s!r}: one of {', '.join(x.value for x in workflow.Status)}", EXIT_INVALID)
    with session_scope() as session, clean_errors():
        actor = _operator(session, as_user, city)
        path = geo.get_node(session, actor.city_id, node).path if node else None
        for case in svc.list_cases(session, actor, node_path=path, status=status or None,
                                   overdue_at=moment if overdue else None, limit=limit):
            d = present.case_dict(session, case, None, moment)
            typer.echo(json.dumps({k: d[k] for k in LIST_FIELDS}, ensure_ascii=False, default=str))


#: The fields of one line of ``huying case list``.
LIST_FIELDS = ("code", "status", "title", "unit", "handling_level", "due_at", "overdue")


@app.command()
def ledgers(
    node: str = typer.Option(None, help="Only ledgers of cases under this node code."),
    as_user: str = typer.Option(None, "--as"),
    city: str = typer.Option(None),
    all_: bool = typer.Option(False, "--all", help="Include ledgers of closed cases."),
) -> None:
    """The ledger (台账) of a node: open ledgers with their milestones, as JSON."""
    moment = parse_now(None)
    with session_scope() as session, clean_errors():
        actor = _operator(session, as_user, city)
        path = geo.get_node(session, actor.city_id, node).path if node else None
        rows, _total = svc.ledgers_under(session, actor, node_path=path, open_only=not all_, limit=10_000)
        emit([{
            "case": r.case.code, "title": r.case.title, "status": r.case.status, "plan": r.ledger.plan,
            "opened_at": r.ledger.opened_at, "closed_at": r.ledger.closed_at,
            "milestones": [{"id": m.id, "title": m.title, "due_at": m.due_at, "done_at": m.done_at,
                            "overdue": m in r.overdue_milestones(moment)} for m in r.milestones],
        } for r in rows])


@app.command()
def workflow_diagram(kind: str = typer.Option("problem", help="problem | service")) -> None:
    """Print the workflow table of a kind of case as a Mermaid diagram."""
    try:
        typer.echo(workflow.mermaid(kind))
    except ValueError:
        raise typer.BadParameter(f"kind must be one of {', '.join(workflow.KIND_VALUES)}", param_hint="--kind") from None
