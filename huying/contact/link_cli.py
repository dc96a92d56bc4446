"""``huying links``: member–household links (党员联户) from the command line, on the same
commands and scope as the API (``/api/v1/links``).

    huying links solve NODE --as USER [--now ISO]
    huying links leave MEMBER --as USER [--now ISO]
    huying links list --as USER [--node CODE] [--member ID] [--history] [--limit N]
"""

from __future__ import annotations

import typer

from huying.clikit import clean_errors, emit, parse_now
from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.callback()
def group() -> None:
    """Member–household links (党员联户): link a node, a member leaves, list."""


@app.command()
def solve(
    node: str = typer.Argument(..., help="A town, community or grid code."),
    as_user: str = typer.Option(..., "--as", help="Username of the officer linking it."),
    now: str = typer.Option(None, help="ISO date-time of the linking (default: now)."),
) -> None:
    """Link (again) the members living under a node to its households: the certified optimum,
    ending only the links it changes. Prints what it did as JSON."""
    from huying.contact import link_service as ls
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        run = ls.link_node(session, actor_for(session, as_user), node, now=at)
        session.commit()
        emit(run.as_dict())


@app.command()
def leave(
    member: int = typer.Argument(..., help="The member's person id."),
    as_user: str = typer.Option(..., "--as", help="Username of the officer recording it."),
    now: str = typer.Option(None, help="ISO date-time of leaving (default: now)."),
) -> None:
    """A member leaves: marked inactive, their households re-linked, changing as few links as
    possible."""
    from huying.contact import link_service as ls
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        runs = ls.member_leaves(session, actor_for(session, as_user), member, now=at)
        emit({"member": member, "runs": [r.as_dict() for r in runs]})


@app.command("list")
def list_links(
    as_user: str = typer.Option(..., "--as", help="Username of the person asking."),
    node: str = typer.Option(None, "--node", help="Only the households under this node (with its figures)."),
    member: int = typer.Option(None, "--member", help="Only this member's (person id)."),
    history: bool = typer.Option(False, "--history", help="Ended links too."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
) -> None:
    """The links you see as JSON (names masked): under a node of your scope, or your own."""
    from huying.contact import link_service as ls
    from huying.orgs.actor import actor_for

    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        target = ls.reader_node(session, actor, node) if node else None
        total, rows = ls.list_links(session, actor, node=target, person_id=member, history=history, limit=limit)
        out: dict[str, object] = {
            "total": total,
            "items": [{"member": r.link.person_id, "member_name": r.member_name, "household": r.household.code,
                       "since": r.link.since, "ended_at": r.link.ended_at, "end_reason": r.link.end_reason,
                       "distance_m": r.link.distance_m, "need": r.link.need, "need_matched": r.link.need_matched}
                      for r in rows]}
        if target is not None:
            out["figures"] = ls.figures(session, actor, target).as_dict()
        emit(out)
