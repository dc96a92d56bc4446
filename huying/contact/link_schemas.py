"""The member–household link API's bodies (``/api/v1/links``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class LinkRead(BaseModel):
    id: int
    member: int = Field(description="The member's person id.")
    member_name: str = Field(description="The member's name, masked (张*).")
    household: str = Field(description="The household's code.")
    head: str = Field(description="The household's head, masked.")
    since: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None = Field(description="relinked, member_left, reoptimised or household_moved")
    distance_m: int = Field(description="From the member's home to the household, in metres.")
    need: str | None = Field(description="The household's need the link serves, if any.")
    need_matched: bool = Field(description="The member's specialties cover the need.")


class LinkPage(BaseModel):
    total: int
    items: list[LinkRead]


class MemberRead(BaseModel):
    member: int
    name: str = Field(description="Masked.")
    capacity: int
    specialties: list[str]
    active: bool
    left_at: dt.datetime | None
    households: list[LinkRead]


class MemberUpdate(BaseModel):
    capacity: int | None = Field(None, ge=0, le=50)
    specialties: list[str] | None = Field(None, max_length=10)


class SolveIn(BaseModel):
    node: str = Field(min_length=1, max_length=60, description="A town, community or grid code.")


class RunRead(BaseModel):
    node: str
    members: int
    households: int
    linked: int
    unlinked: int
    need_matched: int
    cost: int
    lower_bound: int | None
    optimal: bool
    changed: int = Field(description="Households whose member changed, as the solver counts them.")
    ended: int = Field(description="Link rows ended.")
    opened: int = Field(description="Link rows opened.")
    seconds: float
    greedy_cost: int | None = None
    enrolled: int = 0


class LeaveRead(BaseModel):
    member: int
    runs: list[RunRead]


class FiguresRead(BaseModel):
    node: str
    members: int
    linked_members: int
    households: int
    linked: int
    with_need: int
    need_matched: int
    mean_distance_m: int | None
