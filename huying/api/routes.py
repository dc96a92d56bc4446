"""The rest of ``/api/v1`` around the cases: who am I, categories, SLA rules, figures per
node, the public (anonymised) view of cases; and the organisations router.

Every permission question goes to ``huying.cases.policy``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as FPath
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from huying.accountability.routes import router as indicators_router
from huying.api.admin import router as admin_router
from huying.api.imports import router as imports_router
from huying.api.me import router as me_router
from huying.cases import present, workflow
from huying.cases.models import Case
from huying.cases.policy import check_admin, check_node, on_public_lists
from huying.cases.schemas import PublicCase, PublicCasePage
from huying.cityconfig import sla, sla_rules
from huying.cityconfig.models import Category, SlaRuleRow
from huying.deps import ReadSessionDep, SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.http.ratelimit import limit_anonymous
from huying.metrics import rollup as metrics
from huying.orgs.auth import CurrentActor, CurrentUser
from huying.orgs.models import Organisation
from huying.orgs.routes import router as orgs_router
from huying.orgs.scope import CityId

api = APIRouter(prefix="/api/v1",
                   dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])


# --------------------------------------------------------------------------- me


@api.get("/me", tags=["accounts"])
def me(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """The caller's account: role, node (with a point inside it) and unit."""
    node = session.get(Node, user.node_id)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "node": {"code": node.code, "name": node.name_zh, "level": node.level,
                 "point": [node.centroid_lon, node.centroid_lat]} if node else None,
        "organisation": {"code": org.code, "name": org.name_zh} if org else None,
    }


# --------------------------------------------------------------------------- categories


class CategoryRead(BaseModel):
    code: str
    level: int
    parent: str | None
    name_zh: str
    name_en: str
    active: bool
    children: list[CategoryRead] | None = None


def _category_dict(c: Category, parent: str | None) -> dict[str, Any]:
    return {"code": c.code, "level": c.level, "parent": parent, "name_zh": c.name_zh,
            "name_en": c.name_en, "active": c.active}


def _parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


@api.get("/categories", response_model=list[CategoryRead], tags=["categories"])
def category_tree(session: SessionDep, city_id: CityId,
                  flat: bool = Query(False, description="A flat list instead of a nested tree."),
                  ) -> list[dict[str, Any]]:
    """The city's 3-level category tree (codes ``NN`` / ``NN.MM`` / ``NN.MM.KKK``)."""
    rows = session.scalars(select(Category).where(Category.city_id == city_id).order_by(Category.path)).all()
    items = [_category_dict(c, _parent_code(c.code)) for c in rows]
    if flat:
        return items
    by_code: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for item in items:
        item["children"] = []
        by_code[item["code"]] = item
        parent = by_code.get(item["parent"] or "")
        (parent["children"] if parent is not None else roots).append(item)
    return roots


@api.get("/categories/{code}", response_model=CategoryRead, tags=["categories"])
def show_category(code: str, session: SessionDep, city_id: CityId) -> dict[str, Any]:
    cat = session.scalar(select(Category).where(Category.city_id == city_id, Category.code == code))
    if cat is None:
        raise NotVisible(f"no category {code!r}")
    kids = session.scalars(select(Category).where(Category.parent_id == cat.id).order_by(Category.code))
    return {**_category_dict(cat, _parent_code(cat.code)),
            "children": [_category_dict(k, cat.code) for k in kids]}


# --------------------------------------------------------------------------- SLA rules


class SlaRuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(None, max_length=20, description="A category code (it and "
                                 "everything under it); null for every category.")
    priority: sla.Priority | None = None
    step: sla.Step
    amount: float = Field(gt=0, le=10_000)
    unit: sla.Unit


class SlaRuleRead(BaseModel):
    id: int
    category: str | None
    priority: str | None
    step: str
    amount: float
    unit: str
    describe: str


def _rule_dict(row: SlaRuleRow, code: str | None) -> dict[str, Any]:
    rule = sla.SlaRule(category_code=code, priority=sla.Priority(row.priority) if row.priority else None,
                       step=sla.Step(row.step), amount=row.amount, unit=sla.Unit(row.unit))
    return {"id": row.id, "category": code, "priority": row.priority, "step": row.step,
            "amount": row.amount, "unit": row.unit, "describe": rule.describe()}


@api.get("/sla-rules", response_model=list[SlaRuleRead], tags=["sla"])
def list_sla_rules(session: SessionDep, actor: CurrentActor) -> list[dict[str, Any]]:
    """The city's own SLA rules (they override the built-in defaults at equal specificity)."""
    return [_rule_dict(r, c.code if c else None) for r, c in sla_rules.city_rules(session, actor.city_id)]


@api.post("/sla-rules", response_model=SlaRuleRead, status_code=201, tags=["sla"])
def create_sla_rule(body: SlaRuleCreate, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """Add a rule (administrators). Deadlines computed from now on use it."""
    check_admin(actor, "change SLA rules")
    row = sla_rules.add_rule(session, actor.city_id, sla_rules.RuleIn(
        body.category, body.priority.value if body.priority else None, body.step.value, body.amount,
        body.unit.value))
    # the category as the service stored it ("" and spaces: every category)
    return _rule_dict(row, (body.category or "").strip() or None)


@api.delete("/sla-rules/{rule_id}", status_code=204, tags=["sla"])
def delete_sla_rule(rule_id: Annotated[int, FPath(ge=1, le=2**31 - 1)], session: SessionDep, actor: CurrentActor) -> Response:
    check_admin(actor, "change SLA rules")
    sla_rules.delete_rule(session, actor.city_id, rule_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- figures


@api.get("/stats", tags=["stats"])
def stats(
    session: ReadSessionDep, actor: CurrentActor, now: Now,
    node: str | None = Query(None, description="A node code (default: the caller's own node)."),
    since: dt.datetime | None = Query(None), until: dt.datetime | None = Query(None),
    children: bool = Query(True, description="Also the figures of each child node."),
) -> dict[str, Any]:
    """Figures of a node and its children, from the events: received, closed, on-time,
    satisfaction and rework rates, mean hours to close, open and overdue now."""
    for value, field in ((since, "since"), (until, "until")):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("give a time zone (e.g. 2026-03-02T00:00:00+08:00)", field)
    if node is None:
        target = session.scalar(select(Node).where(Node.path == actor.node_path,
                                                   Node.city_id == actor.city_id))
        if target is None:
            raise NotVisible("your account has no node")
    else:
        target = geo.get_node(session, actor.city_id, node)
    check_node(actor, target.path, "figures")
    return metrics.figures(session, actor.city_id, target.code, now=now, since=since, until=until,
                           children=children)


# --------------------------------------------------------------------------- public view


StatusFilter = Annotated[list[str] | None, Query(description="Statuses to include.")]


@api.get("/public/cases", response_model=PublicCasePage, tags=["public"])
def public_cases(
    request: Request, response: Response, session: SessionDep, city_id: CityId, now: Now,
    node: str | None = Query(None, description="Only cases located under this node code."),
    status: StatusFilter = None,
    category: str | None = Query(None, description="A category code and everything under it."),
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """Every case of the city, anonymised (no reporter, no description, location rounded
    to about 100 m): what the public may see. Anonymous requests are rate limited."""
    q = select(Case).where(Case.city_id == city_id, on_public_lists())
    if node:
        q = q.where(Case.grid_path.startswith(geo.get_node(session, city_id, node).path))
    bad = [s for s in status or [] if s not in workflow.Status.__members__.values()]
    if bad:
        raise InvalidInput(f"unknown status {bad[0]!r}", "status")
    if status:
        q = q.where(Case.status.in_(status))
    if category:
        path = session.scalar(select(Category.path).where(Category.city_id == city_id,
                                                          Category.code == category))
        if path is None:
            raise InvalidInput(f"no category {category!r}", "category")
        q = q.where(Case.category_id.in_(select(Category.id).where(
            Category.city_id == city_id, Category.path.startswith(path))))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Case.id.desc()).limit(limit).offset(offset)).all()
    paginate(request, response, total, limit, offset)
    return {"items": [present.public_case_dict(session, c, now) for c in rows], "total": total,
            "limit": limit, "offset": offset}


@api.get("/public/cases/{code}", response_model=PublicCase, tags=["public"])
def public_case(code: str, session: SessionDep, city_id: CityId, now: Now) -> dict[str, Any]:
    case = session.scalar(select(Case).where(Case.city_id == city_id, Case.code == code))
    if case is None:
        raise NotVisible(f"no case {code}")
    return present.public_case_dict(session, case, now, events=True)


#: What ``create_app`` includes: this module's endpoints and the organisations'.
router = APIRouter()
router.include_router(api)
router.include_router(orgs_router)
router.include_router(me_router)
router.include_router(indicators_router)
router.include_router(admin_router)
router.include_router(imports_router)
