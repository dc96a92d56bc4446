"""The small city of ``tests.cases.conftest`` with the default responsibility lists loaded
and, for the reviews, a council member's account (``councillor``, a partner of community 1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from huying.accountability import duty_service as duties
from huying.cases import service as svc
from huying.orgs.actor import Actor
from huying.orgs.models import Role
from huying.orgs.service import create_user
from tests.cases.conftest import World, build_world

#: A day of January 2026, when last year's review and the 2025 quarters are over.
NOW = dt.datetime(2026, 1, 12, 2, 0, tzinfo=dt.UTC)
COMM1, COMM2, TOWN1 = "441900101001", "441900102001", "441900101"


def duty_world(session: Session) -> World:
    world = build_world(session)
    user = create_user(session, username="councillor", password="", password_hash="x", role=Role.PARTNER,
                       node=world.nodes["comm1"])
    world.actors["councillor"] = Actor.of(session, user)
    session.commit()
    assert duties.load_defaults(session, world["city"], now=NOW).stored
    return world


def judged(world: World, at: dt.datetime, satisfied: bool) -> None:
    """A resident's problem in community 1 handled and followed up at ``at``."""
    s = world.session
    case = world.report(now=at)
    svc.dispatch(s, case, world["community"], unit="441900101001-party", now=at)
    svc.accept(s, case, world["community"], now=at)
    svc.mark_handled(s, case, world["community"], evidence="已处理", now=at)
    svc.follow_up(s, case, world["community"], satisfaction="满意" if satisfied else "不满意", now=at)
