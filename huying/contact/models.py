"""The register of issue #16 (一标三实: standard addresses, and the households, people and
units at them), and the households' moves. Demo rows are synthetic.

People are the one ``people`` table of :mod:`huying.orgs.models` (with ``id_masked`` and
``id_hash`` for the identity number, never the number itself)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class AddressKind(enum.StrEnum):
    BUILDING = "building"
    ROOM = "room"


class Need(enum.StrEnum):
    """What a household needs from those in contact with it."""

    ELDER_ALONE = "elder_alone"  # 独居老人
    DISABILITY = "disability"  # 残疾
    LOW_INCOME = "low_income"  # 低保 / 低收入
    LEFT_BEHIND_CHILDREN = "left_behind_children"  # 留守儿童


class MoveKind(enum.StrEnum):
    MOVED_IN = "moved_in"  # into the city, from elsewhere (``from_text``)
    MOVED = "moved"  # from one registered address to another
    MOVED_OUT = "moved_out"  # out of the register (``to_text`` where to, when known)
    #: Not a move: its size, local/migrant or needs were edited (``place`` holds the new
    #: values, :func:`huying.contact.service.changes_of`), kept in the same history.
    CHANGED = "changed"
    #: Not a move either: the map was redrawn and the household's place now lies in another
    #: grid (``place`` holds ``grid=OLD>NEW``, the two grids' codes).
    REGRIDDED = "regridded"


class Address(CityScoped, Base):
    """A standard address (标准地址): a building with a point, or a room of one."""

    __tablename__ = "addresses"
    __table_args__ = (UniqueConstraint("city_id", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The standard text, as registered (e.g. 虎门镇人民路12号3栋201室).
    text: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default=AddressKind.BUILDING.value)
    #: The building of a room.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="CASCADE"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    # the parsed parts (huying.contact.address.parse), for queries and exports
    town: Mapped[str | None] = mapped_column(String(20))
    community: Mapped[str | None] = mapped_column(String(30))
    road: Mapped[str | None] = mapped_column(String(30))
    number: Mapped[str | None] = mapped_column(String(20))
    estate: Mapped[str | None] = mapped_column(String(40))
    building: Mapped[str | None] = mapped_column(String(10))
    unit: Mapped[str | None] = mapped_column(String(10))
    room: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Household(CityScoped, Base):
    """A household (户) living in a grid, at a registered address when it has one; local or
    migrant; its needs (``Need`` values joined by ``,``). Demo households are synthetic."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    grid_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="SET NULL"), index=True)
    size: Mapped[int] = mapped_column(Integer, default=1)
    is_migrant: Mapped[bool] = mapped_column(Boolean, default=False)
    needs: Mapped[str] = mapped_column(String(120), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    #: Set when the household moved out of the register (its moves: ``household_moves``).
    moved_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Unit(CityScoped, Base):
    """An enterprise or other organisation (单位) at a registered address."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Its code: the unified social credit code (统一社会信用代码) or the register's own.
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120))
    #: enterprise, shop, school, organisation ... (free, from the source register)
    kind: Mapped[str] = mapped_column(String(30), default="enterprise")
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id", ondelete="CASCADE"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    employees: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HouseholdMove(CityScoped, Base):
    """One move of a household (append-only): moved in (from where), moved, moved out."""

    __tablename__ = "household_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    from_address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="SET NULL"))
    to_address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="SET NULL"))
    #: Where from (moved in) or where to (moved out), as told: 湖南省衡阳市 ...
    place: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --------------------------------------------------------------------------- resident-point contact


class ContactKind(enum.StrEnum):
    """Who a cadre is in contact with: a household or an enterprise (a register ``Unit``)."""

    HOUSEHOLD = "household"
    UNIT = "unit"


class VisitHow(enum.StrEnum):
    """How a cadre was in contact with a household (驻点联系)."""

    DOOR = "door"  # 入户
    PHONE = "phone"  # 电话
    ONLINE = "online"  # 线上


class VisitAssignment(CityScoped, Base):
    """A cadre (a user) answering for the visits of a household or of an enterprise (a
    ``Unit``; exactly one of the two is set) (驻点联系): one open assignment each;
    reassigning ends the open one (``ended_at``). ``due_at`` is the next visit
    (:func:`huying.contact.visits.next_due`), stored and indexed like a case's deadline and
    recomputed on every visit."""

    __tablename__ = "visit_assignments"
    __table_args__ = (CheckConstraint("(household_id IS NULL) <> (unit_id IS NULL)", name="one_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: The household's last visit (by anyone), when it has had one.
    last_visit_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: When the sweeper looks at it next (:func:`huying.contact.visits.sweep_at`); none once
    #: its overdue household has been escalated, or the assignment ended.
    sweep_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    #: How far the sweeper went with it (:class:`huying.contact.visits.Notified`).
    notified: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(CityScoped, Base):
    """One visit to a household or an enterprise (exactly one set; append-only): who, when,
    how, what was noted. The cases its problems became are in ``visit_cases``.
    ``idempotency_key`` (with its request's ``fingerprint``) makes a retried submission store
    one visit, not two."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("city_id", "cadre_id", "idempotency_key"),
                      CheckConstraint("(household_id IS NULL) <> (unit_id IS NULL)", name="one_contact"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    how: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(String(2000), default="")
    #: ``Need`` values noted during the visit, joined by ``,``.
    needs: Mapped[str] = mapped_column(String(120), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitCase(CityScoped, Base):
    """A problem raised during a visit that became a case through intake (channel
    ``resident_point_visit``): the link of the case to its visit and household."""

    __tablename__ = "visit_cases"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))


# The walks' tables live in their own module; imported here so that ``Base.metadata`` knows
# them wherever the domain's models are loaded (huying.db.import_all_models).
# The stored member–household links (党员联户) live in their own module; imported here so that
# ``Base.metadata`` (``huying.db.import_all_models``) knows their tables.
# The deployments' tables (下沉) live in their own module; imported here so that every
# domain's ``models`` import gives ``Base.metadata`` all of them.
from huying.contact import deploy_models as deploy_models  # noqa: E402, F401
from huying.contact import link_models as _link_models  # noqa: E402,F401
from huying.contact import walk_models as walk_models  # noqa: E402
