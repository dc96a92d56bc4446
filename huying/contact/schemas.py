"""What the register's API returns (identity numbers masked, and only within scope)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class PersonRead(BaseModel):
    name: str
    #: ``4419**********1234`` to staff whose scope covers the household's grid; else null.
    id_number: str | None
    phone: str | None


class HouseholdRead(BaseModel):
    code: str
    address: str
    size: int
    is_migrant: bool
    needs: list[str]
    moved_out: bool
    people: list[PersonRead]


class CandidateRead(BaseModel):
    address: str
    grid: str
    score: float


class MatchRead(BaseModel):
    """Address → grid: ``exact``, ``fuzzy``, ``ambiguous`` (no grid, the candidates) or ``unknown``."""

    kind: str
    grid: str | None
    candidates: list[CandidateRead]


class VisitCreate(BaseModel):
    """A visit to a household (驻点联系). ``at`` defaults to now; ``problems``: each raised
    problem's text, each becomes a case (channel ``resident_point_visit``)."""

    household: str | None = Field(None, min_length=1, max_length=30,
                                  description="The household's code (or give ``unit``).")
    unit: str | None = Field(None, min_length=1, max_length=30,
                             description="An enterprise's code, for a visit to an enterprise.")
    how: str = Field(description="door, phone or online")
    at: dt.datetime | None = None
    notes: str = ""
    needs: list[str] = Field(default_factory=list, max_length=10)
    problems: list[str] = Field(default_factory=list, max_length=10)


class VisitRead(BaseModel):
    id: int
    #: The household's code, or "" for a visit to an enterprise.
    household: str
    #: The enterprise's code, or "".
    unit: str = ""
    cadre: str
    at: dt.datetime
    how: str
    notes: str
    needs: list[str]
    #: The codes of the cases its problems became.
    cases: list[str]


class VisitPage(BaseModel):
    total: int
    items: list[VisitRead]


class UnitTally(BaseModel):
    assigned: int
    visited: int
    coverage: float | None
    overdue: int


class TallyRead(BaseModel):
    """Households (and, under ``enterprises``, enterprises) assigned, visited in the period
    and overdue now."""

    assigned: int
    visited: int
    #: visited / assigned (null when nothing is assigned)
    coverage: float | None
    overdue: int
    enterprises: UnitTally


class CadreTally(TallyRead):
    cadre: str
    name: str


class NodeTally(TallyRead):
    node: str
    name: str


class CoverageRead(BaseModel):
    node: str
    period: dict[str, str]
    total: TallyRead
    cadres: list[CadreTally]
    children: list[NodeTally]


class AssignCreate(BaseModel):
    """Households given to a cadre (all or none)."""

    model_config = ConfigDict(extra="forbid")

    households: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=500, description="Codes of the households.")
    units: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=500, description="Codes of the enterprises.")
    cadre: str = Field(..., min_length=1, max_length=60, description="Username of the cadre.")


class AssignRead(BaseModel):
    assigned: int = Field(description="Households whose cadre changed (the others had this cadre already).")
    cadre: str
