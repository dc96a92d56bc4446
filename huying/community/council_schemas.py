"""What the API of co-building councils takes and returns."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from huying.community.lists_schemas import WINDOWS_DOC


class MemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node: str = Field(max_length=20, description="The community's code.")
    organisation: str = Field(max_length=80, description="The organisation's code.")
    role: str = Field(default="member", max_length=12, description="convener, member or observer")


class MemberRead(BaseModel):
    id: int
    organisation: str
    name: str
    name_en: str
    kind: str
    role: str
    joined_on: dt.date


class DecisionNeed(BaseModel):
    """What a decision of kind ``need`` puts on the needs list (at the community, or at a
    household of it)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=20)
    household: str | None = Field(default=None, max_length=30)
    windows: str | list[list[int]] | None = Field(default=None, description=WINDOWS_DOC)
    people: int = 1
    note: str = Field(default="", max_length=1000)
    lon: float | None = None
    lat: float | None = None


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=1000)
    kind: str = Field(max_length=10, description="need or project")
    need: DecisionNeed | None = None


class MeetingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node: str = Field(max_length=20, description="The community's code.")
    held_on: dt.date
    place: str = Field(max_length=200)
    topics: list[str] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=4000)
    organisations: list[str] = Field(default_factory=list, max_length=100, description="Member organisations' codes.")
    users: list[str] = Field(default_factory=list, max_length=100, description="Attending accounts' usernames.")
    decisions: list[DecisionCreate] = Field(default_factory=list, max_length=20)


class DecisionRead(BaseModel):
    id: int
    text: str
    kind: str
    need_id: int | None
    project_id: int | None


class AttendeeOrg(BaseModel):
    code: str
    name: str


class MeetingRead(BaseModel):
    id: int
    node: str
    held_on: dt.date
    place: str
    topics: list[str]
    notes: str
    organisations: list[AttendeeOrg]
    users: list[str]
    decisions: list[DecisionRead]


class MeetingPage(BaseModel):
    total: int
    items: list[MeetingRead]
