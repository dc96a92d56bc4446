"""A unit dissolved (机构撤并): its open cases go to the successor an administrator names, in
one transaction, each through the kernel's ``hand_over`` command (the workflow table says
who may: an administrator, or the operator at the command line as the system), so each case
gets its event, keeps its status and deadline, and the policy is the one of every command.
Its co-handling parts go to the successor too; then the organisation is marked dissolved
(``huying.orgs.chart.dissolve``, with its audit row naming the successor and the cases).
Accounts attached to the unit are listed for the administrator to move."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from huying.cases.kernel import command, one_transaction
from huying.cases.models import Case, CaseCohandler
from huying.cases.units import unit, unit_changes
from huying.cases.workflow import OPEN_VALUES, Action
from huying.errors import SettingError
from huying.geo.models import Level, Node
from huying.orgs import chart
from huying.orgs.actor import Actor
from huying.orgs.models import Organisation, User


@dataclass(frozen=True)
class Succession:
    organisation: str
    successor: str | None
    cases: list[str]
    #: usernames of the accounts still attached to the dissolved unit (to move)
    accounts: list[str]


def open_cases(session: Session, org: Organisation) -> list[Case]:
    """The open cases of which ``org`` is the responsible unit."""
    return list(session.scalars(select(Case).where(Case.city_id == org.city_id, Case.unit_id == org.id,
                                                   Case.status.in_(OPEN_VALUES)).order_by(Case.id)))


def _kernel_actor(session: Session, actor: Actor | None, city_id: int) -> Actor:
    if actor is not None:
        return actor
    root = session.scalar(select(Node.path).where(Node.city_id == city_id, Node.level == Level.CITY.value)) or "/"
    return Actor.system(city_id, root)


def dissolve(session: Session, city_id: int, code: str, *, successor: str | None, actor: Actor | None,
             now: dt.datetime, note: str | None = None) -> Succession:
    """Dissolve the organisation ``code``, handing its open cases to ``successor`` (required
    when there are any). All or nothing: one transaction, committed at the end."""
    org = chart.get(session, city_id, code)
    heir = chart.get(session, city_id, successor) if successor else None
    chart.check_dissolve(session, org, heir, actor)
    cases = open_cases(session, org)
    if cases and heir is None:
        raise SettingError(f"{len(cases)} open cases: name the successor that takes them over",
                           "successor", "successor_needed")
    who = _kernel_actor(session, actor, city_id)
    with one_transaction(session):
        if heir is not None:
            ref, node = unit(session, city_id, heir.code)
            for case in cases:
                command(session, case, Action.HAND_OVER, who, now, changes=unit_changes(ref, node),
                        note=note, extra={"unit": heir.code, "from": org.code}, reschedule=False)
            _move_parts(session, org, heir)
        chart.dissolve(session, org, actor, now=now, successor=heir, cases=[c.code for c in cases])
    attached = list(session.scalars(select(User.username).where(User.organisation_id == org.id,
                                                                User.active.is_(True)).order_by(User.username)))
    return Succession(org.code, heir.code if heir else None, [c.code for c in cases], attached)


def _move_parts(session: Session, org: Organisation, heir: Organisation) -> None:
    """The dissolved unit's co-handling parts of open cases go to the successor (dropped where
    the successor already leads or co-handles the case)."""
    open_ids = select(Case.id).where(Case.city_id == org.city_id, Case.status.in_(OPEN_VALUES))
    theirs = select(CaseCohandler.case_id).where(CaseCohandler.unit_id == heir.id)
    led = select(Case.id).where(Case.unit_id == heir.id)
    mine = (CaseCohandler.unit_id == org.id, CaseCohandler.case_id.in_(open_ids))
    session.execute(delete(CaseCohandler).where(*mine, CaseCohandler.case_id.in_(theirs.union(led)))
                    .execution_options(synchronize_session=False))
    session.execute(update(CaseCohandler).where(*mine).values(unit_id=heir.id)
                    .execution_options(synchronize_session=False))
