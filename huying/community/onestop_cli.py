"""``huying onestop``: one-stop acceptance at a centre's counter from the command line, with
the same rules as the API and the pages (:mod:`huying.community.onestop_service`).

    huying onestop accept CENTRE --as USER --item CODE (--resident USER | --household CODE |
                          --community CODE) [--contact PHONE] [--material NAME ...] [--pending]
                          [--delivery collect|told|mail] [--note TEXT] [--now ISO]
    huying onestop list --as USER [--centre CODE] [--status STATUS] [--open]

The unit's steps are the kernel's: ``huying case act CODE ACTION --as USER``.
"""

from __future__ import annotations

import typer

from huying.clikit import clean_errors, emit, parse_now
from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)

AS = typer.Option(..., "--as", help="Username of the centre's staff member (or the reader).")
NOW = typer.Option(None, help="ISO date-time taken as now (default: now).")


@app.callback()
def group() -> None:
    """One-stop acceptance (一站受理 · 全区域通办): accepted at any centre, handled where the resident lives."""


@app.command()
def accept(
    centre: str = typer.Argument(..., help="The centre's code."),
    as_user: str = AS,
    item: str = typer.Option(..., "--item", help="The service item's code."),
    resident: str = typer.Option(None, "--resident", help="The resident's account, if any."),
    household: str = typer.Option(None, "--household", help="The resident's household code, if registered."),
    community: str = typer.Option(None, "--community", help="The code of the community where the resident lives."),
    contact: str = typer.Option(None, "--contact", help="The resident's phone."),
    material: list[str] = typer.Option([], "--material", help="A material brought (repeat)."),  # noqa: B006
    pending: bool = typer.Option(False, "--pending", help="Accept with required materials to come (容缺受理)."),
    delivery: str = typer.Option("collect", "--delivery", help="collect, told or mail."),
    note: str = typer.Option(None, "--note"),
    now: str = NOW,
) -> None:
    """Accept a request at a centre: prints the receipt (the request's code), its unit and deadline."""
    from huying.community import onestop_service as onestop
    from huying.orgs.actor import actor_for

    at = parse_now(now)
    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        case = onestop.accept(session, actor, centre, onestop.RequestIn(
            item=item, resident=resident, household=household, community=community, contact=contact,
            materials=tuple(material), pending=pending, delivery=delivery, note=note), now=at)
        emit(onestop.receipt(session, case))


@app.command("list")
def list_(
    as_user: str = AS,
    centre: str = typer.Option(None, "--centre", help="Only those accepted at this centre."),
    status: str = typer.Option(None, "--status"),
    open_: bool = typer.Option(False, "--open", help="Only those not closed or rejected."),
) -> None:
    """The service requests you may see, newest first."""
    from huying.community import onestop_service as onestop
    from huying.orgs.actor import actor_for

    with session_scope() as session, clean_errors():
        actor = actor_for(session, as_user)
        rows, _total = onestop.list_requests(session, actor, centre=centre, status=status, open_only=open_,
                                             limit=10_000)
        emit([onestop.receipt(session, c) for c in rows])
