"""HTTP: the organisations of a city by node (``/api/v1/organisations``). Organisations are
public bodies: anyone may read them (anonymous requests are rate limited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import func, select

from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.errors import reject_nul_body
from huying.http.ratelimit import limit_anonymous
from huying.orgs.models import Organisation, OrgKind
from huying.orgs.scope import CityId

router = APIRouter(prefix="/api/v1", tags=["organisations"],
                   dependencies=[Depends(limit_anonymous), Depends(reject_nul_body)])


class OrganisationRead(BaseModel):
    code: str
    kind: str
    department: str | None
    team_kind: str | None
    name_zh: str
    name_en: str
    node: str
    node_name: str
    level: str
    parent: str | None
    phone_masked: str | None
    active: bool


class OrganisationPage(BaseModel):
    items: list[OrganisationRead]
    total: int
    limit: int
    offset: int


def org_dict(org: Organisation, node: Node, parent_code: str | None) -> dict[str, Any]:
    return {"code": org.code, "kind": org.kind, "department": org.department, "team_kind": org.team_kind,
            "name_zh": org.name_zh, "name_en": org.name_en, "node": node.code, "node_name": node.name_zh,
            "level": node.level, "parent": parent_code, "phone_masked": org.phone_masked,
            "active": org.active}


def _parents(session: SessionDep, orgs: list[Organisation]) -> dict[int, str]:
    ids = {o.parent_id for o in orgs if o.parent_id}
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.code).where(Organisation.id.in_(ids))).all())


@router.get("/organisations", response_model=OrganisationPage)
def list_organisations(
    request: Request, response: Response, session: SessionDep, city_id: CityId,
    node: str | None = Query(None, description="A node code: the organisations attached to it."),
    below: bool = Query(False, description="With node: also those of every node below it."),
    kind: str | None = Query(None, description=f"One of: {', '.join(OrgKind)}."),
    department: str | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """Organisations of the city, by node, kind or department, in code order."""
    from huying.http.pagination import paginate

    q = select(Organisation, Node).join(Node, Node.id == Organisation.node_id).where(
        Organisation.city_id == city_id)
    if node:
        n = geo.get_node(session, city_id, node)
        q = q.where(Node.path.startswith(n.path, autoescape=True) if below else Node.id == n.id)
    if kind:
        if kind not in OrgKind.__members__.values():
            raise InvalidInput(f"unknown kind {kind!r}; kinds: {', '.join(OrgKind)}", "kind")
        q = q.where(Organisation.kind == kind)
    if department:
        q = q.where(Organisation.department == department)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Organisation.code).limit(limit).offset(offset)).all()
    parents = _parents(session, [o for o, _ in rows])
    paginate(request, response, total, limit, offset)
    return {"items": [org_dict(o, n, parents.get(o.parent_id or 0)) for o, n in rows],
            "total": total, "limit": limit, "offset": offset}


@router.get("/organisations/{code}", response_model=OrganisationRead)
def show_organisation(code: str, session: SessionDep, city_id: CityId) -> dict[str, Any]:
    row = session.execute(select(Organisation, Node).join(Node, Node.id == Organisation.node_id)
                          .where(Organisation.city_id == city_id, Organisation.code == code)).first()
    if row is None:
        raise NotVisible(f"no organisation {code!r}")
    org, node = row
    return org_dict(org, node, _parents(session, [org]).get(org.parent_id or 0))
