"""Pydantic shapes of the intake API: a draft report in, what intake would make of it out."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class DraftIn(BaseModel):
    """The text of a report being written (the fields as ``POST /api/v1/cases`` names them)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)


class SimilarIn(DraftIn):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    category: str | None = Field(default=None, max_length=60,
                                 description="The category chosen, if any (code or name).")


class JoinIn(SimilarIn):
    anonymous: bool = Field(default=False, description="Join without your account: you then "
                            "leave a contact, and follow the case by its code only.")
    contact: str | None = Field(default=None, max_length=60)


class SuggestionItem(BaseModel):
    category: str
    name: str
    confidence: float


class SuggestionRead(BaseModel):
    category: str | None = Field(description="The category intake would set (null: it would "
                                 "leave the report to a person).")
    category_name: str | None
    confidence: float | None
    needs_review: bool
    suggestions: list[SuggestionItem]
    model_version: str | None


class SimilarCase(BaseModel):
    code: str
    title: str
    status: str
    status_label: str
    lon: float | None = Field(description="Rounded to 0.001° (about 100 m).")
    lat: float | None
    grid: str | None
    grid_name: str | None
    grid_name_en: str | None
    reported_at: dt.datetime
    distance_m: int = Field(description="From the given point, in steps of 50 m.")
    similarity: float
    likely: bool = Field(description="Likely the same problem: what the reporter is asked about.")


class SimilarPage(BaseModel):
    items: list[SimilarCase]
