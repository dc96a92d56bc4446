"""What the register's API returns (identity numbers masked, and only within scope)."""

from __future__ import annotations

from pydantic import BaseModel


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
