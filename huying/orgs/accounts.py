"""Accounts administered (issue 22): create, deactivate, reactivate, move to another role or
node, reset a password by a one-time code, require a new password at the next sign-in, and
the account's API tokens. Each command checks the administrator's place
(:func:`huying.orgs.scope.check_administers`), writes one audit row (``huying.audit``) with
what changed, and flushes; the caller commits (so a refused command stores nothing).

``actor`` None is the operator at the command line (``huying admin …``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huying import audit
from huying.cityconfig import deadlines
from huying.errors import InvalidInput, NotPermitted, NotVisible, SettingError
from huying.geo.models import Node
from huying.orgs import passwords
from huying.orgs.actor import Actor
from huying.orgs.models import ApiToken, Organisation, PasswordReset, Role, User
from huying.orgs.scope import check_administers
from huying.orgs.service import (
    AccountError,
    create_user,
    end_sessions,
    hash_password,
    verify_password,
)

#: How long a reset code works.
RESET_TTL = dt.timedelta(hours=24)
SUBJECT = "user"


def _actor_id(actor: Actor | None) -> int | None:
    return actor.user_id if actor is not None else None


def _node(session: Session, node_id: int) -> Node:
    node = session.get(Node, node_id)
    assert node is not None
    return node


def snapshot(session: Session, user: User) -> dict[str, Any]:
    """What the audit keeps of an account: names, not ids."""
    node = session.get(Node, user.node_id)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "node": f"{node.name_zh} ({node.code})" if node else None,
            "organisation": f"{org.name_zh} ({org.code})" if org else None,
            "active": user.active, "must_change_password": bool(user.must_change_password)}


def get(session: Session, city_id: int, user_id: int) -> User:
    """An account of the city (not an API client's: those are on the clients' page)."""
    user = session.get(User, user_id)
    if user is None or user.city_id != city_id or user.role == Role.CLIENT.value:
        raise NotVisible(f"no account {user_id}")
    return user


def administered(session: Session, actor: Actor, user_id: int) -> User:
    """The account ``user_id`` when ``actor`` administers its place: the API's and the pages'
    one way in. The role is checked before the account is looked up, so someone who is not an
    administrator learns nothing of which accounts exist (403 either way)."""
    if actor.role != Role.ADMIN:
        raise NotPermitted("only an administrator may administer accounts")
    user = get(session, actor.city_id, user_id)
    node = session.get(Node, user.node_id)
    check_administers(actor, node.path if node else None, "administer this account")
    return user


def _place(session: Session, user: User) -> str:
    return _node(session, user.node_id).path


def _check(session: Session, actor: Actor | None, user: User, what: str) -> None:
    check_administers(actor, _place(session, user), what)


def _record(session: Session, user: User, action: str, actor: Actor | None, now: dt.datetime,
            before: dict[str, Any], after: dict[str, Any], **extra: Any) -> None:
    b, a = audit.changes(before, after)
    audit.record(session, user.city_id, SUBJECT, user.id, action, actor_id=_actor_id(actor), now=now,
                 before=b, after=a, **extra)


def create(session: Session, actor: Actor | None, *, username: str, password: str, role: str,
           node: Node, now: dt.datetime, display_name: str | None = None,
           organisation: Organisation | None = None, person_id: int | None = None,
           must_change: bool = True) -> User:
    """A new account in the administrator's place. The password an administrator sets is a
    first one: by default the person chooses their own at the first sign-in."""
    check_administers(actor, node.path, "create an account here")
    if actor is not None and node.city_id != actor.city_id:
        raise NotVisible("no such node")
    if role == Role.CLIENT.value:
        raise SettingError("an API client is created under API clients", "role", "client")
    try:
        user = create_user(session, username=username, password=password, role=role, node=node,
                           display_name=display_name, organisation=organisation, person_id=person_id)
    except AccountError as exc:  # the field it is about, for the import's row and the forms
        msg = str(exc)
        fld = next((f for needle, f in (("department handler", "organisation"), ("organisation", "organisation"),
                                        ("password", "password"), ("role", "role")) if needle in msg), "username")
        raise SettingError(msg, fld, fld) from None
    user.created_at = now
    user.must_change_password = must_change
    session.flush()
    _record(session, user, "create", actor, now, {}, snapshot(session, user))
    return user


def deactivate(session: Session, user: User, actor: Actor | None, *, now: dt.datetime) -> int:
    """Switch the account off: its web sessions end and its API tokens are revoked at once
    (the next request with either is refused). Returns how many tokens were revoked."""
    _check(session, actor, user, "deactivate this account")
    if actor is not None and actor.user_id == user.id:
        raise SettingError("you cannot deactivate your own account", "user", "self")
    if not user.active:
        raise SettingError("the account is already inactive", "user", "inactive")
    before = snapshot(session, user)
    user.active = False
    end_sessions(session, user.id)
    revoked = session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))  # type: ignore[attr-defined]
                              .values(revoked_at=now)).rowcount or 0
    session.flush()
    session.refresh(user)
    _record(session, user, "deactivate", actor, now, before, snapshot(session, user), tokens_revoked=revoked)
    return int(revoked)


def reactivate(session: Session, user: User, actor: Actor | None, *, now: dt.datetime) -> None:
    """Switch the account on again (its old tokens stay revoked; it signs in afresh)."""
    _check(session, actor, user, "reactivate this account")
    if user.active:
        raise SettingError("the account is already active", "user", "active")
    before = snapshot(session, user)
    user.active = True
    session.flush()
    _record(session, user, "reactivate", actor, now, before, snapshot(session, user))


def change_seat(session: Session, user: User, actor: Actor | None, *, now: dt.datetime,
                role: str | None = None, node: Node | None = None,
                organisation: Organisation | None | bool = False) -> None:
    """Move the account to another role, node or organisation (``organisation`` False: keep
    it; None: none). The administrator must administer both the old place and the new one."""
    _check(session, actor, user, "change this account")
    if role is not None:
        try:
            role = Role(role).value
        except ValueError:
            raise SettingError(f"unknown role {role!r}", "role", "role") from None
        if role == Role.CLIENT.value:
            raise SettingError("an API client is created under API clients", "role", "client")
        if actor is not None and actor.user_id == user.id and role != user.role:
            raise SettingError("you cannot change your own role", "role", "self")
    if node is not None:
        if node.city_id != user.city_id:
            raise NotVisible("no such node")
        check_administers(actor, node.path, "move an account there")
    if organisation not in (False, None) and isinstance(organisation, Organisation) \
            and organisation.city_id != user.city_id:
        raise NotVisible("no such organisation")
    before = snapshot(session, user)
    if role is not None:
        user.role = role
    if node is not None:
        user.node_id = node.id
    if organisation is not False:
        user.organisation_id = organisation.id if isinstance(organisation, Organisation) else None
    if user.role == Role.DEPARTMENT_HANDLER.value and user.organisation_id is None:
        raise SettingError("a department handler needs an organisation (the unit)", "organisation", "unit")
    session.flush()
    after = snapshot(session, user)
    if before != after:
        _record(session, user, "change", actor, now, before, after)


def require_change(session: Session, user: User, actor: Actor | None, *, now: dt.datetime,
                   required: bool = True) -> None:
    """The person must choose a new password at their next sign-in (or no longer must)."""
    _check(session, actor, user, "change this account")
    before = snapshot(session, user)
    user.must_change_password = required
    session.flush()
    _record(session, user, "require_change" if required else "waive_change", actor, now, before,
            snapshot(session, user))


# --------------------------------------------------------------------------- passwords


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_reset(session: Session, user: User, actor: Actor | None, *, now: dt.datetime,
                ttl: dt.timedelta = RESET_TTL) -> str:
    """A one-time code (a link ``/reset/<code>``, or the code read out) with which the person
    sets a new password; only its hash is stored, it expires after ``ttl`` and works once.
    Any earlier unused code of the account stops working. The code is returned only now."""
    _check(session, actor, user, "reset this account's password")
    if not user.active:
        raise SettingError("the account is inactive: reactivate it first", "user", "inactive")
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
                                                PasswordReset.expires_at > now).values(expires_at=now))
    code = secrets.token_urlsafe(24)
    session.add(PasswordReset(city_id=user.city_id, user_id=user.id, code_hash=_digest(code), created_at=now,
                              expires_at=now + ttl, created_by_id=_actor_id(actor)))
    session.flush()
    audit.record(session, user.city_id, SUBJECT, user.id, "reset_issued", actor_id=_actor_id(actor), now=now,
                 expires_at=(now + ttl).isoformat())
    return code


def reset_for(session: Session, code: str, *, now: dt.datetime) -> tuple[PasswordReset, User]:
    """The unused, unexpired reset of ``code`` and its active account (``SettingError``
    ``code``/``invalid`` otherwise: unknown, used, expired and inactive look the same)."""
    row = session.execute(select(PasswordReset, User).join(User, User.id == PasswordReset.user_id)
                          .where(PasswordReset.code_hash == _digest(code.strip()))).first()
    if row is None or row[0].used_at is not None or row[0].expires_at <= now or not row[1].active:
        raise SettingError("this reset link or code is not valid (used, expired or unknown)", "code", "invalid")
    return row[0], row[1]


def redeem_reset(session: Session, code: str, password: str, *, now: dt.datetime) -> User:
    """Set the new password with a reset code: the code is used up, every session of the
    account ends, and no change is required any more."""
    reset, user = reset_for(session, code, now=now)
    reason = passwords.problem(password, user.username)
    if reason:
        raise SettingError(reason, "password", "password")
    # compare-and-set: two tabs redeeming the same code at once: one wins
    won = session.execute(update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))  # type: ignore[attr-defined]
                          .values(used_at=now)).rowcount
    if not won:
        raise SettingError("this reset link or code is not valid (used, expired or unknown)", "code", "invalid")
    _set_password(session, user, password, now, "password_reset", None)
    return user


def change_password(session: Session, user: User, *, current: str, new: str, now: dt.datetime) -> None:
    """The person changes their own password (required at the first sign-in, or at will)."""
    if not verify_password(user.password_hash, current):
        raise SettingError("the current password is wrong", "current", "current")
    if new == current:
        raise SettingError("choose a password different from the current one", "password", "same")
    reason = passwords.problem(new, user.username)
    if reason:
        raise SettingError(reason, "password", "password")
    _set_password(session, user, new, now, "password_changed", user.id)


def _set_password(session: Session, user: User, password: str, now: dt.datetime, action: str,
                  actor_id: int | None) -> None:
    try:
        user.password_hash = hash_password(password)
    except AccountError as exc:
        raise SettingError(str(exc), "password", "password") from None
    was = bool(user.must_change_password)
    user.must_change_password = False
    end_sessions(session, user.id)
    session.flush()
    session.refresh(user)
    audit.record(session, user.city_id, SUBJECT, user.id, action, actor_id=actor_id, now=now,
                 before={"must_change_password": was} if was else {},
                 after={"must_change_password": False} if was else {})


# --------------------------------------------------------------------------- API tokens


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def tokens_of(session: Session, user: User) -> list[Token]:
    """The account's API tokens, newest first (prefixes only: the token is never stored)."""
    return [Token(t.id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at)
            for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                     .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))]


def revoke_token(session: Session, city_id: int, token_id: int, actor: Actor | None, *,
                 now: dt.datetime) -> ApiToken:
    """Revoke one token of an account in the administrator's place: its next request is refused."""
    row = session.get(ApiToken, token_id)
    if row is None or row.city_id != city_id:
        raise NotVisible(f"no token {token_id}")
    user = session.get(User, row.user_id)
    assert user is not None
    _check(session, actor, user, "revoke this token")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
        audit.record(session, city_id, "token", row.id, "revoke", actor_id=_actor_id(actor), now=now,
                     before={"revoked": False}, after={"revoked": True}, user=user.username, name=row.name)
    return row


# --------------------------------------------------------------------------- the audit listing

#: The kinds of row the audit trail records.
AUDIT_SUBJECTS = ("user", "token", "client", "organisation", "person", "node")


def check_reads_audit(session: Session, actor: Actor | None) -> None:
    """The whole city's audit trail is read by the administrators of the whole city (an
    administrator of a town reads the history of each account it administers on its page)."""
    root = session.scalar(select(Node.path).where(Node.city_id == actor.city_id, Node.level == "city")) \
        if actor is not None else None
    check_administers(actor, root, "read the city's audit trail")


def audit_filter(session: Session, city_id: int, subject: str, action: str, actor: str, since: str,
                 until: str) -> audit.Filter:
    """The audit listing's filters from text (one parser for the page, its downloads and the
    API): a subject kind, an action, an actor's username, a date range (``until`` inclusive)."""
    if subject and subject not in AUDIT_SUBJECTS:
        raise InvalidInput(f"choose one of: {', '.join(AUDIT_SUBJECTS)}", "subject")
    actor_id = None
    if actor.strip():
        actor_id = session.scalar(select(User.id).where(User.city_id == city_id, User.username == actor.strip()))
        if actor_id is None:
            raise InvalidInput(f"no account {actor!r}", "actor")
    return audit.Filter(subject=subject or None, action=action.strip() or None, actor_id=actor_id,
                        since=_day(since, "since"), until=_day(until, "until", next_day=True))


def _day(text: str, field: str, *, next_day: bool = False) -> dt.datetime | None:
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("a date as YYYY-MM-DD", field) from None
    if next_day:
        day += dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=deadlines.zone())


def names(session: Session, ids: list[int | None]) -> dict[int, str]:
    """The display names of these accounts."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {i: n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


def audit_rows(session: Session, events: list[audit.AdminEvent]) -> list[dict[str, Any]]:
    """The rows as people read them: who (a name), what, which (a name), before → after."""
    actors = names(session, [e.actor_id for e in events])
    users = names(session, [e.subject_id for e in events if e.subject == "user"])
    return [{"at": e.at, "actor": actors.get(e.actor_id or 0, ""), "subject": e.subject,
             "subject_name": (e.detail or {}).get("name") or users.get(e.subject_id, "") or str(e.subject_id),
             "action": e.action, "before": (e.detail or {}).get("before") or {},
             "after": (e.detail or {}).get("after") or {},
             "extra": {k: v for k, v in (e.detail or {}).items() if k not in ("before", "after", "name")}}
            for e in events]
