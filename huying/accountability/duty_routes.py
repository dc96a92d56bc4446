"""HTTP JSON endpoints of responsibility lists, yearly reviews (述职评议) and weak
organisations (软弱涣散). Thin: parse, call the services, present. Every refusal is the
services' (4xx with the reason)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from huying.accountability import duty_service as duties
from huying.accountability import review_service as reviews
from huying.accountability import weak_service as weak
from huying.deps import SessionDep
from huying.errors import InvalidInput
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.orgs.auth import CurrentActor

router = APIRouter(prefix="/api/v1/accountability", tags=["accountability"], dependencies=[Depends(reject_nul_body)])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ItemCreate(In):
    list: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2000)
    answerable: str = Field(default="", max_length=80)


class ItemUpdate(In):
    text: str = Field(min_length=1, max_length=2000)
    answerable: str | None = Field(default=None, max_length=80)
    version: int | None = Field(default=None, ge=1)


class Reason(In):
    reason: str = Field(min_length=1, max_length=2000)


class Note(In):
    note: str = Field(min_length=1, max_length=2000)


class EvidenceCreate(In):
    item_id: int = Field(ge=1, le=2**31 - 1)
    node: str = Field(min_length=1, max_length=20)
    year: int = Field(ge=2000, le=2100)
    kind: str = Field(max_length=12, description="case, visit, project or document (a URL and its title)")
    ref: str = Field(default="", max_length=40)
    title: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=500)


class ReviewCreate(In):
    node: str = Field(min_length=1, max_length=20)
    year: int = Field(ge=2000, le=2100)


class Invite(In):
    users: list[str] = Field(min_length=1, max_length=50)
    seat: str = Field(max_length=16, description="officer, council or representative")


class Report(In):
    text: str = Field(min_length=1, max_length=20_000)


class ScoreIn(In):
    item: int = Field(ge=1, le=2**31 - 1)
    score: int = Field(ge=0, le=100)
    comment: str | None = Field(default=None, max_length=1000)


class Scores(In):
    scores: list[ScoreIn] = Field(min_length=1, max_length=200)


class RuleIn(In):
    code: str = Field(min_length=1, max_length=40)
    name_zh: str = Field(min_length=1, max_length=120)
    level: str = Field(max_length=12)
    key: str = Field(max_length=40)
    op: str = Field(max_length=8)
    threshold: float = Field(ge=0, le=1)
    quarters: int = Field(default=2, ge=1, le=8)
    active: bool = True


class Run(In):
    quarter: str | None = Field(default=None, max_length=8)


class FlagCreate(In):
    node: str = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=2000)


class MilestoneIn(In):
    title: str = Field(min_length=1, max_length=200)
    due_at: dt.datetime


class Plan(In):
    plan: str = Field(min_length=1, max_length=5000)
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=20)
    supervisor: str | None = Field(default=None, max_length=60)


class Done(In):
    note: str | None = Field(default=None, max_length=2000)


# --------------------------------------------------------------------------- duties


@router.get("/duties/lists")
def duty_lists(session: SessionDep, actor: CurrentActor, level: str | None = Query(None, max_length=12),
               retired: bool = False) -> list[dict[str, Any]]:
    """The city's responsibility lists with their items (officers and leaders)."""
    return [v.as_dict() for v in duties.lists(session, actor, level=level, retired=retired)]


@router.post("/duties/items", status_code=201)
def add_item(body: ItemCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    return duties.item_dict(duties.add_item(session, actor, body.list, text=body.text, answerable=body.answerable,
                                            now=now))


@router.patch("/duties/items/{item_id}")
def reword_item(item_id: Id, body: ItemUpdate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    return duties.item_dict(duties.reword_item(session, actor, item_id, text=body.text, answerable=body.answerable,
                                               now=now, expected_version=body.version))


@router.post("/duties/items/{item_id}/retire")
def retire_item(item_id: Id, body: Reason, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    return duties.item_dict(duties.retire_item(session, actor, item_id, reason=body.reason, now=now))


@router.delete("/duties/items/{item_id}", status_code=204)
def delete_item(item_id: Id, session: SessionDep, actor: CurrentActor, now: Now) -> None:
    """Only an item nothing cites (else 409: retire it)."""
    duties.delete_item(session, actor, item_id, now=now)


@router.get("/duties/evidence")
def evidence(session: SessionDep, actor: CurrentActor, node: str = Query(max_length=20),
             year: int = Query(ge=2000, le=2100)) -> list[dict[str, Any]]:
    """The evidence a node cited in a year (staff within scope)."""
    return [duties.evidence_dict(e) for evs in duties.evidence_of(session, actor, node, year).values() for e in evs]


@router.post("/duties/evidence", status_code=201)
def cite(body: EvidenceCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Cite a case, a visit, a project or a document (URL) for an item (a record the actor
    cannot see: 404)."""
    return duties.evidence_dict(duties.cite(session, actor, duties.Citation(**body.model_dump()), now=now))


# --------------------------------------------------------------------------- reviews


@router.get("/reviews")
def review_list(session: SessionDep, actor: CurrentActor, year: int | None = Query(None, ge=2000, le=2100),
                status: str | None = Query(None, max_length=12)) -> list[dict[str, Any]]:
    return [{"id": r.id, "node": n.code, "node_name": n.name_zh, "year": r.year, "status": r.status,
             "overall": r.overall if r.status == "published" else None,
             "grade": r.grade if r.status == "published" else None}
            for r, n in reviews.list_reviews(session, actor, year=year, status=status)]


@router.post("/reviews", status_code=201)
def review_create(body: ReviewCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    review = reviews.create(session, actor, body.node, body.year, now=now)
    return reviews.get(session, actor, review.id).as_dict()


@router.get("/reviews/{review_id}")
def review_read(review_id: Id, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    return reviews.get(session, actor, review_id).as_dict()


@router.post("/reviews/{review_id}/reviewers")
def review_invite(review_id: Id, body: Invite, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    reviews.invite(session, actor, review_id, body.users, body.seat, now=now)
    return reviews.get(session, actor, review_id).as_dict()


@router.post("/reviews/{review_id}/report")
def review_report(review_id: Id, body: Report, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    reviews.submit_report(session, actor, review_id, body.text, now=now)
    return reviews.get(session, actor, review_id).as_dict()


@router.post("/reviews/{review_id}/scores")
def review_score(review_id: Id, body: Scores, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """An invited reviewer scores every item once (409 the second time; 409 outside the scope)."""
    given: dict[int, tuple[int, str | None]] = {}
    for i, s in enumerate(body.scores):
        if s.item in given:
            raise InvalidInput("an item is scored once", f"scores[{i}].item")
        given[s.item] = (s.score, s.comment)
    reviews.score(session, actor, review_id, given, now=now)
    return reviews.get(session, actor, review_id).as_dict()


@router.post("/reviews/{review_id}/actions/{action}")
def review_act(review_id: Id, session: SessionDep, actor: CurrentActor, now: Now,
               action: str = Path(max_length=20)) -> dict[str, Any]:
    """open · close · publish (409 listing what is allowed)."""
    reviews.act(session, actor, review_id, action, now=now)
    return reviews.get(session, actor, review_id).as_dict()


# --------------------------------------------------------------------------- weak organisations


@router.get("/weak")
def weak_list(session: SessionDep, actor: CurrentActor, year: int | None = Query(None, ge=2000, le=2100),
              open_only: bool = False) -> list[dict[str, Any]]:
    return [v.as_dict() for v in weak.flags(session, actor, year=year, open_only=open_only)]


@router.get("/weak/counts")
def weak_counts(session: SessionDep, actor: CurrentActor) -> list[dict[str, Any]]:
    """Per year and level: identified, rectified, still open (within the actor's scope)."""
    return [c.as_dict() for c in weak.yearly_counts(session, actor)]


@router.get("/weak/rules")
def weak_rules(session: SessionDep, actor: CurrentActor) -> list[dict[str, Any]]:
    return [{"code": r.code, "name_zh": r.name_zh, "level": r.level, "key": r.key, "op": r.op,
             "threshold": r.threshold, "quarters": r.quarters, "active": r.active} for r in weak.rules(session, actor)]


@router.post("/weak/rules")
def weak_rule_save(body: RuleIn, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    r = weak.save_rule(session, actor, weak.RuleIn(**body.model_dump()), now=now)
    return {"code": r.code, "name_zh": r.name_zh, "level": r.level, "key": r.key, "op": r.op,
            "threshold": r.threshold, "quarters": r.quarters, "active": r.active}


@router.post("/weak/run")
def weak_run(body: Run, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Run the rules over a quarter (default: the latest complete one)."""
    return weak.run_rules(session, actor, body.quarter, now=now).as_dict()


@router.post("/weak", status_code=201)
def weak_flag(body: FlagCreate, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    flag = weak.flag_by_hand(session, actor, body.node, body.reason, now=now)
    return weak.get_flag(session, actor, flag.id).as_dict()


@router.get("/weak/{flag_id}")
def weak_read(flag_id: Id, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    return weak.get_flag(session, actor, flag_id).as_dict()


@router.post("/weak/{flag_id}/plan")
def weak_plan(flag_id: Id, body: Plan, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """The rectification plan: the ledger of the rectification's case."""
    weak.open_plan(session, actor, flag_id, plan=body.plan, supervisor=body.supervisor, now=now,
                   milestones=[(m.title, m.due_at) for m in body.milestones])
    return weak.get_flag(session, actor, flag_id).as_dict()


@router.post("/weak/{flag_id}/milestones/{milestone_id}/complete")
def weak_milestone(flag_id: Id, milestone_id: Id, body: Done, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    weak.complete_milestone(session, actor, flag_id, milestone_id, note=body.note, now=now)
    return weak.get_flag(session, actor, flag_id).as_dict()


@router.post("/weak/{flag_id}/clear")
def weak_clear(flag_id: Id, body: Note, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """Cleared when the plan is done and the indicators recovered (409 with the reason)."""
    weak.clear(session, actor, flag_id, note=body.note, now=now)
    return weak.get_flag(session, actor, flag_id).as_dict()


@router.post("/weak/{flag_id}/clear-by-hand")
def weak_clear_by_hand(flag_id: Id, body: Reason, session: SessionDep, actor: CurrentActor, now: Now) -> dict[str, Any]:
    """The supervising leader's decision, with the reason."""
    weak.clear_by_hand(session, actor, flag_id, reason=body.reason, now=now)
    return weak.get_flag(session, actor, flag_id).as_dict()
