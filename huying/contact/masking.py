"""How people of the register are shown to those who work with them: a name masked
(``张*``), a household's head masked. One rule, used by the visit and the link pages, lists
and APIs (never a full name of a resident)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.orgs.models import Person

__all__ = ["heads", "mask_name"]


def mask_name(name: str) -> str:
    """``张*`` / ``欧阳**``: the family name kept, the given name masked."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * max(1, len(name) - keep)


def heads(session: Session, household_ids: Sequence[int]) -> dict[int, str]:
    """Each household's head as shown to its cadre: the first person registered, masked."""
    out: dict[int, str] = {}
    if not household_ids:
        return out
    for hid, name in session.execute(select(Person.household_id, Person.name)
                                     .where(Person.household_id.in_(household_ids)).order_by(Person.id)):
        if hid is not None and hid not in out:
            out[hid] = mask_name(name)
    return out
