"""Member–household links (党员联户, issue #16), stored: the party members who take
households (their home point, capacity and specialties, kept on a table of their own so
that the one ``people`` table stays as it is), and the links themselves with their history
(a link is ended, never deleted; ``end_reason`` says why).

A member's specialties are the household needs they can serve (:class:`~huying.contact.models.Need`
values joined by ``,``). Who sees which link is :mod:`huying.contact.link_service`."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow

#: A member's households unless told otherwise: :data:`huying.contact.linking.DEFAULT_CAPACITY`
#: (not imported: the solver pulls in SciPy and OR-Tools; a test checks that they agree).
DEFAULT_CAPACITY = 10


class EndReason(enum.StrEnum):
    """Why a link was ended."""

    RELINKED = "relinked"  # linking of its node was run again and chose another member
    MEMBER_LEFT = "member_left"  # its member left
    REOPTIMISED = "reoptimised"  # moved to another member to make room after a change
    HOUSEHOLD_MOVED = "household_moved"  # the household moved (out of the node, or elsewhere in it)


class LinkMember(CityScoped, Base):
    """A party member (a person with ``is_party_member``) who takes households: where they
    live (``node_id``: their grid; ``lon``/``lat``: their home), how many households
    (``capacity``), which needs they can serve (``specialties``), and whether they still
    take part (``left_at`` when they left)."""

    __tablename__ = "link_members"
    __table_args__ = (UniqueConstraint("city_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    specialties: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberLink(CityScoped, Base):
    """One link of a member (a person) to a household, from ``since`` until ``ended_at``
    (open while empty; one open link per household). ``node_id``: the node whose linking
    made it; ``distance_m``: from the member's home to the household, in integer metres;
    ``need``: the household's need the link was chosen for (if any) and ``need_matched``
    whether the member's specialties cover it."""

    __tablename__ = "member_links"
    __table_args__ = (
        Index("uq_member_links_open_household", "household_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    distance_m: Mapped[int] = mapped_column(Integer)
    need: Mapped[str | None] = mapped_column(String(30))
    need_matched: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
