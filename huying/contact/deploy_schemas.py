"""What the deployments' API takes and returns (下沉): names, not codes, beside the codes;
phone numbers masked."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class DeploymentCreate(BaseModel):
    """Send the staff available over a node (the city or a town) to its grids as
    three-person teams. ``teams`` defaults to every three available staff one team;
    ``started_at`` to now."""

    node: str = Field(min_length=1, max_length=60, description="The node's code (city or town).")
    name: str = Field(min_length=1, max_length=120)
    reason: str = Field("", max_length=1000)
    teams: int | None = Field(None, ge=1, le=100_000)
    started_at: dt.datetime | None = None


class CheckInCreate(BaseModel):
    """A member's check-in with their team: where (optional) and a note."""

    lon: float | None = None
    lat: float | None = None
    note: str = Field("", max_length=500)


class FiguresRead(BaseModel):
    teams: int
    staff: int
    checked_in: int
    checked_in_today: int
    grids: int
    #: Total travel, home to the grid's centre, in metres.
    travel_m: int
    mean_travel_m: int | None
    #: Members who are their team's local member (living in or nearest the grid).
    local: int


class DeploymentRead(BaseModel):
    id: int
    name: str
    reason: str
    node: str
    node_name: str
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    #: The solver's total travel of the whole deployment and its certified lower bound.
    travel_m: int
    bound_m: int | None
    #: Whether the caller may end it.
    manage: bool
    figures: FiguresRead | None = None


class DeploymentItem(BaseModel):
    id: int
    name: str
    node: str
    node_name: str
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    teams: int
    staff: int
    mine: bool


class DeploymentPage(BaseModel):
    total: int
    items: list[DeploymentItem]


class MemberRead(BaseModel):
    name: str
    organisation: str | None
    phone: str
    local: bool
    distance_m: int
    checkins: int
    last_checkin: dt.datetime | None
    checked_in_today: bool


class TeamRead(BaseModel):
    number: int
    grid: str
    grid_name: str
    community_name: str | None
    town_name: str | None
    members: list[MemberRead]


class RosterRead(BaseModel):
    deployment: DeploymentRead
    #: The caller's own team, when they are a member.
    my_team: int | None
    teams: list[TeamRead]


class CheckInRead(BaseModel):
    id: int
    deployment: int
    team: int
    day: dt.date
    at: dt.datetime
    lon: float | None
    lat: float | None
    note: str
