"""One account administered (``/admin/users/{id}``): its seat (role, place, organisation),
its API tokens (name, created, last used; revoked from the list), deactivation (sessions and
tokens end at once; its open work listed for someone to take over), reactivation, a
one-time password reset link, and a new password required at the next sign-in. Every
command is ``huying.orgs.accounts``'s, inside the administrator's place
(``huying.orgs.scope.check_administers``); a refused one re-renders the page with the reason
(422) and stores nothing. The audit trail's page (``/admin/audit``). An organisation
(``/admin/organisations/{code}``): rename, move, kind, the towns a department serves, and
dissolution with its open cases handed to a successor (``huying.cases.succession``). People
(``/admin/people``) and one person (``/admin/people/{id}``): edited, and linked to their
accounts (``huying.orgs.chart``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from huying import audit
from huying.cases import succession
from huying.cases.policy import check_admin
from huying.contact import workload
from huying.deps import SessionDep
from huying.errors import NotVisible, SettingError
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.orgs import accounts, chart
from huying.orgs.actor import Actor
from huying.orgs.models import Department, Organisation, OrgKind, Person, Role, TeamKind, User
from huying.orgs.scope import check_administers
from huying.web import downloads, i18n, pick
from huying.web.deps import PageActor
from huying.web.pages.admin import tree_page
from huying.web.pages.common import see_other
from huying.web.tables import labels
from huying.web.templating import render, request_lang

_ = i18n.gettext_

router = APIRouter(prefix="/admin")


def _account(session: SessionDep, actor: Actor, user_id: int) -> User:
    return accounts.administered(session, actor, user_id)


def _page(request: Request, session: SessionDep, actor: Actor, user: User, *, error: str = "",
          detail: str = "", reset_code: str = "", work: workload.OpenWork | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    node = session.get(Node, user.node_id)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    events, _total = audit.query(session, actor.city_id, audit.Filter(subject=accounts.SUBJECT, subject_id=user.id), limit=20)
    return render(request, "admin/account.html", {
        "account": user, "node": node, "org": org, "tokens": accounts.tokens_of(session, user),
        "roles": [r.value for r in Role if r is not Role.CLIENT], "error": error, "detail": detail,
        "reset_code": reset_code, "reset_hours": int(accounts.RESET_TTL.total_seconds() // 3600),
        "work": work or workload.open_work(session, user.id), "events": events,
        "actors": accounts.names(session, [e.actor_id for e in events]),
        "values": values or {}, "is_self": actor.user_id == user.id,
    }, status_code=status_code)


def _refused(request: Request, session: SessionDep, actor: Actor, user_id: int, exc: SettingError,
             values: dict[str, str] | None = None) -> HTMLResponse:
    session.rollback()
    user = accounts.get(session, actor.city_id, user_id)
    return _page(request, session, actor, user, error=exc.reason, detail=str(exc), values=values, status_code=422)


@router.get("/users/{user_id}", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, actor: PageActor, user_id: int) -> Response:
    return _page(request, session, actor, _account(session, actor, user_id))


@router.post("/users/{user_id}/seat", response_class=HTMLResponse)
def change_seat(request: Request, session: SessionDep, actor: PageActor, t: Now, user_id: int,
                role: Annotated[str, Form(max_length=30)] = "",
                node: Annotated[str, Form(max_length=20)] = "",
                organisation: Annotated[str, Form(max_length=80)] = "") -> Response:
    user = _account(session, actor, user_id)
    values = {"role": role, "node": node, "organisation": organisation}
    try:
        where = None
        if node.strip():
            try:
                where = geo.get_node(session, actor.city_id, node.strip())
            except geo.NodeNotFound:
                raise SettingError(f"no node {node}", "node", "node") from None
        org: Organisation | None = None
        if organisation.strip():
            org = session.scalar(select(Organisation).where(Organisation.city_id == actor.city_id,
                                                            Organisation.code == organisation.strip()))
            if org is None:
                raise SettingError(f"no organisation {organisation}", "organisation", "organisation")
        accounts.change_seat(session, user, actor, now=t, role=role or None, node=where, organisation=org)
        session.commit()
    except SettingError as exc:
        return _refused(request, session, actor, user_id, exc, values)
    return see_other(f"/admin/users/{user_id}?saved=1")


@router.post("/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(request: Request, session: SessionDep, actor: PageActor, t: Now, user_id: int) -> Response:
    user = _account(session, actor, user_id)
    try:
        accounts.deactivate(session, user, actor, now=t)
        session.commit()
    except SettingError as exc:
        return _refused(request, session, actor, user_id, exc)
    return see_other(f"/admin/users/{user_id}?deactivated=1")


@router.post("/users/{user_id}/reactivate", response_class=HTMLResponse)
def reactivate(request: Request, session: SessionDep, actor: PageActor, t: Now, user_id: int) -> Response:
    user = _account(session, actor, user_id)
    try:
        accounts.reactivate(session, user, actor, now=t)
        session.commit()
    except SettingError as exc:
        return _refused(request, session, actor, user_id, exc)
    return see_other(f"/admin/users/{user_id}?reactivated=1")


@router.post("/users/{user_id}/reset", response_class=HTMLResponse)
def reset_password(request: Request, session: SessionDep, actor: PageActor, t: Now, user_id: int) -> Response:
    """A one-time link (and its code) to set a new password, shown on this answer only."""
    user = _account(session, actor, user_id)
    try:
        code = accounts.issue_reset(session, user, actor, now=t)
        session.commit()
    except SettingError as exc:
        return _refused(request, session, actor, user_id, exc)
    return _page(request, session, actor, user, reset_code=code, status_code=201)


@router.post("/users/{user_id}/require-change", response_class=HTMLResponse)
def require_change(request: Request, session: SessionDep, actor: PageActor, t: Now, user_id: int,
                   required: Annotated[str, Form(max_length=1)] = "1") -> Response:
    user = _account(session, actor, user_id)
    accounts.require_change(session, user, actor, now=t, required=required != "0")
    session.commit()
    return see_other(f"/admin/users/{user_id}")


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, session: SessionDep, actor: PageActor, t: Now, token_id: int) -> Response:
    check_admin(actor, "administer accounts")
    row = accounts.revoke_token(session, actor.city_id, token_id, actor, now=t)
    session.commit()
    return see_other(f"/admin/users/{row.user_id}?revoked=1")


# --------------------------------------------------------------------------- the audit trail

AUDIT_PAGE = 50
@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, actor: PageActor, subject: str = "", action: str = "",
               who: str = "", since: str = "", until: str = "", page: int = 1, *, t: Now) -> Response:
    check_admin(actor, "read the audit trail")
    accounts.check_reads_audit(session, actor)
    page = max(1, min(page, 100_000))
    f = accounts.audit_filter(session, actor.city_id, subject, action[:32], who[:60], since[:10], until[:10])
    query = urlencode({k: v for k, v in {"subject": subject, "action": action, "who": who, "since": since,
                                         "until": until}.items() if v})
    kind = downloads.wanted(request)
    if kind:
        events, _total = audit.query(session, actor.city_id, f, limit=downloads.MAX_ROWS)
        rows = accounts.audit_rows(session, events)
        return downloads.answer(request, kind, lambda: audit_sheet(rows, request_lang(request)), t)
    events, total = audit.query(session, actor.city_id, f, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
    return render(request, "admin/audit.html", {
        "rows": accounts.audit_rows(session, events), "total": total, "page": page,
        "pages": max(1, -(-total // AUDIT_PAGE)), "subjects": accounts.AUDIT_SUBJECTS, "query": query,
        "find": {"subject": subject, "action": action, "who": who, "since": since, "until": until}})


def audit_sheet(rows: list[dict[str, Any]], lang: str) -> downloads.Sheet:
    """The audit rows as the page shows them, in the person's language."""
    A = labels("admin/_audit_labels.html", lang)

    def plain(before: dict[str, Any], after: dict[str, Any]) -> str:
        return "; ".join(f"{A.field(k)}: {A.value(k, before.get(k))} → {A.value(k, after.get(k))}"
                         for k in dict.fromkeys([*before, *after]))

    return downloads.Sheet("audit", [_("When"), _("Who"), _("What"), _("Name"), _("Action"), _("Before → after")],
                           [[downloads.moment(r["at"]), r["actor"], str(A.subject(r["subject"])), r["subject_name"],
                             str(A.action(r["action"])), plain(r["before"], r["after"])] for r in rows],
                           (16, 16, 14, 24, 16, 80))


# --------------------------------------------------------------------------- organisations

_OrgField = Annotated[str, Form(max_length=200)]


def _org(session: SessionDep, actor: Actor, code: str) -> Organisation:
    check_admin(actor, "administer organisations")
    try:
        return chart.get(session, actor.city_id, code)
    except SettingError:
        raise NotVisible(f"no organisation {code}") from None


def _org_page(request: Request, session: SessionDep, actor: Actor, org: Organisation, *, error: str = "",
              detail: str = "", status_code: int = 200, handed: succession.Succession | None = None) -> HTMLResponse:
    node = session.get(Node, org.node_id)
    parent = session.get(Organisation, org.parent_id) if org.parent_id else None
    events, _total = audit.query(session, actor.city_id, audit.Filter(subject="organisation", subject_id=org.id),
                                 limit=20)
    return render(request, "admin/organisation.html", {
        "org": org, "node": node, "parent": parent, "towns": chart.towns_of(session, org),
        "open_cases": len(succession.open_cases(session, org)),
        "kinds": [k.value for k in OrgKind], "departments": [d.value for d in Department],
        "team_kinds": [t.value for t in TeamKind], "error": error, "detail": detail, "events": events,
        "actors": accounts.names(session, [e.actor_id for e in events]), "handed": handed,
    }, status_code=status_code)


def _org_refused(request: Request, session: SessionDep, actor: Actor, code: str, exc: SettingError) -> HTMLResponse:
    session.rollback()
    return _org_page(request, session, actor, chart.get(session, actor.city_id, code), error=exc.reason,
                     detail=str(exc), status_code=422)


def _place(session: SessionDep, actor: Actor, code: str, fld: str = "node") -> Node:
    try:
        return geo.get_node(session, actor.city_id, code.strip())
    except geo.NodeNotFound:
        raise SettingError(f"no node {code}", fld, "node") from None


@router.post("/organisations", response_class=HTMLResponse)
def create_organisation(request: Request, session: SessionDep, actor: PageActor, t: Now, node: _OrgField = "",
                        code: _OrgField = "", name_zh: _OrgField = "", name_en: _OrgField = "", kind: _OrgField = "",
                        department: _OrgField = "", team_kind: _OrgField = "", parent: _OrgField = "") -> Response:
    """A new organisation at the tree page's node."""
    check_admin(actor, "administer organisations")
    where = _place(session, actor, node) if node.strip() else None
    values = {"code": code, "name_zh": name_zh, "name_en": name_en, "kind": kind, "department": department,
              "team_kind": team_kind, "parent": parent}
    try:
        if where is None:
            raise SettingError("choose a place", "node", "node")
        org = chart.create(session, actor, node=where, code=code, name_zh=name_zh, name_en=name_en, kind=kind, now=t,
                           department=department, team_kind=team_kind,
                           parent=chart.get(session, actor.city_id, parent) if parent.strip() else None)
        session.commit()
    except SettingError as exc:
        session.rollback()
        return tree_page(request, session, actor, node.strip(), error=exc.reason, detail=str(exc), values=values,
                         status_code=422)
    return see_other(f"/admin/organisations/{org.code}?created=1")


@router.get("/organisations/{code}", response_class=HTMLResponse)
def organisation_page(request: Request, session: SessionDep, actor: PageActor, code: str) -> Response:
    return _org_page(request, session, actor, _org(session, actor, code))


@router.post("/organisations/{code}/rename", response_class=HTMLResponse)
def rename_organisation(request: Request, session: SessionDep, actor: PageActor, t: Now, code: str,
                        name_zh: _OrgField = "", name_en: _OrgField = "") -> Response:
    org = _org(session, actor, code)
    try:
        chart.rename(session, org, actor, name_zh=name_zh, name_en=name_en, now=t)
        session.commit()
    except SettingError as exc:
        return _org_refused(request, session, actor, code, exc)
    return see_other(f"/admin/organisations/{code}?saved=1")


@router.post("/organisations/{code}/move", response_class=HTMLResponse)
def move_organisation(request: Request, session: SessionDep, actor: PageActor, t: Now, code: str,
                      node: _OrgField = "") -> Response:
    org = _org(session, actor, code)
    try:
        chart.move(session, org, actor, node=_place(session, actor, node), now=t)
        session.commit()
    except SettingError as exc:
        return _org_refused(request, session, actor, code, exc)
    return see_other(f"/admin/organisations/{code}?saved=1")


@router.post("/organisations/{code}/kind", response_class=HTMLResponse)
def change_organisation_kind(request: Request, session: SessionDep, actor: PageActor, t: Now, code: str,
                             kind: _OrgField = "", department: _OrgField = "", team_kind: _OrgField = "",
                             parent: _OrgField = "") -> Response:
    org = _org(session, actor, code)
    try:
        chart.change_kind(session, org, actor, kind=kind, department=department, team_kind=team_kind, now=t,
                          parent=chart.get(session, actor.city_id, parent) if parent.strip() else None)
        session.commit()
    except SettingError as exc:
        return _org_refused(request, session, actor, code, exc)
    return see_other(f"/admin/organisations/{code}?saved=1")


@router.post("/organisations/{code}/towns", response_class=HTMLResponse)
async def set_organisation_towns(request: Request, session: SessionDep, actor: PageActor, t: Now,
                                 code: str) -> Response:
    """The towns a department serves (the form's ``town`` fields, one per town)."""
    org = _org(session, actor, code)
    form = await request.form()
    picked = [v.strip() for v in form.getlist("town") if isinstance(v, str) and v.strip()][:200]
    try:
        chart.set_towns(session, org, actor, towns=[_place(session, actor, c, "towns") for c in picked], now=t)
        session.commit()
    except SettingError as exc:
        return _org_refused(request, session, actor, code, exc)
    return see_other(f"/admin/organisations/{code}?saved=1")


@router.post("/organisations/{code}/dissolve", response_class=HTMLResponse)
def dissolve_organisation(request: Request, session: SessionDep, actor: PageActor, t: Now, code: str,
                          successor: _OrgField = "", note: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Dissolve: its open cases go to the successor, each with an event, all at once."""
    _org(session, actor, code)
    try:
        done = succession.dissolve(session, actor.city_id, code, successor=successor.strip() or None, actor=actor,
                                   now=t, note=note.strip() or None)
    except SettingError as exc:
        return _org_refused(request, session, actor, code, exc)
    return _org_page(request, session, actor, chart.get(session, actor.city_id, code), handed=done)


# --------------------------------------------------------------------------- people

PEOPLE_PAGE = 50


def _people_page(request: Request, session: SessionDep, actor: Actor, node: str, *, error: str = "",
                 values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    here = _place(session, actor, node) if node.strip() else session.get(Node, _actor_node(session, actor))
    assert here is not None
    check_administers(actor, here.path, "administer the people here")
    rows = session.execute(
        select(Person, Node, Organisation).outerjoin(Node, Node.id == Person.node_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.city_id == actor.city_id, Node.path.startswith(here.path, autoescape=True))
        .order_by(Person.name, Person.id).limit(PEOPLE_PAGE)).all()
    return render(request, "admin/people.html", {"node": here, "rows": rows, "error": error,
                                                 "values": values or {}}, status_code=status_code)


def _actor_node(session: SessionDep, actor: Actor) -> int | None:
    return session.scalar(select(Node.id).where(Node.city_id == actor.city_id, Node.path == actor.node_path))


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, session: SessionDep, actor: PageActor, node: str = "") -> Response:
    """The people of a place (staff, cadres, members, deputies) and the form of a new one."""
    check_admin(actor, "administer people")
    try:
        return _people_page(request, session, actor, node[:20])
    except SettingError:
        raise NotVisible(f"no node {node}") from None


@router.post("/people", response_class=HTMLResponse)
def add_person(request: Request, session: SessionDep, actor: PageActor, t: Now, name: _OrgField = "",
               node: _OrgField = "", organisation: _OrgField = "", phone: _OrgField = "",
               party_member: _OrgField = "") -> Response:
    check_admin(actor, "administer people")
    values = {"name": name, "node": node, "organisation": organisation, "phone": phone, "party_member": party_member}
    try:
        chart.create_person(session, actor, actor.city_id, chart.PersonIn(
            name=name, node=_place(session, actor, node) if node.strip() else None,
            organisation=chart.get(session, actor.city_id, organisation) if organisation.strip() else None,
            phone_masked=phone, is_party_member=party_member == "1"), now=t)
        session.commit()
    except SettingError as exc:
        session.rollback()
        return _people_page(request, session, actor, node if node.strip() and exc.field != "node" else "",
                            error=exc.reason, values=values, status_code=422)
    return see_other(f"/admin/people?node={node.strip()}" if node.strip() else "/admin/people")


@router.get("/pick/accounts")
def account_picker(request: Request, session: SessionDep, actor: PageActor, q: str = "") -> JSONResponse:
    """The account picker's data: accounts in the administrator's place whose name contains ``q``."""
    check_admin(actor, "administer accounts")
    return JSONResponse({"accounts": pick.search_accounts(session, actor, q.strip()[:40], request_lang(request))})


def _person(session: SessionDep, actor: Actor, person_id: int) -> Person:
    return chart.administered_person(session, actor, actor.city_id, person_id)


def _person_page(request: Request, session: SessionDep, actor: Actor, p: Person, *, error: str = "",
                 values: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    events, _total = audit.query(session, actor.city_id, audit.Filter(subject="person", subject_id=p.id), limit=20)
    linked = [(u, session.get(Node, u.node_id)) for u in chart.accounts_of(session, p)]
    return render(request, "admin/person.html", {
        "person": p, "node": session.get(Node, p.node_id) if p.node_id else None,
        "org": session.get(Organisation, p.organisation_id) if p.organisation_id else None,
        "place": chart.person_place(session, p), "linked": linked, "error": error, "values": values or {},
        "events": events, "actors": accounts.names(session, [e.actor_id for e in events]),
    }, status_code=status_code)


def _person_refused(request: Request, session: SessionDep, actor: Actor, person_id: int, exc: SettingError,
                    values: dict[str, str] | None = None) -> HTMLResponse:
    session.rollback()
    return _person_page(request, session, actor, _person(session, actor, person_id), error=exc.reason or "",
                        values=values, status_code=422)


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, session: SessionDep, actor: PageActor, person_id: int) -> Response:
    """One person: name, place, organisation, phone, membership, linked accounts, history."""
    return _person_page(request, session, actor, _person(session, actor, person_id))


@router.post("/people/{person_id}", response_class=HTMLResponse)
def update_person(request: Request, session: SessionDep, actor: PageActor, t: Now, person_id: int,
                  name: _OrgField = "", node: _OrgField = "", organisation: _OrgField = "", phone: _OrgField = "",
                  party_member: _OrgField = "") -> Response:
    p = _person(session, actor, person_id)
    values = {"name": name, "node": node, "organisation": organisation, "phone": phone, "party_member": party_member}
    try:
        chart.update_person(session, actor, p, chart.PersonIn(
            name=name, node=_place(session, actor, node) if node.strip() else None,
            organisation=chart.get(session, actor.city_id, organisation) if organisation.strip() else None,
            phone_masked=phone, is_party_member=party_member == "1"), now=t)
        session.commit()
    except SettingError as exc:
        return _person_refused(request, session, actor, person_id, exc, values)
    return see_other(f"/admin/people/{person_id}?saved=1")


@router.post("/people/{person_id}/link", response_class=HTMLResponse)
def link_account(request: Request, session: SessionDep, actor: PageActor, t: Now, person_id: int,
                 account: _OrgField = "") -> Response:
    """Link an account (picked by name) to the person."""
    p = _person(session, actor, person_id)
    try:
        chart.link_account(session, actor, p, chart.account_named(session, actor.city_id, account), now=t)
        session.commit()
    except SettingError as exc:
        return _person_refused(request, session, actor, person_id, exc)
    return see_other(f"/admin/people/{person_id}?linked=1")


@router.post("/people/{person_id}/unlink", response_class=HTMLResponse)
def unlink_account(request: Request, session: SessionDep, actor: PageActor, t: Now, person_id: int,
                   account: _OrgField = "") -> Response:
    p = _person(session, actor, person_id)
    try:
        chart.unlink_account(session, actor, p, chart.account_named(session, actor.city_id, account), now=t)
        session.commit()
    except SettingError as exc:
        return _person_refused(request, session, actor, person_id, exc)
    return see_other(f"/admin/people/{person_id}?unlinked=1")
