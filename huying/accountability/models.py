"""Tables of responsibilities, reviews and weak organisations (issue #18).

- ``duty_lists`` / ``duty_items``: the city's responsibility lists (the town Party committees'
  checklist, the community micro-power lists, the community duties) and their items, editable;
  an item is retired, never deleted once evidence or scores cite it; every change is an event.
- ``duty_evidence``: what a node cites for an item in a year (a case, a visit, an exchange
  project, a document: an uploaded file or a URL with its title).
- ``reviews`` / ``review_reviewers`` / ``review_scores``: the yearly review (述职评议) of a
  node's organisation, its invited reviewers and their scores (one per reviewer and item: a
  unique constraint).
- ``weak_rules`` / ``weak_flags``: the editable rules that flag weak organisations (软弱涣散)
  from the indicators, and the flags; a flag's rectification is a case of kind
  ``rectification`` whose plan is the case's ledger (:mod:`huying.cases.rectification`).
- ``accountability_events``: the append-only history of all of these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime


class DutyList(CityScoped, Base):
    """A responsibility list of a city, for the organisations of one level."""

    __tablename__ = "duty_lists"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``town_checklist``, ``community_micro_power``, ``community_duties``... (the city's own).
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    #: The level of the organisations it binds (``town`` or ``community``).
    level: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DutyItem(CityScoped, Base):
    """An item of a list: its number, its text and who answers for it. Retired (not deleted)
    when it no longer applies; reworded in place, its old wording kept in the history."""

    __tablename__ = "duty_items"
    __table_args__ = (UniqueConstraint("list_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("duty_lists.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    #: Who answers for it (e.g. 党委书记, 社区党组织书记).
    answerable: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DutyEvidence(CityScoped, Base):
    """Evidence a node cites for an item in a year."""

    __tablename__ = "duty_evidence"
    __table_args__ = (Index("ix_duty_evidence_node_year", "node_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("duty_items.id", ondelete="RESTRICT"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    #: ``case``, ``visit``, ``project`` or ``document``.
    kind: Mapped[str] = mapped_column(String(12))
    #: The case's or project's code, the visit's id; empty for a document.
    ref: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    #: An uploaded document: where it is stored under the data directory, and its type.
    stored_path: Mapped[str | None] = mapped_column(String(300))
    content_type: Mapped[str | None] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Review(CityScoped, Base):
    """The yearly review (述职评议) of a node's organisation: draft → open (for scoring) →
    closed → published (:mod:`huying.accountability.review_workflow`)."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("node_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    #: The items scored: the active items of the lists of the node's level when it opened.
    item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    #: The secretary's written report (述职报告).
    report: Mapped[str | None] = mapped_column(Text)
    report_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: The results when closed: overall mean and grade (好/较好/一般/差 as codes).
    overall: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(12))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)


class ReviewReviewer(CityScoped, Base):
    """A person invited to score a review (its scope)."""

    __tablename__ = "review_reviewers"
    __table_args__ = (UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``officer`` (of the level above), ``council`` (a council member), ``representative``
    #: (a residents' representative, with an account).
    seat: Mapped[str] = mapped_column(String(16))
    scored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ReviewScore(CityScoped, Base):
    """One reviewer's score of one item (0–100) with a comment: once."""

    __tablename__ = "review_scores"
    __table_args__ = (UniqueConstraint("review_id", "user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("duty_items.id", ondelete="RESTRICT"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class WeakRule(CityScoped, Base):
    """A rule that flags an organisation of ``level`` as weak when the indicator ``key`` is
    below (or above) ``threshold`` for ``quarters`` quarters running."""

    __tablename__ = "weak_rules"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(40))
    #: ``below`` or ``above``.
    op: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[float] = mapped_column(Float)
    quarters: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class WeakFlag(CityScoped, Base):
    """An organisation identified as weak in a year (每年确定一批: once a year at most), with
    its rectification (a case of kind ``rectification``)."""

    __tablename__ = "weak_flags"
    __table_args__ = (UniqueConstraint("node_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    #: ``rule`` or ``hand``.
    source: Mapped[str] = mapped_column(String(8))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("weak_rules.id", ondelete="SET NULL"))
    #: The last quarter the rule looked at (``2025Q4``), for a rule's flag.
    quarter: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: ``recovered`` or ``by_hand``.
    cleared_how: Mapped[str | None] = mapped_column(String(12))


class AccountabilityEvent(CityScoped, Base):
    """The append-only history of responsibilities, reviews and weak organisations."""

    __tablename__ = "accountability_events"
    __table_args__ = (Index("ix_accountability_events_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
