"""An account's open work, listed when it is deactivated so that someone takes it over:
the households and enterprises it visits (``VisitAssignment``, reassigned on the visits'
page) and the ledgers (台账) of cases it supervises. Read-only: the reassignment itself is
each pillar's own command."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case, Ledger
from huying.contact.models import Household, Unit, VisitAssignment

#: At most this many items of each kind are listed (the counts are complete).
SHOWN = 50


@dataclass(frozen=True)
class Item:
    kind: str  # "visit" or "ledger"
    label: str  # a household's address, an enterprise's name, a case's code and title
    link: str


@dataclass(frozen=True)
class OpenWork:
    visits: int
    ledgers: int
    items: list[Item]

    @property
    def total(self) -> int:
        return self.visits + self.ledgers


def open_work(session: Session, user_id: int) -> OpenWork:
    """What ``user_id`` still answers for."""
    open_visits = (VisitAssignment.cadre_id == user_id, VisitAssignment.ended_at.is_(None))
    visits = list(session.execute(
        select(VisitAssignment.id, Household.address, Unit.name)
        .outerjoin(Household, Household.id == VisitAssignment.household_id)
        .outerjoin(Unit, Unit.id == VisitAssignment.unit_id)
        .where(*open_visits).order_by(VisitAssignment.due_at).limit(SHOWN)))
    n_visits = len(visits) if len(visits) < SHOWN else int(session.scalar(
        select(func.count()).select_from(VisitAssignment).where(*open_visits)) or 0)
    open_ledgers = (Ledger.supervisor_id == user_id, Ledger.closed_at.is_(None))
    ledgers = list(session.execute(select(Case.code, Case.title).join(Ledger, Ledger.case_id == Case.id)
                                   .where(*open_ledgers).order_by(Case.code).limit(SHOWN)))
    n_ledgers = len(ledgers) if len(ledgers) < SHOWN else int(session.scalar(
        select(func.count()).select_from(Ledger).where(*open_ledgers)) or 0)
    items = [Item("visit", address or name or "", "/visits/assign") for _, address, name in visits]
    items += [Item("ledger", f"{code} {title}", f"/cases/{code}") for code, title in ledgers]
    return OpenWork(n_visits, n_ledgers, items)
