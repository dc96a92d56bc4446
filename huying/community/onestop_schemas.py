"""Pydantic in/out of one-stop acceptance: the counter's form (one parameter model for the
API, the pages and the CLI) and a service request as it is read."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from huying.community.onestop_service import RequestIn


class RequestBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item: str = Field(min_length=1, max_length=40, description="The service item's code.")
    household: str | None = Field(default=None, max_length=30, description="The resident's household code, if registered.")
    community: str | None = Field(default=None, max_length=30,
                                  description="The code of the community (or grid) where the resident lives.")
    resident: str | None = Field(default=None, max_length=60, description="The resident's account (username), if any.")
    contact: str | None = Field(default=None, max_length=20, description="The resident's phone.")
    materials: list[str] = Field(default_factory=list, max_length=20, description="The materials brought.")
    pending: bool = Field(default=False, description="Accept with required materials to come (容缺受理).")
    delivery: str = Field(default="collect", max_length=12, description="collect, told or mail.")
    note: str | None = Field(default=None, max_length=2000)


class RequestCreate(RequestBase):
    def as_input(self) -> RequestIn:
        return RequestIn(item=self.item, household=self.household or None, community=self.community or None,
                         resident=self.resident or None, contact=self.contact or None,
                         materials=tuple(m for m in self.materials if m), pending=self.pending,
                         delivery=self.delivery, note=self.note or None)


class OneStopRead(BaseModel):
    centre: str
    centre_name: str
    centre_name_en: str
    item: str
    item_name: str
    item_name_en: str
    time_limit_days: int
    accepted_at: dt.datetime
    materials: list[str] | None = None
    missing: list[str] | None = None
    delivery: str | None = None
    contact: str | None = Field(default=None, description="The resident's phone, masked.")
    household: bool | None = None


class ServiceRequestRead(BaseModel):
    """A service request: the case (its code is the receipt) and its one-stop facts."""

    code: str
    status: str
    status_label: str
    title: str
    unit: str | None
    unit_name: str | None
    due_at: dt.datetime | None
    overdue: bool
    created_at: dt.datetime
    closed_at: dt.datetime | None
    allowed_actions: list[str] = Field(default_factory=list)
    onestop: OneStopRead | None


class ServiceRequestPage(BaseModel):
    items: list[ServiceRequestRead]
    total: int
    limit: int
    offset: int
