"""What the deployments' API takes and returns (下沉): names, not codes, beside the codes;
phone numbers masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from huying.contact import deploy_service as ds
from huying.contact.deploy_models import CheckIn, Deployment
from huying.geo.models import Node


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


# --------------------------------------------------------------------------- out (API and CLI)


def deployment_dict(dep: Deployment, node: Node, manage: bool, figures: ds.Figures | None = None) -> dict[str, Any]:
    return {"id": dep.id, "name": dep.name, "reason": dep.reason, "node": node.code, "node_name": node.name_zh,
            "status": dep.status, "started_at": dep.started_at, "ended_at": dep.ended_at, "travel_m": dep.travel_m,
            "bound_m": dep.bound_m, "manage": manage, "figures": figures.as_dict() if figures else None}


def roster_dict(r: ds.Roster) -> dict[str, Any]:
    return {"deployment": deployment_dict(r.deployment, r.node, r.manage, r.figures),
            "my_team": next((t.team.number for t in r.teams if t.team.id == r.my_team_id), None),
            "teams": [{"number": t.team.number, "grid": t.grid.code, "grid_name": t.grid.name_zh,
                       "community_name": t.community.name_zh if t.community else None,
                       "town_name": t.town.name_zh if t.town else None,
                       "members": [{"name": m.name, "organisation": m.organisation.name_zh if m.organisation else None,
                                    "phone": m.phone, "local": m.member.is_local, "distance_m": m.member.distance_m,
                                    "checkins": m.checkins, "last_checkin": m.last_checkin,
                                    "checked_in_today": m.today} for m in t.members]}
                      for t in r.teams]}


def checkin_dict(c: CheckIn, deployment_id: int, team_number: int) -> dict[str, Any]:
    return {"id": c.id, "deployment": deployment_id, "team": team_number, "day": c.day, "at": c.at, "lon": c.lon,
            "lat": c.lat, "note": c.note}
