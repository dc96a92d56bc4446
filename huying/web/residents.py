"""What a resident's pages show of their reports: each report with the step of the five it is
at (``present.progress``), its category in both languages, and its photos before (the
report's own) and after (the handling's evidence), as far as the resident may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Attachment, Case, CaseEvent
from huying.cases.policy import sees_report_in_full
from huying.cases.present import Progress, progress
from huying.cityconfig.models import Category
from huying.orgs.actor import Actor

#: The events whose photos show the problem solved (the unit's evidence, a co-handler's part).
AFTER = frozenset({"mark_handled", "record_part"})
#: Photos shown per report and side on a list (the case page shows them all).
PHOTOS_ON_A_LIST = 2


@dataclass
class ReportCard:
    case: Case
    progress: Progress
    category_zh: str | None
    category_en: str | None
    joined: bool
    before: list[int] = field(default_factory=list)  # attachment ids
    after: list[int] = field(default_factory=list)


def photos_by_side(session: Session, actor: Actor, cases: list[Case],
                   limit: int | None = None) -> dict[int, tuple[list[int], list[int]]]:
    """(before, after) photo ids by case id: after, the handling's evidence; before, the
    rest, the report's own only for whom ``sees_report_in_full`` lets see them (not a
    co-reporter: the rule of the case page's photos)."""
    if not cases:
        return {}
    full = {c.id for c in cases if sees_report_in_full(actor, c)}
    rows = session.execute(
        select(Attachment.case_id, Attachment.id, Attachment.event_seq, CaseEvent.action)
        .join(CaseEvent, (CaseEvent.case_id == Attachment.case_id)
              & (CaseEvent.seq == Attachment.event_seq))
        .where(Attachment.case_id.in_([c.id for c in cases]))
        .order_by(Attachment.id)).all()
    out: dict[int, tuple[list[int], list[int]]] = {c.id: ([], []) for c in cases}
    for case_id, att_id, seq, action in rows:
        before, after = out[case_id]
        side = after if action in AFTER else before if seq != 1 or case_id in full else None
        if side is not None and (limit is None or len(side) < limit):
            side.append(att_id)
    return out


def report_cards(session: Session, actor: Actor, cases: list[Case]) -> list[ReportCard]:
    """The resident's reports as their home and "my reports" show them, in the given order."""
    cats: dict[int, Any] = {c.id: c for c in session.scalars(select(Category).where(
        Category.id.in_({c.category_id for c in cases if c.category_id})))}
    photos = photos_by_side(session, actor, cases, limit=PHOTOS_ON_A_LIST)
    cards = []
    for c in cases:
        cat = cats.get(c.category_id) if c.category_id else None
        before, after = photos.get(c.id, ([], []))
        cards.append(ReportCard(
            case=c, progress=progress(c.status),
            category_zh=cat.name_zh if cat else None, category_en=(cat.name_en or None) if cat else None,
            joined=c.reporter_id != actor.user_id, before=before, after=after))
    return cards
