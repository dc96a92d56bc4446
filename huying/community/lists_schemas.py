"""What the API of the three lists and their matches takes and returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

WINDOWS_DOC = "Time windows: text like 'Sa 9-12; Mo 14-17', or [[weekday 0-6, from hour, to hour], ...]; none: any time."


class NeedCreate(BaseModel):
    """A need for a community's needs list: at a household of the register (its code) or at
    the community (``node``, with an optional point)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=20, description="meal_help, medical_help, study_help, housekeeping, legal_advice, "
                                                 "counselling, recreation, volunteering or venue")
    node: str | None = Field(default=None, max_length=20, description="The community's code.")
    household: str | None = Field(default=None, max_length=30, description="A household's code in the register.")
    windows: str | list[list[int]] | None = Field(default=None, description=WINDOWS_DOC)
    people: int = Field(default=1, description="How many people (1-500).")
    note: str = Field(default="", max_length=1000)
    source: str = Field(default="resident", max_length=12, description="resident, visit, case or council")
    source_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    lon: float | None = None
    lat: float | None = None


class OfferCreate(BaseModel):
    """A service (of a centre or an organisation) or a resource (``kind``: venue, funds,
    volunteers or skills) of a community."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=20)
    name: str = Field(max_length=120)
    node: str | None = Field(default=None, max_length=20, description="The community's code (or give a centre).")
    kind: str | None = Field(default=None, max_length=12)
    centre: str | None = Field(default=None, max_length=40, description="A centre's code.")
    organisation: str | None = Field(default=None, max_length=80, description="An organisation's code.")
    windows: str | list[list[int]] | None = Field(default=None, description=WINDOWS_DOC)
    capacity: int = Field(default=1, description="Places: how many people at a time (1-100000).")
    note: str = Field(default="", max_length=1000)
    lon: float | None = None
    lat: float | None = None


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node: str = Field(max_length=20, description="The community whose open needs are matched.")


class MatchAct(BaseModel):
    """A move of a match: accept, decline, fulfil, or evaluate (with a rating 1-5)."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(max_length=12)
    rating: int | None = None
    comment: str = Field(default="", max_length=1000)


class NeedRead(BaseModel):
    id: int
    type: str
    source: str
    source_id: int | None
    household: str | None
    people: int
    windows: list[list[int]]
    windows_text: str
    note: str
    status: str
    created_at: dt.datetime


class NeedPage(BaseModel):
    total: int
    items: list[NeedRead]


class OfferRead(BaseModel):
    id: int
    list_kind: str
    kind: str | None
    type: str
    name: str
    provider: str | None
    windows: list[list[int]]
    windows_text: str
    capacity: int
    places_left: int
    note: str


class OfferPage(BaseModel):
    total: int
    items: list[OfferRead]


class MatchRead(BaseModel):
    id: int
    status: str
    need: int
    offer: int
    offer_name: str
    type: str
    people: int
    distance_m: int
    window: list[int] | None
    places_left: int
    capacity: int
    rating: int | None
    comment: str
    explanation: str
    explanation_en: str
    allowed: list[str]
    history: list[dict[str, Any]]


class MatchPage(BaseModel):
    total: int
    items: list[MatchRead]
