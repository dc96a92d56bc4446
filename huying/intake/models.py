"""Tables of intake: the ledger numbers of imported history."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped


class HistoryRef(CityScoped, Base):
    """The ledger's own number (``ref``) of a case imported as history: a row whose number
    is here already is refused, so that a ledger fixed and imported again, or imported twice,
    does not count its cases twice (huying.intake.history)."""

    __tablename__ = "history_refs"
    __table_args__ = (UniqueConstraint("city_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed alone: the unique (city_id, ref) starts with it.
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
