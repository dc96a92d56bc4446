"""Deployments (下沉, issue #16): staff of departments, towns and firms sent down to the grids
of a node as three-person teams (三人小组), as :mod:`huying.contact.deploy` solved it; the
rosters, and the members' daily check-ins.

A member of staff is a :class:`huying.orgs.models.Person` of an organisation (a department,
a town's party committee, a firm); the account that checks in for them is the user linked
to that person (``users.person_id``). A member's home point and travel are kept as the
solver used them, so a roster reads the same after people move."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huying.db import Base, CityScoped, UTCDateTime, utcnow


class DeploymentStatus(enum.StrEnum):
    ACTIVE = "active"  # 下沉中
    ENDED = "ended"  # 已结束


class Deployment(CityScoped, Base):
    """One emergency deployment over a node (the city or a town): its grids' teams are in
    ``deployment_teams``. ``travel_m`` is the solver's total travel (metres, home to the
    grid's centre), ``bound_m`` its certified lower bound (equal: optimal)."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    node_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=DeploymentStatus.ACTIVE.value)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    travel_m: Mapped[int] = mapped_column(Integer, default=0)
    bound_m: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeploymentTeam(CityScoped, Base):
    """A three-person team of a deployment, sent to one grid; ``number`` counts from 1 within
    the deployment, grid by grid."""

    __tablename__ = "deployment_teams"
    __table_args__ = (UniqueConstraint("deployment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("geo_nodes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)


class DeploymentMember(CityScoped, Base):
    """A member of staff in a team: where they live (as the solver took it), how far that is
    from the grid's centre, and whether they are the team's local member (living in or
    nearest the grid). A person is in one team of a deployment."""

    __tablename__ = "deployment_members"
    __table_args__ = (UniqueConstraint("deployment_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("deployment_teams.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: The member's organisation when deployed (a department, town or firm).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    #: 0: the team's local member; 1, 2: the others.
    slot: Mapped[int] = mapped_column(Integer)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    home_lon: Mapped[float | None] = mapped_column(Float)
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_grid_id: Mapped[int | None] = mapped_column(ForeignKey("geo_nodes.id", ondelete="SET NULL"))
    distance_m: Mapped[int] = mapped_column(Integer)


class CheckIn(CityScoped, Base):
    """A member's check-in with their team (append-only), at most one per member and local
    day (``day``): a repeated check-in that day is the first one."""

    __tablename__ = "deployment_checkins"
    __table_args__ = (UniqueConstraint("member_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("deployment_members.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("deployment_teams.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")
    #: The account that checked in.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
