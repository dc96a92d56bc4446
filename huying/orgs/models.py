"""Tables of organisations, people and accounts."""

from __future__ import annotations

import datetime as dt
import enum
from itertools import chain
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, event, false
from sqlalchemy.orm import Mapped, Session, mapped_column

from huying.cityconfig import config_cache
from huying.db import Base, CityScoped, UTCDateTime, utcnow


class OrgKind(enum.StrEnum):
    PARTY_COMMITTEE = "party_committee"  # 市委 / 镇街党委
    PARTY_ORGANISATION = "party_organisation"  # 村(社区)党组织
    DEPARTMENT = "department"  # 职能部门
    GRID_TEAM = "grid_team"  # 网格党建协作组 (一格一组)
    SERVICE_ALLIANCE = "service_alliance"  # 网格党群服务联盟
    ALLIANCE_TEAM = "alliance_team"  # 联盟下的队伍: 纠纷调解 / 治安巡防 / 设施维护
    SOCIAL_ORGANISATION = "social_organisation"
    ENTERPRISE = "enterprise"
    STATE_FIRM = "state_firm"  # 国有企业
    PUBLIC_INSTITUTION = "public_institution"  # 事业单位


class Department(enum.StrEnum):
    CIVIL_AFFAIRS = "civil_affairs"  # 民政
    SOCIAL_SECURITY = "social_security"  # 人社 / 社保
    HEALTH = "health"  # 卫健
    URBAN_MANAGEMENT = "urban_management"  # 城管
    HOUSING = "housing"  # 住建
    TRANSPORT = "transport"  # 交通
    ENVIRONMENT = "environment"  # 生态环境
    PUBLIC_SECURITY = "public_security"  # 公安
    MARKET_REGULATION = "market_regulation"  # 市场监管
    FIRE = "fire"  # 消防
    CULTURE = "culture"  # 文化 / 教育文体
    AGRICULTURE = "agriculture"  # 农业农村


DEPARTMENT_NAMES: dict[Department, tuple[str, str]] = {
    Department.CIVIL_AFFAIRS: ("民政", "Civil Affairs"),
    Department.SOCIAL_SECURITY: ("人力资源和社会保障", "Human Resources and Social Security"),
    Department.HEALTH: ("卫生健康", "Health"),
    Department.URBAN_MANAGEMENT: ("城市管理和综合执法", "Urban Management"),
    Department.HOUSING: ("住房和城乡建设", "Housing and Urban-Rural Development"),
    Department.TRANSPORT: ("交通运输", "Transport"),
    Department.ENVIRONMENT: ("生态环境", "Ecology and Environment"),
    Department.PUBLIC_SECURITY: ("公安", "Public Security"),
    Department.MARKET_REGULATION: ("市场监督管理", "Market Regulation"),
    Department.FIRE: ("消防救援", "Fire and Rescue"),
    Department.CULTURE: ("文化广电旅游体育", "Culture, Tourism and Sports"),
    Department.AGRICULTURE: ("农业农村", "Agriculture and Rural Affairs"),
}


class TeamKind(enum.StrEnum):
    DISPUTE_MEDIATION = "dispute_mediation"  # 纠纷调解
    SECURITY_PATROL = "security_patrol"  # 治安巡防
    FACILITY_MAINTENANCE = "facility_maintenance"  # 设施维护


class Role(enum.StrEnum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    COMMUNITY_OFFICER = "community_officer"
    TOWN_OFFICER = "town_officer"
    CITY_OFFICER = "city_officer"
    DEPARTMENT_HANDLER = "department_handler"
    LEADER = "leader"
    ADMIN = "admin"
    #: The account of a co-building organisation (共建单位: an agency, a firm, a social
    #: organisation): it claims and funds public-welfare projects for its organisation.
    PARTNER = "partner"
    #: An application's account (an Open311 client): it files reports for the people using it
    #: and reads what the public reads, plus the status of what it filed. It holds API keys,
    #: never a web session.
    CLIENT = "client"


#: Accounts of people outside the city's organisations: they see and act on their own reports
#: only, whatever node their account is attached to (a co-building organisation's account
#: sits at the city's root), and never a node's figures or lists.
OUTSIDE = frozenset({Role.RESIDENT, Role.PARTNER, Role.CLIENT})


def is_staff(role: str | None) -> bool:
    """The role is one of the city's organisations' own people (grid workers, officers,
    handlers, leaders, administrators): the one test of "staff" for every surface."""
    return role is not None and role not in OUTSIDE


class Organisation(CityScoped, Base):
    """An organisation attached to a node of the tree. A responsible unit of a case is an
    organisation; its level is the level of its node."""

    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        Index("ix_organisations_node_kind", "node_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable, human-readable code, e.g. ``441900101-dept-urban_management``.
    code: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    #: For ``department`` organisations: which line department.
    department: Mapped[str | None] = mapped_column(String(30))
    #: For ``alliance_team`` organisations: which kind of team.
    team_kind: Mapped[str | None] = mapped_column(String(30))
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrganisationTown(CityScoped, Base):
    """A town a department serves (its scope, 服务镇街): a city department may serve some towns
    only (a branch office for a few), a town department its own town. None listed: the
    department serves every town below its node."""

    __tablename__ = "organisation_towns"
    __table_args__ = (UniqueConstraint("organisation_id", "node_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"))


def organisations_changed(session: Session, city_id: int) -> None:
    """Record, in the caller's transaction, that the city's organisations (or the towns a
    department serves) changed: the version every per-process cache of them compares
    (``config_cache.ORGANISATIONS``; the routing's units along a place). Every flush that
    writes an :class:`Organisation` or an :class:`OrganisationTown` calls it (below); a bulk
    insert of plain statements (the demo build) calls it itself."""
    config_cache.bump_in_flush(session, city_id, config_cache.ORGANISATIONS)


@event.listens_for(Session, "before_flush")
def _organisations_written(session: Session, _context: Any, _instances: Any) -> None:
    cities = {o.city_id for o in chain(session.new, session.dirty, session.deleted)
              if isinstance(o, (Organisation, OrganisationTown))}
    for city_id in sorted(cities):
        organisations_changed(session, city_id)


class Person(CityScoped, Base):
    """A person known to the city: resident, cadre, grid worker. Demo people are synthetic."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    #: Masked phone number, e.g. ``138****0001``; full numbers are never stored in demo data.
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    #: The grid (or other node) where the person lives or works.
    node_id: Mapped[int | None] = mapped_column(ForeignKey("geo_nodes.id", ondelete="SET NULL"), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The identity number masked for display (``4419**********1234``) and its keyed hash
    #: (HMAC-SHA256, ``huying.contact.identity``); the number itself is never stored.
    id_masked: Mapped[str | None] = mapped_column(String(20))
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(CityScoped, Base):
    """An account. It acts for one node (its scope: that node and everything below it) in
    one role; a department handler also belongs to an organisation (its unit)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: Preferred UI language: ``zh`` or ``en``.
    locale: Mapped[str] = mapped_column(String(5), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The generation of the account's web sessions: a session cookie carries the one it
    #: was signed in under, and bumping it (sign-out, a new password, deactivation) ends
    #: every session of the account at once (:func:`huying.orgs.service.end_sessions`).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The person must choose a new password before anything else (a new account, a reset
    #: by an administrator): the pages send them to ``/account/password`` until they do.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class ApiToken(CityScoped, Base):
    """An API token of a user. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    #: The first characters of the token, to tell tokens apart in listings.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(CityScoped, Base):
    """A one-time code to set a new password (a link ``/reset/<code>`` or the code read out):
    only its SHA-256 is stored, it expires, and it is used at most once
    (:mod:`huying.orgs.accounts`)."""

    __tablename__ = "password_resets"
    __table_args__ = (UniqueConstraint("code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LoginFailure(Base):
    """A failed sign-in: when, from which client address, for which username (lower case).
    The sign-in limiter (``huying.web.ratelimit``) counts these rows in a sliding window, so
    every server process sees the same count; rows older than the window are pruned.
    ``city_id`` is the city of the account named, when there is one (a sign-in happens
    before any city is known, so it may be empty)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_address_at", "address", "at"),
        Index("ix_login_failures_at", "at"),
        Index("ix_login_failures_username_at", "username", "at"),  # the lock per account
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(60))


class ContactAddress(CityScoped, Base):
    """An account's e-mail address or mobile phone number for notifications
    (:mod:`huying.orgs.contacts`). It is used only once verified (a code sent to it and typed
    back) and while its owner has it switched on; the verification message is the one
    message an unverified address gets. The code is kept as a hash, never in clear."""

    __tablename__ = "contact_addresses"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``email`` or ``sms``.
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(80))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The owner's choice: notifications go out through this channel.
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Wrong codes typed since the last code was sent (at most ``contacts.MAX_TRIES``).
    code_tries: Mapped[int] = mapped_column(Integer, default=0)
    #: Codes sent in the current window (``code_window_at``): at most ``contacts.MAX_CODES``.
    codes_sent: Mapped[int] = mapped_column(Integer, default=0)
    code_window_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
