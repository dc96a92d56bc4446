"""The public-welfare exchange (党群公益汇, issue #17): projects posted by the officers of a
community for organisations to claim (认领: take on the whole project) or fund (认捐: money or
goods), under co-building agreements (共建协议) with their own milestones.

Amounts are exact decimals (``Numeric(14, 2)``); what is still needed is the budget less the
pledges, per money and per goods item (:func:`huying.community.exchange_service.remaining`).
``Project.pledged_amount`` and ``ProjectGoods.pledged`` are the running sums a pledge moves
with a compare-and-set on ``Project.version``, so that two pledges cannot both take the last
of what is needed. Every change is an event (:func:`huying.community.events.record`)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow

MONEY = Numeric(14, 2)


class ProjectType(enum.StrEnum):
    """The need a project answers (a small declared list)."""

    ELDERLY_CANTEEN = "elderly_canteen"  # 长者饭堂
    STUDENT_AID = "student_aid"  # 助学
    ENVIRONMENT = "environment"  # 环境美化
    CULTURE_SPORTS = "culture_sports"  # 文体设施
    CARE = "care"  # 关爱帮扶
    VOLUNTEERING = "volunteering"  # 志愿服务


class BeneficiaryKind(enum.StrEnum):
    """Who benefits (counted, never named)."""

    ELDERLY = "elderly"
    CHILDREN = "children"
    STUDENTS = "students"
    RESIDENTS = "residents"
    DISABLED = "disabled"
    FAMILIES_IN_NEED = "families_in_need"
    NEWCOMERS = "newcomers"


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"  # seen by the community's officers only
    OPEN = "open"  # posted: organisations claim or pledge
    FUNDED = "funded"  # the pledges cover all that was needed
    CLAIMED = "claimed"  # one organisation took on the whole project
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Project(CityScoped, Base):
    """A public-welfare project of a community (``node_id``): the need it answers, who
    benefits (a count and a kind), its budget in money and/or goods, its status and the
    organisation that claimed it, if one did."""

    __tablename__ = "exchange_projects"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    need: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20), index=True)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)
    beneficiary_kind: Mapped[str] = mapped_column(String(20))
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    #: The money needed (null: goods only); what organisations pledged so far.
    budget: Mapped[Decimal | None] = mapped_column(MONEY)
    pledged_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    #: How many pledges were made (a claimed project has none; a pledged one is not claimed).
    pledges: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=ProjectStatus.DRAFT.value, index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    #: Bumped by every command: the compare-and-set of pledges and moves.
    version: Mapped[int] = mapped_column(Integer, default=1)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectGoods(CityScoped, Base):
    """An item of goods a project needs (e.g. 20 桌椅), and how many were pledged."""

    __tablename__ = "exchange_project_goods"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("exchange_projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(12), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    pledged: Mapped[int] = mapped_column(Integer, default=0)


class Agreement(CityScoped, Base):
    """A co-building agreement (共建协议) between an organisation and the community for a
    project: its parties, the day it was signed and its term; it has its own milestones."""

    __tablename__ = "exchange_agreements"
    __table_args__ = (UniqueConstraint("project_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("exchange_projects.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: The community's side (its party organisation), when it has one.
    community_party_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    term_until: Mapped[dt.date] = mapped_column(Date)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pledge(CityScoped, Base):
    """A pledge (认捐) of an organisation to a project: money (``amount``) and/or goods
    (:class:`PledgeGoods`)."""

    __tablename__ = "exchange_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("exchange_projects.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PledgeGoods(CityScoped, Base):
    __tablename__ = "exchange_pledge_goods"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("exchange_pledges.id", ondelete="CASCADE"), index=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("exchange_project_goods.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)


class Milestone(CityScoped, Base):
    """A milestone of a project (``agreement_id`` null) or of one of its agreements, with its
    weight (the weights of one set sum to 100) and when it was reached."""

    __tablename__ = "exchange_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("exchange_projects.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_agreements.id", ondelete="CASCADE"),
                                                     index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    weight: Mapped[int] = mapped_column(Integer)
    reached_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
