"""An account's open work, listed when it is deactivated so that someone takes it over:
the households and enterprises it visits (``VisitAssignment``, reassigned on the visits'
page), the ledgers (台账) of cases it supervises, and the open cases of its unit when it is the unit's last active department handler (a case
answers to a unit, not to a person: with nobody left in the unit, each case is sent on from
its own page). Read-only: the reassignment itself is each pillar's own command. The one query
of "open work" for the page, the API and the command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case, Ledger
from huying.cases.workflow import OPEN_VALUES
from huying.contact.models import Household, Unit, VisitAssignment
from huying.orgs.models import Role, User

#: At most this many items of each kind are listed (the counts are complete).
SHOWN = 50


@dataclass(frozen=True)
class Item:
    kind: str  # "visit", "ledger" or "case"
    label: str  # a household's address, an enterprise's name, a case's code and title
    link: str


@dataclass(frozen=True)
class OpenWork:
    visits: int
    ledgers: int
    items: list[Item]
    cases: int = 0

    @property
    def total(self) -> int:
        return self.visits + self.ledgers + self.cases


def _listed(session: Session, q: Any, count: Any) -> tuple[list[Any], int]:
    """At most :data:`SHOWN` rows of ``q`` and how many there are in all."""
    rows = list(session.execute(q.limit(SHOWN)))
    return rows, len(rows) if len(rows) < SHOWN else int(session.scalar(count) or 0)


def _last_handler_of(session: Session, user_id: int) -> int | None:
    """The unit of which ``user_id`` is the last active department handler (else None)."""
    user = session.get(User, user_id)
    if user is None or user.role != Role.DEPARTMENT_HANDLER.value or user.organisation_id is None:
        return None
    others = session.scalar(select(func.count()).select_from(User).where(
        User.organisation_id == user.organisation_id, User.role == Role.DEPARTMENT_HANDLER.value,
        User.active.is_(True), User.id != user_id))
    return None if others else user.organisation_id


def open_work(session: Session, user_id: int) -> OpenWork:
    """What ``user_id`` still answers for."""
    open_visits = (VisitAssignment.cadre_id == user_id, VisitAssignment.ended_at.is_(None))
    visits, n_visits = _listed(session, select(VisitAssignment.id, Household.address, Unit.name)
                               .outerjoin(Household, Household.id == VisitAssignment.household_id)
                               .outerjoin(Unit, Unit.id == VisitAssignment.unit_id)
                               .where(*open_visits).order_by(VisitAssignment.due_at),
                               select(func.count()).select_from(VisitAssignment).where(*open_visits))
    open_ledgers = (Ledger.supervisor_id == user_id, Ledger.closed_at.is_(None))
    ledgers, n_ledgers = _listed(session, select(Case.code, Case.title).join(Ledger, Ledger.case_id == Case.id)
                                 .where(*open_ledgers).order_by(Case.code),
                                 select(func.count()).select_from(Ledger).where(*open_ledgers))
    cases: list[Any] = []
    n_cases = 0
    unit_id = _last_handler_of(session, user_id)
    if unit_id is not None:
        open_cases = (Case.unit_id == unit_id, Case.status.in_(OPEN_VALUES))
        cases, n_cases = _listed(session, select(Case.code, Case.title).where(*open_cases).order_by(Case.code),
                                 select(func.count()).select_from(Case).where(*open_cases))
    items = [Item("visit", address or name or "", "/visits/assign") for _, address, name in visits]
    items += [Item("ledger", f"{code} {title}", f"/cases/{code}") for code, title in ledgers]
    items += [Item("case", f"{code} {title}", f"/cases/{code}") for code, title in cases]
    return OpenWork(n_visits, n_ledgers, items, n_cases)
