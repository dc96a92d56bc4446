"""What the public-welfare exchange's API takes and returns (issue #17). Amounts are exact
decimals, given and returned as strings (``"1500.00"``) so that no float rounds them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GoodsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=1_000_000)
    unit: str = Field(default="", max_length=12)


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    weight: int = Field(ge=1, le=100, description="Its share of the project, in percent (the weights sum to 100).")


class ProjectCreate(BaseModel):
    """A project to post (officers of its community): a draft, or open at once."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    need: str = Field(min_length=1, max_length=2000, description="The need it answers, in words.")
    type: str = Field(max_length=20, description="elderly_canteen, student_aid, environment, culture_sports, "
                                                 "care or volunteering")
    beneficiaries: int = Field(ge=1, le=10_000_000, description="How many benefit (never who).")
    beneficiary_kind: str = Field(max_length=20, description="elderly, children, students, residents, disabled, "
                                                             "families_in_need or newcomers")
    community: str = Field(min_length=1, max_length=20, description="The community's code.")
    budget: str | None = Field(default=None, max_length=20, description="Money needed, e.g. \"85000.00\".")
    goods: list[GoodsCreate] = Field(default_factory=list, max_length=50)
    milestones: list[MilestoneCreate] = Field(default_factory=list, max_length=20)
    publish: bool = False
    decision: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                 description="The council decision (of kind project) the project carries out.")


class MilestonesSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    milestones: list[MilestoneCreate] = Field(min_length=1, max_length=20)


class PledgeCreate(BaseModel):
    """A pledge (认捐) of your organisation: money and/or goods (by the goods' id or name)."""

    model_config = ConfigDict(extra="forbid")

    amount: str | None = Field(default=None, max_length=20, description="Money, e.g. \"2000.00\".")
    goods: dict[str, int] = Field(default_factory=dict, max_length=50)
    organisation: str | None = Field(default=None, max_length=80,
                                     description="Your organisation's code (you act for it alone).")


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str | None = Field(default=None, max_length=80)


class AgreementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(min_length=1, max_length=80)
    signed_on: dt.date
    term_until: dt.date
    milestones: list[MilestoneCreate] = Field(min_length=1, max_length=20)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class ProjectSummary(BaseModel):
    code: str
    title: str
    type: str
    status: str
    community: str
    community_name: str
    budget: Decimal | None
    pledged: Decimal
    remaining: Decimal | None


class ProjectPage(BaseModel):
    total: int
    items: list[ProjectSummary]


class PledgeRead(BaseModel):
    id: int
    project: dict[str, Any]


class ProjectRead(BaseModel):
    """A project as everyone may see it: organisations named, people never."""

    code: str
    title: str
    need: str
    type: str
    status: str
    beneficiaries: dict[str, Any]
    community: dict[str, str]
    town: dict[str, str] | None
    budget: Decimal | None
    pledged: Decimal
    remaining: Decimal | None
    goods: list[dict[str, Any]]
    progress: int
    milestones: list[dict[str, Any]]
    claimed_by: dict[str, str] | None
    pledges: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
    history: list[dict[str, Any]]
    allowed_actions: list[str] = []
