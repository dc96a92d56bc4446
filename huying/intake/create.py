"""Creating a case from an API client: the one place where the API calls the intake
(``huying.cases.service.report``), once per ``Idempotency-Key``.

Rows that belong with the new case (the idempotency key, the Open311 record) are written in
the *same* transaction as the case: ``report`` commits, and a ``before_commit`` hook on the
session adds them just before. So either the case and its key exist together, or neither:
a retry finds the key and gets the same case; two concurrent first tries race on the key's
unique constraint and the loser, rolled back, returns the winner's case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huying import db
from huying.cases import service as svc
from huying.cases.models import Case
from huying.errors import InvalidInput, NotVisible
from huying.intake.models import IdempotencyKey
from huying.orgs.actor import Actor


def report(session: Session, actor: Actor, *, now: dt.datetime, channel: str, **fields: Any) -> Case:
    """The intake call of every API channel: the one pipeline (``huying.intake``)."""
    from huying.intake.service import ReportIn, intake

    return intake(session, actor, ReportIn(**fields), channel=channel, now=now).case


@contextmanager
def with_new_case(session: Session, rows_for: Callable[[Case], list[Any]]) -> Iterator[None]:
    """While inside, the first commit that carries a new ``Case`` also carries
    ``rows_for(case)`` (the service lists the cases it creates in ``svc.NEW_CASES``)."""
    created: list[Case] = []
    done: list[bool] = []

    def before_commit(sess: Session) -> None:
        if created and not done:
            done.append(True)
            sess.add_all(rows_for(created[0]))

    session.info[svc.NEW_CASES] = created
    event.listen(session, "before_commit", before_commit)
    try:
        yield
    finally:
        event.remove(session, "before_commit", before_commit)
        session.info.pop(svc.NEW_CASES, None)


_INSERT_KEY = insert(IdempotencyKey.__table__)  # type: ignore[arg-type]
#: Built once: every request with a key runs it.
_KEY = (select(IdempotencyKey.scope, IdempotencyKey.fingerprint, IdempotencyKey.case_id)
        .where(IdempotencyKey.city_id == bindparam("city"), IdempotencyKey.user_id == bindparam("user"),
               IdempotencyKey.key == bindparam("key")))


def _replay(session: Session, actor: Actor, scope: str, key: str, digest: str) -> Case | None:
    found = db.rows(session, _KEY, {"city": actor.city_id, "user": actor.user_id, "key": key})
    if not found:
        return None
    earlier_scope, fingerprint, case_id = found[0]
    if earlier_scope != scope or fingerprint != digest:
        raise InvalidInput("this key was used for a different request; use a new key for a new "
                           "report", "Idempotency-Key")
    case = session.get(Case, case_id)
    if case is None:  # pragma: no cover - the key is deleted with its case
        raise NotVisible("the case of this key no longer exists")
    return case


def create_once(
    session: Session, actor: Actor, *, key: str | None, scope: str, digest: str, now: dt.datetime,
    make: Callable[[], Case], extra_rows: Callable[[Case], list[Any]] | None = None,
    writes_files: bool = True,
) -> tuple[Case, bool]:
    """The case made by ``make()``, or the one an earlier request with the same key made.
    Returns ``(case, replayed)``.

    A request that stores no files (``writes_files=False``) does not look its key up first:
    the key's unique constraint stops a retry at its commit, which is rolled back, and the
    retry then gets the earlier case: a retry costs the whole intake, rolled back, and every
    first try (nearly every request) one statement less. Whatever stops a create with a key (the key's
    constraint, or a rule that has changed since the first try) makes it look for the earlier
    case before it gives up, so a retry always gets the first try's case. A request with
    files looks first, so that a retry writes none."""
    if key is not None and actor.user_id is None:
        raise InvalidInput("an idempotency key needs an authenticated client", "Idempotency-Key")

    def rows(case: Case) -> list[Any]:
        if key is not None:  # a Core insert: the unit of work's flush of one row cost more
            db.write(session.connection(), _INSERT_KEY, dict(
                city_id=case.city_id, user_id=actor.user_id, key=key, scope=scope, fingerprint=digest,
                case_id=case.id, created_at=now))
        return list(extra_rows(case)) if extra_rows else []

    if key is not None and writes_files:
        earlier = _replay(session, actor, scope, key, digest)
        if earlier is not None:
            return earlier, True
    try:
        with with_new_case(session, rows):
            case = make()
    except IntegrityError:
        session.rollback()
        if key is None:
            raise
        earlier = _replay(session, actor, scope, key, digest)
        if earlier is None:
            raise
        return earlier, True
    except Exception:
        if key is None or writes_files:
            raise
        session.rollback()
        earlier = _replay(session, actor, scope, key, digest)
        if earlier is None:
            raise
        return earlier, True
    return case, False
