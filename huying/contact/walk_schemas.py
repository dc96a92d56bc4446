"""What the walks' API takes and returns (issue #16)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class WalkCreate(BaseModel):
    """A walk to plan: seen by its planner alone until it starts."""

    model_config = ConfigDict(extra="forbid")

    node: str = Field(min_length=1, max_length=20, description="The destination: a town, community or grid code.")
    planned_on: dt.date = Field(description="The day of the walk (today or later, the city's days).")
    place: str | None = Field(default=None, max_length=200, description="A place in it, as free text.")


class ProblemCreate(BaseModel):
    """A problem found on the walk: fixed on the spot (``evidence``) or put on a ledger
    (``plan`` and the day ``due`` it is done by). Photos: through the walk's page."""

    model_config = ConfigDict(extra="forbid")

    what: str = Field(min_length=1, max_length=2000)
    outcome: str = Field(description="fixed_on_spot or ledger")
    lon: float | None = None
    lat: float | None = None
    address: str | None = Field(default=None, max_length=200)
    evidence: str = Field(default="", max_length=2000)
    plan: str = Field(default="", max_length=2000)
    due: dt.date | None = None


class WalkProblemRead(BaseModel):
    case: str
    outcome: str
    status: str


class WalkRead(BaseModel):
    id: int
    planner: str
    planned_on: dt.date
    status: str
    #: The destination node's code and name, and the place given (seen within scope only).
    node: str
    node_name: str
    place: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    problems: list[WalkProblemRead]


class WalkPage(BaseModel):
    total: int
    items: list[WalkRead]


class WalkTallyRead(BaseModel):
    walks: int
    problems: int
    fixed_on_spot: int
    ledger: int
    closed: int


class NodeWalkTally(WalkTallyRead):
    node: str
    name: str


class WalkFiguresRead(BaseModel):
    node: str
    period: dict[str, str]
    total: WalkTallyRead
    children: list[NodeWalkTally]
