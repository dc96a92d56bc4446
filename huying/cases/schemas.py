"""Pydantic shapes of the cases API: ``XCreate`` in, ``XRead`` out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from huying.cases.reports import LIMITS


class PhotoIn(BaseModel):
    filename: str = Field(max_length=200)
    content_base64: str = Field(description="The image bytes, base64-encoded (JPEG, PNG, GIF or WebP).")


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=LIMITS["title"])
    description: str = Field(default="", max_length=LIMITS["description"])
    channel: str | None = Field(default=None, description="How the report came in; by default the reporter's role's own (a resident's web report, a grid worker's patrol, a leader's walk...). A channel the role may not use is a 403.")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    address: str | None = Field(default=None, max_length=LIMITS["address"])
    category: str | None = Field(default=None, max_length=LIMITS["category"], description="A category code or name.")
    priority: str = "normal"
    anonymous: bool = False
    contact: str | None = Field(default=None, max_length=LIMITS["contact"])
    photos: list[PhotoIn] = Field(default_factory=list, max_length=9)
    fixed_on_spot: str | None = Field(default=None, max_length=LIMITS["fixed_on_spot"],
                                      description="Evidence of a fix made on the spot (立行立改).")


class ActionIn(BaseModel):
    """Parameters of a command; which ones apply depends on the action."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(default=None, description="Refuse if the case has changed since.")
    unit: str | None = None
    units: list[str] | None = None
    note: str | None = Field(default=None, max_length=2000)
    category: str | None = None
    priority: str | None = None
    days: int | None = None
    evidence: str | None = Field(default=None, max_length=5000)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=9)
    satisfaction: str | None = None
    method: str | None = None
    comment: str | None = Field(default=None, max_length=2000)
    resolution: str | None = Field(default=None, max_length=5000)
    no_followup_reason: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=2000)
    plan: str | None = Field(default=None, max_length=5000)
    milestones: list[Any] | None = Field(
        default=None, description="open_ledger: [{\"title\": ..., \"due_at\": ISO date or date-time}, ...].")
    supervisor: str | None = Field(default=None, description="Username of the supervising leader.")
    reply_due: dt.datetime | None = Field(default=None, description="supervise: the reply deadline.")
    milestone: int | None = Field(default=None, description="complete_milestone: the milestone's id.")
    how: str | None = Field(default=None, max_length=12,
                            description="deliver (a service request): collected, told or mailed.")
    into: str | None = Field(default=None, max_length=30,
                             description="merge: the code of the case this one duplicates.")


class EventRead(BaseModel):
    seq: int
    at: dt.datetime
    actor: str | None
    unit_names: list[str] = Field(default_factory=list, description="The names of the units the event names.")
    role: str
    action: str
    from_status: str | None
    to_status: str
    note: str | None
    payload: dict[str, Any]


class CaseRead(BaseModel):
    code: str
    kind: str = Field(default="problem", description="problem, or service (a request accepted at a centre).")
    title: str
    description: str | None = Field(
        description="None for a co-reporter, who reads another resident's report as the public does.")
    status: str
    status_label: str
    category: str | None
    category_name: str | None
    priority: str
    channel: str
    lon: float | None
    lat: float | None
    address: str | None
    grid: str | None
    reporter_kind: str
    unit: str | None
    unit_name: str | None
    handling_level: str
    cohandlers: list[str]
    cohandler_names: list[str] = Field(default_factory=list)
    due_at: dt.datetime | None
    overdue: bool
    rework_count: int
    escalations: int
    satisfaction: str | None
    resolution: str | None
    reject_reason: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    allowed_actions: list[str] = Field(default_factory=list)
    hidden_publicly: list[str] = Field(
        default_factory=list,
        description="To the reporter: the kinds of personal data in the title (phone, landline, id_number, "
                    "bank_card, email, name) that the public pages, the public API and Open311 mask.")
    events: list[EventRead] | None = None
    evaluation: dict[str, Any] | None = None


class CasePage(BaseModel):
    items: list[CaseRead]
    total: int
    limit: int
    offset: int


class NoticeRead(BaseModel):
    id: int
    case: str | None
    unit: str
    source: str
    issued_by: str | None = Field(default=None, description="The name of the person who issued it (None: the system).")
    reason: str
    issued_at: dt.datetime
    reply_due_at: dt.datetime
    replied_at: dt.datetime | None
    reply: str | None
    late: bool
    closed_at: dt.datetime | None = Field(default=None, description="Closed without a reply because its case ended.")
    closed_reason: str | None = None


class NoticeReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply: str = Field(min_length=1, max_length=5000)


class PublicEvent(BaseModel):
    seq: int
    at: dt.datetime
    action: str
    to_status: str


class PublicCase(BaseModel):
    code: str
    title: str
    status: str
    status_label: str
    category: str | None
    category_name: str | None
    lon: float | None
    lat: float | None
    grid: str | None
    grid_name: str | None
    unit: str | None
    unit_name: str | None
    handling_level: str | None
    channel: str
    due_at: dt.datetime | None
    overdue: bool
    reject_reason: str | None
    kind: str = Field(default="problem", description="problem, or service (a request accepted at a centre).")
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    events: list[PublicEvent] | None = None


class PublicCasePage(BaseModel):
    items: list[PublicCase]
    total: int
    limit: int
    offset: int
