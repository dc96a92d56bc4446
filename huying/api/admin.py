"""HTTP: administration of accounts and the audit trail (``/api/v1/admin/…``), for
administrators inside the place they administer (``huying.orgs.scope.check_administers``).
The same commands as the pages (``huying.orgs.accounts``), the same refusals (422 with the
field, 403 outside one's place), nothing stored on a refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from huying import audit
from huying.cases import succession
from huying.cases.policy import check_admin
from huying.contact import workload
from huying.deps import SessionDep
from huying.errors import InvalidInput, NotVisible, SettingError
from huying.geo import service as geo
from huying.geo.models import Node
from huying.http.clock import Now
from huying.http.errors import reject_nul_body
from huying.http.pagination import paginate
from huying.orgs import accounts, chart
from huying.orgs.actor import Actor
from huying.orgs.auth import CurrentActor
from huying.orgs.models import Organisation, Person, User

router = APIRouter(prefix="/api/v1/admin", tags=["administration"], dependencies=[Depends(reject_nul_body)])


class TokenRead(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class WorkItem(BaseModel):
    kind: str
    label: str
    link: str


class AccountRead(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    node: str
    node_name: str
    organisation: str | None
    organisation_name: str | None
    active: bool
    must_change_password: bool
    tokens: list[TokenRead]
    open_work: list[WorkItem]


class AccountCreate(BaseModel):
    username: str = Field(max_length=60)
    password: str = Field(max_length=200)
    role: str = Field(max_length=30)
    node: str = Field(max_length=20, description="The code of the account's node.")
    display_name: str | None = Field(None, max_length=60)
    organisation: str | None = Field(None, max_length=80, description="An organisation's code.")
    must_change_password: bool = True


class SeatChange(BaseModel):
    role: str | None = Field(None, max_length=30)
    node: str | None = Field(None, max_length=20)
    organisation: str | None = Field(None, max_length=80, description="A code; empty text for none.")


class ResetIssued(BaseModel):
    code: str
    link: str
    expires_at: dt.datetime


class Deactivated(BaseModel):
    account: AccountRead
    tokens_revoked: int


class AuditRow(BaseModel):
    at: dt.datetime
    actor: str
    subject: str
    subject_name: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    extra: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditRow]
    total: int
    limit: int
    offset: int


def _account(session: SessionDep, actor: Actor, user_id: int) -> User:
    return accounts.administered(session, actor, user_id)


def _read(session: SessionDep, user: User) -> dict[str, Any]:
    node = session.get(Node, user.node_id)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "node": node.code if node else "", "node_name": node.name_zh if node else "",
            "organisation": org.code if org else None, "organisation_name": org.name_zh if org else None,
            "active": user.active, "must_change_password": bool(user.must_change_password),
            "tokens": [t.__dict__ for t in accounts.tokens_of(session, user)],
            "open_work": [i.__dict__ for i in workload.open_work(session, user.id).items]}


def _node(session: SessionDep, city_id: int, code: str) -> Node:
    try:
        return geo.get_node(session, city_id, code.strip())
    except geo.NodeNotFound:
        raise InvalidInput(f"no node {code!r}", "node") from None


def _org(session: SessionDep, city_id: int, code: str) -> Organisation:
    try:
        return chart.get(session, city_id, code)
    except SettingError as exc:
        raise InvalidInput(str(exc), "organisation") from None


@router.post("/accounts", response_model=AccountRead, status_code=201)
def create_account(body: AccountCreate, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """A new account in the administrator's place (by default its password is a first one:
    the person chooses their own at the first sign-in)."""
    check_admin(actor, "administer accounts")
    node = _node(session, actor.city_id, body.node)
    org = _org(session, actor.city_id, body.organisation) if body.organisation else None
    user = accounts.create(session, actor, username=body.username, password=body.password, role=body.role,
                           node=node, now=t, display_name=body.display_name, organisation=org,
                           must_change=body.must_change_password)
    session.commit()
    return _read(session, user)


@router.get("/accounts/{user_id}", response_model=AccountRead)
def show_account(user_id: int, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """An account, its API tokens (name, created, last used) and its open work."""
    return _read(session, _account(session, actor, user_id))


@router.post("/accounts/{user_id}/seat", response_model=AccountRead)
def change_seat(user_id: int, body: SeatChange, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """Another role, node or organisation (inside the administrator's place)."""
    user = _account(session, actor, user_id)
    node = _node(session, actor.city_id, body.node) if body.node else None
    org: Organisation | None | bool = False
    if body.organisation is not None:
        org = _org(session, actor.city_id, body.organisation) if body.organisation.strip() else None
    accounts.change_seat(session, user, actor, now=t, role=body.role, node=node, organisation=org)
    session.commit()
    return _read(session, user)


@router.post("/accounts/{user_id}/deactivate", response_model=Deactivated)
def deactivate(user_id: int, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """Switch the account off: its sessions and tokens are refused from the next request;
    its open work is listed for someone to take over."""
    user = _account(session, actor, user_id)
    revoked = accounts.deactivate(session, user, actor, now=t)
    session.commit()
    return {"account": _read(session, user), "tokens_revoked": revoked}


@router.post("/accounts/{user_id}/reactivate", response_model=AccountRead)
def reactivate(user_id: int, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    user = _account(session, actor, user_id)
    accounts.reactivate(session, user, actor, now=t)
    session.commit()
    return _read(session, user)


@router.post("/accounts/{user_id}/reset", response_model=ResetIssued, status_code=201)
def reset_password(user_id: int, request: Request, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """A one-time code (and its link) to set a new password: answered now only, stored hashed,
    expiring, single-use."""
    user = _account(session, actor, user_id)
    code = accounts.issue_reset(session, user, actor, now=t)
    session.commit()
    return {"code": code, "link": f"{str(request.base_url).rstrip('/')}/reset/{code}",
            "expires_at": t + accounts.RESET_TTL}


@router.post("/accounts/{user_id}/require-change", response_model=AccountRead)
def require_change(user_id: int, session: SessionDep, actor: CurrentActor, t: Now,
                   required: bool = Query(True)) -> dict[str, Any]:
    """The person must choose a new password at their next sign-in (``required=false``: no longer)."""
    user = _account(session, actor, user_id)
    accounts.require_change(session, user, actor, now=t, required=required)
    session.commit()
    return _read(session, user)


@router.post("/tokens/{token_id}/revoke", response_model=TokenRead)
def revoke_token(token_id: int, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """Revoke an API token of an account in the administrator's place."""
    check_admin(actor, "administer accounts")
    row = accounts.revoke_token(session, actor.city_id, token_id, actor, now=t)
    session.commit()
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "created_at": row.created_at,
            "last_used_at": row.last_used_at, "revoked_at": row.revoked_at}


@router.get("/audit", response_model=AuditPage)
def list_audit(
    request: Request, response: Response, session: SessionDep, actor: CurrentActor,
    subject: str = Query("", max_length=16, description=f"One of: {', '.join(accounts.AUDIT_SUBJECTS)}."),
    action: str = Query("", max_length=32),
    who: str = Query("", max_length=60, description="The username of who made the change."),
    since: str = Query("", max_length=10, description="From this day (YYYY-MM-DD)."),
    until: str = Query("", max_length=10, description="To this day, inclusive (YYYY-MM-DD)."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """The audit trail of the city, newest first: who changed what, when, before → after."""
    check_admin(actor, "read the audit trail")
    accounts.check_reads_audit(session, actor)
    f = accounts.audit_filter(session, actor.city_id, subject, action, who, since, until)
    events, total = audit.query(session, actor.city_id, f, limit=limit, offset=offset)
    paginate(request, response, total, limit, offset)
    return {"items": accounts.audit_rows(session, events), "total": total, "limit": limit, "offset": offset}


# --------------------------------------------------------------------------- organisations and people


class OrgCreate(BaseModel):
    code: str = Field(max_length=80)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    kind: str = Field(max_length=30)
    node: str = Field(max_length=20)
    parent: str | None = Field(None, max_length=80)
    department: str | None = Field(None, max_length=30)
    team_kind: str | None = Field(None, max_length=30)


class OrgRename(BaseModel):
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)


class OrgMove(BaseModel):
    node: str = Field(max_length=20)


class OrgKindChange(BaseModel):
    kind: str = Field(max_length=30)
    department: str | None = Field(None, max_length=30)
    team_kind: str | None = Field(None, max_length=30)
    parent: str | None = Field(None, max_length=80, description="Omitted: kept; empty text: none.")


class OrgTowns(BaseModel):
    towns: list[str] = Field(default_factory=list, max_length=200)


class OrgDissolve(BaseModel):
    successor: str | None = Field(None, max_length=80)
    note: str | None = Field(None, max_length=500)


class Dissolved(BaseModel):
    organisation: str
    successor: str | None
    cases: list[str]
    accounts: list[str]


class PersonBody(BaseModel):
    name: str = Field(max_length=60)
    node: str | None = Field(None, max_length=20)
    organisation: str | None = Field(None, max_length=80)
    phone_masked: str | None = Field(None, max_length=20)
    is_party_member: bool = False


def _org_read(session: SessionDep, org: Organisation) -> dict[str, Any]:
    return {"id": org.id, **chart.snapshot(session, org)}


def _admin_org(session: SessionDep, actor: Actor, code: str) -> Organisation:
    check_admin(actor, "administer organisations")
    try:
        return chart.get(session, actor.city_id, code)
    except SettingError:
        raise NotVisible(f"no organisation {code!r}") from None


@router.post("/organisations", status_code=201)
def create_organisation(body: OrgCreate, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """A new organisation (an alliance team: kind alliance_team, its alliance as parent, a team_kind)."""
    check_admin(actor, "administer organisations")
    org = chart.create(session, actor, node=_node(session, actor.city_id, body.node), code=body.code,
                       name_zh=body.name_zh, name_en=body.name_en, kind=body.kind, now=t, department=body.department,
                       team_kind=body.team_kind,
                       parent=_org(session, actor.city_id, body.parent) if body.parent else None)
    session.commit()
    return _org_read(session, org)


@router.post("/organisations/{code}/rename")
def rename_organisation(code: str, body: OrgRename, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    org = _admin_org(session, actor, code)
    chart.rename(session, org, actor, name_zh=body.name_zh, name_en=body.name_en, now=t)
    session.commit()
    return _org_read(session, org)


@router.post("/organisations/{code}/move")
def move_organisation(code: str, body: OrgMove, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    org = _admin_org(session, actor, code)
    chart.move(session, org, actor, node=_node(session, actor.city_id, body.node), now=t)
    session.commit()
    return _org_read(session, org)


@router.post("/organisations/{code}/kind")
def change_organisation_kind(code: str, body: OrgKindChange, session: SessionDep, actor: CurrentActor,
                             t: Now) -> dict[str, Any]:
    org = _admin_org(session, actor, code)
    parent: Organisation | None | bool = False
    if body.parent is not None:
        parent = _org(session, actor.city_id, body.parent) if body.parent.strip() else None
    chart.change_kind(session, org, actor, kind=body.kind, department=body.department, team_kind=body.team_kind,
                      parent=parent, now=t)
    session.commit()
    return _org_read(session, org)


@router.post("/organisations/{code}/towns")
def set_organisation_towns(code: str, body: OrgTowns, session: SessionDep, actor: CurrentActor,
                           t: Now) -> dict[str, Any]:
    """The towns a department serves (none: every town below its node)."""
    org = _admin_org(session, actor, code)
    chart.set_towns(session, org, actor, towns=[_node(session, actor.city_id, c) for c in body.towns], now=t)
    session.commit()
    return _org_read(session, org)


@router.post("/organisations/{code}/dissolve", response_model=Dissolved)
def dissolve_organisation(code: str, body: OrgDissolve, session: SessionDep, actor: CurrentActor,
                          t: Now) -> dict[str, Any]:
    """Dissolve an organisation: its open cases go to the successor, each with an event, in one
    transaction; the accounts still attached to it are listed for moving."""
    _admin_org(session, actor, code)
    return succession.dissolve(session, actor.city_id, code, successor=body.successor, actor=actor, now=t,
                               note=body.note).__dict__


def _person_in(session: SessionDep, city_id: int, body: PersonBody) -> chart.PersonIn:
    return chart.PersonIn(name=body.name, node=_node(session, city_id, body.node) if body.node else None,
                          organisation=_org(session, city_id, body.organisation) if body.organisation else None,
                          phone_masked=body.phone_masked, is_party_member=body.is_party_member)


@router.post("/people", status_code=201)
def create_person(body: PersonBody, session: SessionDep, actor: CurrentActor, t: Now) -> dict[str, Any]:
    """A person (staff, a cadre, a member, a deputy) with their node and organisation."""
    check_admin(actor, "administer people")
    p = chart.create_person(session, actor, actor.city_id, _person_in(session, actor.city_id, body), now=t)
    session.commit()
    return {"id": p.id, **chart.person_snapshot(session, p)}


def _person_read(session: SessionDep, p: Person) -> dict[str, Any]:
    return {"id": p.id, **chart.person_snapshot(session, p)}


@router.get("/people/{person_id}")
def read_person(person_id: int, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """A person with their place, organisation and linked accounts (names, not ids)."""
    return _person_read(session, chart.administered_person(session, actor, actor.city_id, person_id))


@router.post("/people/{person_id}")
def update_person(person_id: int, body: PersonBody, session: SessionDep, actor: CurrentActor,
                  t: Now) -> dict[str, Any]:
    p = chart.administered_person(session, actor, actor.city_id, person_id)
    chart.update_person(session, actor, p, _person_in(session, actor.city_id, body), now=t)
    session.commit()
    return _person_read(session, p)


class PersonAccount(BaseModel):
    account: str = Field(max_length=60, description="The account's username.")


@router.post("/people/{person_id}/link")
def link_person_account(person_id: int, body: PersonAccount, session: SessionDep, actor: CurrentActor,
                        t: Now) -> dict[str, Any]:
    """Link an account to the person (one linked to somebody else is refused, 422)."""
    p = chart.administered_person(session, actor, actor.city_id, person_id)
    chart.link_account(session, actor, p, chart.account_named(session, actor.city_id, body.account), now=t)
    session.commit()
    return _person_read(session, p)


@router.post("/people/{person_id}/unlink")
def unlink_person_account(person_id: int, body: PersonAccount, session: SessionDep, actor: CurrentActor,
                          t: Now) -> dict[str, Any]:
    p = chart.administered_person(session, actor, actor.city_id, person_id)
    chart.unlink_account(session, actor, p, chart.account_named(session, actor.city_id, body.account), now=t)
    session.commit()
    return _person_read(session, p)
