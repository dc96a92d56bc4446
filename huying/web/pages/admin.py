"""Administration (administrators only, by ``policy.check_admin``): the tree, organisations,
users and roles, categories, SLA rules and the holiday calendar (read-only here: it is a
data file, ``huying/data/holidays.csv``)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from huying.cases import deadlines, sla
from huying.cases.calendar import parse_holidays
from huying.cases.errors import NotVisible
from huying.cases.models import Category, SlaRuleRow
from huying.cases.policy import Actor, check_admin
from huying.deps import SessionDep
from huying.geo import service as geo
from huying.geo.models import Node
from huying.orgs.models import Organisation, Role, User
from huying.orgs.service import AccountError, create_user
from huying.web.deps import PageActor
from huying.web.pages.common import see_other
from huying.web.templating import render

router = APIRouter(prefix="/admin")
USERS_PAGE = 50


def _admin(actor: Actor) -> Actor:
    check_admin(actor, "administer the city")
    return actor


def _node(session: SessionDep, actor: Actor, code: str) -> Node:
    if not code:
        node = session.scalar(select(Node).where(Node.city_id == actor.city_id, Node.level == "city"))
    else:
        try:
            node = geo.get_node(session, actor.city_id, code)
        except geo.NodeNotFound:
            node = None
    if node is None:
        raise NotVisible(f"no node {code}")
    return node


@router.get("", response_class=HTMLResponse)
def home(request: Request, actor: PageActor) -> Response:
    _admin(actor)
    return render(request, "admin/home.html", {})


@router.get("/tree", response_class=HTMLResponse)
def tree(request: Request, session: SessionDep, actor: PageActor, node: str = "") -> Response:
    _admin(actor)
    here = _node(session, actor, node)
    kids = geo.children(session, here)
    counts = dict(session.execute(select(Organisation.node_id, func.count()).where(
        Organisation.node_id.in_([here.id, *[k.id for k in kids]])).group_by(Organisation.node_id)).all())
    return render(request, "admin/tree.html", {
        "node": here, "trail": geo.ancestors(session, here), "children": kids, "org_counts": counts,
        "orgs": list(session.scalars(select(Organisation).where(Organisation.node_id == here.id)
                                     .order_by(Organisation.code))),
    })


def _users_page(request: Request, session: SessionDep, actor: Actor, *, page: int = 1,
                values: dict[str, str] | None = None, error: str | None = None,
                status_code: int = 200) -> HTMLResponse:
    page = max(1, page)
    users = session.execute(
        select(User, Node.code, Organisation.code).join(Node, Node.id == User.node_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(User.city_id == actor.city_id).order_by(User.id)
        .limit(USERS_PAGE).offset((page - 1) * USERS_PAGE)).all()
    total = session.scalar(select(func.count()).select_from(User).where(User.city_id == actor.city_id)) or 0
    return render(request, "admin/users.html", {
        "users": users, "page": page, "pages": max(1, -(-total // USERS_PAGE)), "total": total,
        "roles": [r.value for r in Role], "values": values or {}, "error": error,
    }, status_code=status_code)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, actor: PageActor, page: int = 1) -> Response:
    _admin(actor)
    return _users_page(request, session, actor, page=page)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request, session: SessionDep, actor: PageActor,
    username: Annotated[str, Form(max_length=60)] = "",
    display_name: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=30)] = "",
    node: Annotated[str, Form(max_length=20)] = "",
    organisation: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    _admin(actor)
    values = {"username": username, "display_name": display_name, "role": role, "node": node,
              "organisation": organisation}
    try:
        try:
            where = geo.get_node(session, actor.city_id, node.strip())
        except geo.NodeNotFound:
            raise AccountError("node") from None
        org = None
        if organisation.strip():
            org = session.scalar(select(Organisation).where(
                Organisation.city_id == actor.city_id, Organisation.code == organisation.strip()))
            if org is None:
                raise AccountError("organisation") from None
        create_user(session, username=username, password=password, role=role, node=where,
                    display_name=display_name.strip() or None, organisation=org)
        session.commit()
    except AccountError as exc:
        session.rollback()
        return _users_page(request, session, actor, values=values, error=_account_error(str(exc)),
                           status_code=422)
    return see_other("/admin/users?created=1")


def _account_error(message: str) -> str:
    """The kind of account error, for the page to word in the person's language."""
    for key, needle in (("unit", "department handler"), ("node", "node"),
                        ("organisation", "organisation"), ("role", "role"), ("taken", "taken"),
                        ("password", "password"), ("username", "username")):
        if needle in message:
            return key
    return "other"


@router.get("/categories", response_class=HTMLResponse)
def category_tree(request: Request, session: SessionDep, actor: PageActor, parent: str = "") -> Response:
    _admin(actor)
    up = None
    if parent:
        up = session.scalar(select(Category).where(Category.city_id == actor.city_id, Category.code == parent))
        if up is None:
            raise NotVisible(f"no category {parent}")
    q = select(Category).where(Category.city_id == actor.city_id)
    q = q.where(Category.parent_id == up.id) if up else q.where(Category.level == 1)
    cats = list(session.scalars(q.order_by(Category.code)))
    trail = []
    if up is not None:
        codes = [c for c in up.path.split("/") if c]
        trail = list(session.scalars(select(Category).where(
            Category.city_id == actor.city_id, Category.code.in_(codes)).order_by(Category.level)))
    return render(request, "admin/categories.html", {"parent": up, "trail": trail, "categories": cats})


def _sla_page(request: Request, session: SessionDep, actor: Actor, *, values: dict[str, str] | None = None,
              error: str | None = None, status_code: int = 200) -> HTMLResponse:
    rows = session.execute(select(SlaRuleRow, Category.code, Category.name_zh)
                           .outerjoin(Category, Category.id == SlaRuleRow.category_id)
                           .where(SlaRuleRow.city_id == actor.city_id).order_by(SlaRuleRow.id)).all()
    return render(request, "admin/sla.html", {
        "rows": rows, "defaults": sla.DEFAULT_RULES, "steps": [s.value for s in sla.Step],
        "priorities": [p.value for p in sla.Priority], "units": [u.value for u in sla.Unit],
        "values": values or {}, "error": error,
    }, status_code=status_code)


@router.get("/sla", response_class=HTMLResponse)
def sla_rules(request: Request, session: SessionDep, actor: PageActor) -> Response:
    _admin(actor)
    return _sla_page(request, session, actor)


@router.post("/sla", response_class=HTMLResponse)
def add_sla_rule(
    request: Request, session: SessionDep, actor: PageActor,
    category: Annotated[str, Form(max_length=20)] = "",
    priority: Annotated[str, Form(max_length=12)] = "",
    step: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    unit: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    _admin(actor)
    values = {"category": category, "priority": priority, "step": step, "amount": amount, "unit": unit}
    error: str | None = None
    cat = None
    if category.strip():
        cat = session.scalar(select(Category).where(Category.city_id == actor.city_id,
                                                    Category.code == category.strip()))
        if cat is None:
            error = "category"
    if error is None:
        try:
            value = float(amount)
        except ValueError:
            error = "amount"
    choices = (("step", step, sla.Step), ("unit", unit, sla.Unit), ("priority", priority or None, sla.Priority))
    for name, given, kind in choices:
        if error is None and given is not None and given not in {k.value for k in kind}:
            error = name
    if error is None:
        try:  # the rule's own checks: a positive amount, whole working days
            sla.SlaRule(category_code=cat.name_zh if cat else None,
                        priority=sla.Priority(priority) if priority else None,
                        step=sla.Step(step), amount=value, unit=sla.Unit(unit))
        except (ValueError, TypeError) as exc:
            error = "working_days" if "working_days" in str(exc) else "amount"
    if error is not None:
        return _sla_page(request, session, actor, values=values, error=error, status_code=422)
    session.add(SlaRuleRow(city_id=actor.city_id, category_id=cat.id if cat else None,
                           priority=priority or None, step=step, amount=value, unit=unit))
    session.commit()
    deadlines.invalidate(actor.city_id)
    return see_other("/admin/sla")


@router.post("/sla/{rule_id}/delete")
def delete_sla_rule(rule_id: int, session: SessionDep, actor: PageActor) -> Response:
    _admin(actor)
    row = session.get(SlaRuleRow, rule_id)
    if row is None or row.city_id != actor.city_id:
        raise NotVisible("no such rule")
    session.delete(row)
    session.commit()
    deadlines.invalidate(actor.city_id)
    return see_other("/admin/sla")


@router.get("/holidays", response_class=HTMLResponse)
def holidays(request: Request, actor: PageActor) -> Response:
    _admin(actor)
    source = resources.files("huying") / "data" / "holidays.csv"
    days = sorted(parse_holidays(source.read_text(encoding="utf-8-sig"), origin="holidays.csv"),
                  key=lambda d: d.date)
    return render(request, "admin/holidays.html", {"days": days})
