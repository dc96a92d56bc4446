"""Administration (administrators only, by ``policy.check_admin``, for their own city): the
tree and its organisations, users and roles, and the city's settings, each editable: the
categories, the SLA rules, the routing rules and the holiday calendar. The rules of each
setting live in its service (``cases.categories``, ``cases.sla_rules``, ``triage.routing``,
``cases.holidays``); a refused edit re-renders the form with the reason (HTTP 422) and
stores nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select

from huying.cases import notify
from huying.cases.policy import check_admin
from huying.cityconfig import categories as cats
from huying.cityconfig import holidays as cal
from huying.cityconfig import sla, sla_rules
from huying.cityconfig.calendar import DayKind
from huying.cityconfig.models import Category
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible, SettingError
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.orgs import accounts, clients, contacts, passwords
from huying.orgs.actor import Actor
from huying.orgs.models import Department, Organisation, OrgKind, Role, TeamKind, User
from huying.orgs.scope import administers
from huying.orgs.service import AccountError
from huying.triage import routing
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
    return tree_page(request, session, actor, node)


def tree_page(request: Request, session: SessionDep, actor: Actor, node: str, *, error: str = "",
              detail: str = "", values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    """A node of the tree, the nodes below it, its organisations, and the form of a new one."""
    here = _node(session, actor, node)
    kids = geo.children(session, here)
    counts = dict(session.execute(select(Organisation.node_id, func.count()).where(
        Organisation.node_id.in_([here.id, *[k.id for k in kids]])).group_by(Organisation.node_id)).all())
    return render(request, "admin/tree.html", {
        "node": here, "trail": geo.ancestors(session, here), "children": kids, "org_counts": counts,
        "orgs": list(session.scalars(select(Organisation).where(Organisation.node_id == here.id)
                                     .order_by(Organisation.code))),
        "kinds": [k.value for k in OrgKind], "departments": [d.value for d in Department],
        "team_kinds": [t.value for t in TeamKind], "error": error, "detail": detail, "values": values or {},
        "may_edit": administers(actor, here.path),
    }, status_code=status_code)


def _users_page(request: Request, session: SessionDep, actor: Actor, *, page: int = 1,
                values: dict[str, str] | None = None, error: str | None = None, detail: str = "",
                find: UserFilter | None = None, status_code: int = 200) -> HTMLResponse:
    find = find or UserFilter()
    page = max(1, min(page, 100_000))
    # an administrator of a town sees the accounts of the town (huying.orgs.scope.administers)
    where = [User.city_id == actor.city_id, Node.path.startswith(actor.node_path, autoescape=True)]
    if find.q:
        like = "%" + find.q.replace("%", "").replace("_", "") + "%"
        where.append(or_(User.username.like(like), User.display_name.like(like)))
    if find.role:
        where.append(User.role == find.role)
    under = None
    if find.node:
        try:
            under = geo.get_node(session, actor.city_id, find.node)
        except geo.NodeNotFound:
            raise InvalidInput(f"node: no node {find.node}") from None
        where.append(Node.path.startswith(under.path))
    if find.active in ("1", "0"):
        where.append(User.active.is_(find.active == "1"))
    users = session.execute(
        select(User, Node, Organisation).join(Node, Node.id == User.node_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(*where).order_by(User.id)
        .limit(USERS_PAGE).offset((page - 1) * USERS_PAGE)).all()
    total = session.scalar(select(func.count()).select_from(User).join(Node, Node.id == User.node_id)
                           .where(*where)) or 0
    # the names of the places and organisation chosen in the forms (their pickers show names)
    values = values or {}
    codes = {c for c in (values.get("node"), find.node) if c}
    objs: dict[str, object] = {n.code: n for n in session.scalars(select(Node).where(
        Node.city_id == actor.city_id, Node.code.in_(codes)))} if codes else {}
    if values.get("organisation"):
        org = session.scalar(select(Organisation).where(Organisation.city_id == actor.city_id,
                                                        Organisation.code == values["organisation"]))
        if org is not None:
            objs[org.code] = org
    return render(request, "admin/users.html", {
        "objs": objs, "users": users, "page": page, "pages": max(1, -(-total // USERS_PAGE)), "total": total,
        "roles": [r.value for r in Role], "new_roles": [r.value for r in Role if r is not Role.CLIENT], "values": values, "error": error, "detail": detail,
        "find": find, "min_password": passwords.MIN_LENGTH,
        "under": under, "query": find.query(),
    }, status_code=status_code)


@dataclass(frozen=True)
class UserFilter:
    """The users list's search: a name or login, a role, a node (and everything below it),
    active or not."""

    q: str = ""
    role: str = ""
    node: str = ""
    active: str = ""

    def query(self) -> str:
        return urlencode({k: v for k, v in asdict(self).items() if v})


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, actor: PageActor, page: int = 1, q: str = "",
          role: str = "", node: str = "", active: str = "") -> Response:
    _admin(actor)
    if role and role not in {r.value for r in Role}:
        raise InvalidInput("role: choose a role from the list")
    find = UserFilter(q=q.strip()[:60], role=role, node=node.strip()[:20], active=active if active in ("0", "1") else "")
    return _users_page(request, session, actor, page=page, find=find)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request, session: SessionDep, actor: PageActor, t: Now,
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
        if role == Role.CLIENT.value:  # an application's account: made on the clients' page, with its key
            raise AccountError("role: an API client is created under API clients")
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
        accounts.create(session, actor, username=username, password=password, role=role, node=where, now=t,
                        display_name=display_name.strip() or None, organisation=org)
        session.commit()
    except (AccountError, SettingError) as exc:
        session.rollback()
        return _users_page(request, session, actor, values=values, error=_account_error(str(exc)),
                           detail=_password_problem(str(exc)), status_code=422)
    return see_other("/admin/users?created=1")


def _password_problem(message: str) -> str:
    """Which rule of ``huying.orgs.passwords`` a refused password broke, for the page."""
    for key, needle in (("common", "common"), ("username", "the username"), ("spaces", "spaces"),
                        ("long", "at most"), ("short", "at least")):
        if message.startswith("password") and needle in message:
            return key
    return ""


def _account_error(message: str) -> str:
    """The kind of account error, for the page to word in the person's language."""
    for key, needle in (("unit", "department handler"), ("node", "node"),
                        ("organisation", "organisation"), ("role", "role"), ("taken", "taken"),
                        ("password", "password"), ("username", "username")):
        if needle in message:
            return key
    return "other"


def _refused(exc: SettingError) -> dict[str, str]:
    """What a page shows of a refused edit: the field and the reason's key."""
    return {"field": exc.field or "form", "reason": exc.reason}


# --------------------------------------------------------------------------- categories


def _categories_page(request: Request, session: SessionDep, actor: Actor, parent: str, *,
                     edit: str = "", values: dict[str, str] | None = None,
                     error: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    up = None
    if parent:
        up = cats.get_by_code(session, actor.city_id, parent)
        if up is None:
            raise NotVisible(f"no category {parent}")
    q = select(Category).where(Category.city_id == actor.city_id)
    q = q.where(Category.parent_id == up.id) if up else q.where(Category.level == 1)
    kids = list(session.scalars(q.order_by(Category.code)))
    trail = []
    if up is not None:
        trail = list(session.scalars(select(Category).where(
            Category.city_id == actor.city_id, Category.code.in_(cats.codes_of_path(up.path)))
            .order_by(Category.level)))
    editing = cats.get_by_code(session, actor.city_id, edit) if edit else None
    if editing is not None and values is None:
        values = {"name_zh": editing.name_zh, "name_en": editing.name_en}
    return render(request, "admin/categories.html", {
        "parent": up, "trail": trail, "categories": kids, "editing": editing,
        "below": cats.active_below(session, actor.city_id, [k for k in kids if k.active and k.level < cats.MAX_DEPTH]),
        "can_add": up is None or up.level < cats.MAX_DEPTH, "values": values or {}, "error": error,
    }, status_code=status_code)


def _categories_url(parent: str) -> str:
    return f"/admin/categories?parent={parent}" if parent else "/admin/categories"


@router.get("/categories", response_class=HTMLResponse)
def category_tree(request: Request, session: SessionDep, actor: PageActor, parent: str = "",
                  edit: str = "") -> Response:
    _admin(actor)
    return _categories_page(request, session, actor, parent, edit=edit)


@router.post("/categories", response_class=HTMLResponse)
def add_category(
    request: Request, session: SessionDep, actor: PageActor,
    parent: Annotated[str, Form(max_length=20)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _admin(actor)
    try:
        cats.add_category(session, actor.city_id, parent, code, name_zh, name_en)
    except SettingError as exc:
        session.rollback()
        return _categories_page(request, session, actor, parent, error=_refused(exc), status_code=422,
                                values={"code": code, "name_zh": name_zh, "name_en": name_en})
    return see_other(_categories_url(parent))


@router.post("/categories/{code}/rename", response_class=HTMLResponse)
def rename_category(
    code: str, request: Request, session: SessionDep, actor: PageActor,
    parent: Annotated[str, Form(max_length=20)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _admin(actor)
    try:
        cats.rename(session, actor.city_id, code, name_zh, name_en)
    except SettingError as exc:
        session.rollback()
        return _categories_page(request, session, actor, parent, edit=code, error=_refused(exc),
                                values={"name_zh": name_zh, "name_en": name_en}, status_code=422)
    return see_other(_categories_url(parent))


@router.post("/categories/{code}/active", response_class=HTMLResponse)
def set_category_active(
    code: str, request: Request, session: SessionDep, actor: PageActor,
    parent: Annotated[str, Form(max_length=20)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    _admin(actor)
    try:
        cats.set_active(session, actor.city_id, code, active == "1")
    except SettingError as exc:
        session.rollback()
        return _categories_page(request, session, actor, parent, error=_refused(exc), status_code=422)
    return see_other(_categories_url(parent))


# --------------------------------------------------------------------------- SLA rules


def _sla_page(request: Request, session: SessionDep, actor: Actor, *, edit: int | None = None,
              values: dict[str, str] | None = None, error: dict[str, str] | None = None,
              status_code: int = 200) -> HTMLResponse:
    if edit is not None and values is None:
        row = sla_rules.get_rule(session, actor.city_id, edit)
        cat = session.get(Category, row.category_id) if row.category_id else None
        values = {"category": cat.code if cat else "", "priority": row.priority or "", "step": row.step,
                  "amount": f"{row.amount:g}", "unit": row.unit}
    return render(request, "admin/sla.html", {
        "rows": sla_rules.city_rules(session, actor.city_id), "defaults": sla.DEFAULT_RULES,
        "steps": [s.value for s in sla.Step], "priorities": [p.value for p in sla.Priority],
        "units": [u.value for u in sla.Unit], "edit": edit, "values": values or {}, "error": error,
    }, status_code=status_code)


def _sla_form(category: str, priority: str, step: str, amount: str, unit: str) -> sla_rules.RuleIn:
    return sla_rules.RuleIn(category, priority or None, step, amount, unit)


@router.get("/sla", response_class=HTMLResponse)
def sla_page(request: Request, session: SessionDep, actor: PageActor, edit: int | None = None) -> Response:
    _admin(actor)
    return _sla_page(request, session, actor, edit=edit)


SlaField = Annotated[str, Form(max_length=20)]


@router.post("/sla", response_class=HTMLResponse)
def add_sla_rule(request: Request, session: SessionDep, actor: PageActor, category: SlaField = "",
                 priority: SlaField = "", step: SlaField = "", amount: SlaField = "",
                 unit: SlaField = "") -> Response:
    _admin(actor)
    values = {"category": category, "priority": priority, "step": step, "amount": amount, "unit": unit}
    try:
        sla_rules.add_rule(session, actor.city_id, _sla_form(category, priority, step, amount, unit))
    except SettingError as exc:
        session.rollback()
        return _sla_page(request, session, actor, values=values, error=_refused(exc), status_code=422)
    return see_other("/admin/sla")


@router.post("/sla/{rule_id}", response_class=HTMLResponse)
def update_sla_rule(rule_id: int, request: Request, session: SessionDep, actor: PageActor,
                    category: SlaField = "", priority: SlaField = "", step: SlaField = "",
                    amount: SlaField = "", unit: SlaField = "") -> Response:
    _admin(actor)
    values = {"category": category, "priority": priority, "step": step, "amount": amount, "unit": unit}
    try:
        sla_rules.update_rule(session, actor.city_id, rule_id,
                              _sla_form(category, priority, step, amount, unit))
    except SettingError as exc:
        session.rollback()
        return _sla_page(request, session, actor, edit=rule_id, values=values, error=_refused(exc),
                         status_code=422)
    return see_other("/admin/sla")


@router.post("/sla/{rule_id}/delete")
def delete_sla_rule(rule_id: int, session: SessionDep, actor: PageActor) -> Response:
    _admin(actor)
    sla_rules.delete_rule(session, actor.city_id, rule_id)
    return see_other("/admin/sla")


# --------------------------------------------------------------------------- routing rules


_RULE_FIELDS = ("category", "node", "org_kind", "department", "level", "priority", "fallbacks", "note")


def _routing_page(request: Request, session: SessionDep, actor: Actor, *, edit: int | None = None,
                  values: dict[str, str] | None = None, error: dict[str, str] | None = None,
                  status_code: int = 200) -> HTMLResponse:
    own, rows = routing.listed_rules(session, actor.city_id)
    if edit is not None and values is None:
        row = next((r for r in rows if own and r.id == edit), None)
        if row is None:
            raise NotVisible(f"no routing rule {edit}")
        values = {"category": row.category, "node": _node_code(row.node_path), "org_kind": row.org_kind,
                  "department": row.department or "", "level": row.level, "priority": str(row.priority),
                  "fallbacks": routing.format_fallbacks(routing.fallback_targets(row)), "note": row.note,
                  **_fallback_fields(routing.fallback_targets(row)),
                  "delegated": "1" if row.delegated else "", "auto": "1" if row.auto else "",
                  "active": "1" if row.active else ""}
    codes = {r.category for r in rows if r.category} | {_node_code(r.node_path) for r in rows if r.node_path}
    names = {c.code: c for c in session.scalars(select(Category).where(
        Category.city_id == actor.city_id, Category.code.in_(codes)))}
    nodes = {n.code: n for n in session.scalars(select(Node).where(
        Node.city_id == actor.city_id, Node.code.in_(codes)))}
    return render(request, "admin/routing.html", {
        "own": own, "rows": rows, "categories": names, "nodes": nodes, "node_code": _node_code,
        "fallbacks": routing.fallback_targets, "fallback_rows": range(FALLBACK_ROWS),
        "kinds": [k.value for k in OrgKind], "departments": [d.value for d in Department],
        "levels": list(routing.LEVEL_DEPTH), "edit": edit,
        "values": values if values is not None else {"active": "1"}, "error": error,
    }, status_code=status_code)


def _node_code(path: str) -> str:
    return ([c for c in path.split("/") if c] or [""])[-1]


def _rule_form(form: dict[str, str]) -> routing.RuleIn:
    return routing.RuleIn(
        category=form["category"], node=form["node"], org_kind=form["org_kind"],
        department=form["department"], level=form["level"], delegated=bool(form["delegated"]),
        auto=bool(form["auto"]), priority=form["priority"], fallbacks=form["fallbacks"],
        note=form["note"], active=bool(form["active"]))


#: The fallbacks a person picks on the form (kind, department, level in lists), in order.
FALLBACK_ROWS = 3
_FALLBACK_FIELDS = tuple(f"fb_{part}_{i}" for i in range(FALLBACK_ROWS) for part in ("kind", "department", "level"))


def _fallback_fields(targets: tuple[routing.Target, ...]) -> dict[str, str]:
    out = {}
    for i, t in enumerate(targets[:FALLBACK_ROWS]):
        out.update({f"fb_kind_{i}": t.kind, f"fb_department_{i}": t.department or "", f"fb_level_{i}": t.level})
    return out


async def _rule_values(request: Request) -> dict[str, str]:
    """The rule form's fields as text (missing ones empty), each at most 500 characters.
    The fallbacks picked row by row are written as the rule's text form
    (``kind:department:level; …``), which ``routing.parse_fallbacks`` checks."""
    form = await request.form()
    out = {}
    for name in (*_RULE_FIELDS, *_FALLBACK_FIELDS, "delegated", "auto", "active"):
        value = form.get(name)
        out[name] = value[:500] if isinstance(value, str) else ""
    if any(out[f] for f in _FALLBACK_FIELDS):
        out["fallbacks"] = "; ".join(
            f"{out[f'fb_kind_{i}']}:{out[f'fb_department_{i}']}:{out[f'fb_level_{i}']}"
            for i in range(FALLBACK_ROWS) if out[f"fb_kind_{i}"] or out[f"fb_level_{i}"])
    return out


RuleForm = Annotated[dict[str, str], Depends(_rule_values)]


@router.get("/routing", response_class=HTMLResponse)
def routing_page(request: Request, session: SessionDep, actor: PageActor, edit: int | None = None) -> Response:
    _admin(actor)
    return _routing_page(request, session, actor, edit=edit)


@router.post("/routing", response_class=HTMLResponse)
def add_routing_rule(request: Request, session: SessionDep, actor: PageActor, form: RuleForm) -> Response:
    _admin(actor)
    try:
        routing.add_rule(session, actor.city_id, _rule_form(form))
    except SettingError as exc:
        session.rollback()
        return _routing_page(request, session, actor, values=form, error=_refused(exc), status_code=422)
    return see_other("/admin/routing")


@router.post("/routing/adopt")
def adopt_routing_rules(session: SessionDep, actor: PageActor) -> Response:
    _admin(actor)
    routing.adopt_default_rules(session, actor.city_id)
    return see_other("/admin/routing")


@router.post("/routing/{rule_id}", response_class=HTMLResponse)
def update_routing_rule(rule_id: int, request: Request, session: SessionDep, actor: PageActor,
                        form: RuleForm) -> Response:
    _admin(actor)
    try:
        routing.update_rule(session, actor.city_id, rule_id, _rule_form(form))
    except SettingError as exc:
        session.rollback()
        return _routing_page(request, session, actor, edit=rule_id, values=form, error=_refused(exc),
                             status_code=422)
    return see_other("/admin/routing")


@router.post("/routing/{rule_id}/delete")
def delete_routing_rule(rule_id: int, session: SessionDep, actor: PageActor) -> Response:
    _admin(actor)
    routing.delete_rule(session, actor.city_id, rule_id)
    return see_other("/admin/routing")


# --------------------------------------------------------------------------- holiday calendar


def _holidays_page(request: Request, session: SessionDep, actor: Actor, *,
                   values: dict[str, str] | None = None, error: dict[str, str] | None = None,
                   status_code: int = 200) -> HTMLResponse:
    return render(request, "admin/holidays.html", {
        "days": cal.city_days(session, actor.city_id), "own": cal.is_seeded(session, actor.city_id),
        "kinds": [k.value for k in DayKind], "values": values or {}, "error": error,
    }, status_code=status_code)


@router.get("/holidays", response_class=HTMLResponse)
def holidays(request: Request, session: SessionDep, actor: PageActor) -> Response:
    _admin(actor)
    return _holidays_page(request, session, actor)


@router.post("/holidays", response_class=HTMLResponse)
def add_holiday(
    request: Request, session: SessionDep, actor: PageActor,
    date: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _admin(actor)
    try:
        cal.add_day(session, actor.city_id, date, kind, name)
    except SettingError as exc:
        session.rollback()
        return _holidays_page(request, session, actor, values={"date": date, "kind": kind, "name": name},
                              error=_refused(exc), status_code=422)
    return see_other("/admin/holidays")


@router.post("/holidays/delete", response_class=HTMLResponse)
def remove_holiday(request: Request, session: SessionDep, actor: PageActor,
                   date: Annotated[str, Form(max_length=40)] = "") -> Response:
    _admin(actor)
    try:
        cal.remove_day(session, actor.city_id, date)
    except SettingError as exc:
        session.rollback()
        return _holidays_page(request, session, actor, error=_refused(exc), status_code=422)
    return see_other("/admin/holidays")


# --------------------------------------------------------------------------- API clients
def _clients_page(request: Request, session: SessionDep, actor: Actor, *, new_key: str = "",
                  new_for: str = "", error: str = "", name: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "admin/clients.html", {
        "clients": clients.listing(session, actor.city_id), "new_key": new_key, "new_for": new_for,
        "error": error, "name": name}, status_code=status_code)


@router.get("/clients", response_class=HTMLResponse)
def clients_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The applications that file reports through Open311, their keys, and who revoked what."""
    _admin(actor)
    return _clients_page(request, session, actor)


@router.post("/clients", response_class=HTMLResponse)
def add_client(request: Request, session: SessionDep, actor: PageActor, t: Now,
               name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """A new client and its first key, shown on this page once (never stored in clear)."""
    _admin(actor)
    try:
        user, key = clients.create(session, actor.city_id, name, now=t, actor_id=actor.user_id)
        session.commit()
    except AccountError as exc:
        session.rollback()
        error = "taken" if "exists" in str(exc) else ("long" if "at most" in str(exc) else "name")
        return _clients_page(request, session, actor, error=error, name=name[:80], status_code=422)
    return _clients_page(request, session, actor, new_key=key, new_for=user.display_name or "", status_code=201)


@router.post("/clients/{client_id}/keys", response_class=HTMLResponse)
def add_client_key(request: Request, session: SessionDep, actor: PageActor, t: Now, client_id: int) -> Response:
    """Another key for a client (rotate: add, move the application to it, revoke the old)."""
    _admin(actor)
    try:
        key = clients.add_key(session, actor.city_id, client_id, now=t, actor_id=actor.user_id)
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise NotVisible(str(exc)) from None
    user = clients.get(session, actor.city_id, client_id)
    return _clients_page(request, session, actor, new_key=key, new_for=user.display_name or "", status_code=201)


@router.post("/clients/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_client_key(request: Request, session: SessionDep, actor: PageActor, t: Now, key_id: int) -> Response:
    """Revoke a key: the application's next request with it is refused."""
    _admin(actor)
    try:
        clients.revoke_key(session, actor.city_id, key_id, now=t, actor_id=actor.user_id)
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise NotVisible(str(exc)) from None
    return see_other("/admin/clients?revoked=1")


# --------------------------------------------------------------------------- the outbox
@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, session: SessionDep, actor: PageActor, t: Now, requeued: int = 0) -> Response:
    """The notifications of the city: how many wait, are sent, were given up, by channel;
    the dead letters with their reasons, each with a button to queue it again."""
    _admin(actor)
    seen = notify.overview(session, actor.city_id)
    kinds = sorted({k for k, _ in seen.counts})
    statuses = ["pending", "sending", "sent", "routed", "expired", notify.DEAD]
    statuses += sorted({st for _, st in seen.counts} - set(statuses))
    return render(request, "admin/outbox.html", {
        "o": seen, "kinds": kinds, "statuses": statuses, "now": t, "requeued": requeued,
        "shown": {m.id: contacts.mask(m.recipient_kind, m.recipient) if m.recipient_kind in notify.CHANNEL_KINDS
                  else m.recipient for m in seen.dead},
    })


@router.post("/outbox/{message_id}/requeue", response_class=HTMLResponse)
def requeue_message(session: SessionDep, actor: PageActor, t: Now,
                    message_id: Annotated[int, FPath(ge=1, le=2**31 - 1)]) -> Response:
    """Queue a dead letter again (attempts from zero): after its cause is fixed."""
    _admin(actor)
    if not notify.requeue(session, city_id=actor.city_id, message_id=message_id, now=t):
        raise NotVisible(f"no dead letter {message_id}")
    session.commit()
    return see_other("/admin/outbox?requeued=1")
