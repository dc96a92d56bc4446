"""A small city with two service centres for the one-stop tests, on the closed loop's world
(tests/cases/conftest.py): centre C1 in town 1's community, centre C2 in town 2's; each town
has a civil-affairs office, the city a social-security bureau. Personas added: ``bob``, a
resident living in town 2 (grid 441900102001001), and ``civil2``, a handler of town 2's
civil-affairs office."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.community import centres as cs
from huying.community import onestop_service as onestop
from huying.orgs import tokens
from huying.orgs.actor import Actor
from huying.orgs.models import Department, Organisation, OrgKind, Role, User
from huying.orgs.service import create_user
from tests.cases.conftest import _HASH, T0, World, _reset_caches, build_world

#: Every material the old-age allowance asks for.
ALLOWANCE = ("身份证", "户口簿", "本人银行卡")


def build_onestop_world(session: Session) -> World:
    w = build_world(session)
    cs.load_catalogue(session, w.city_id)
    for key, code, node, dept in (
        ("town1_civil", "441900101-dept-civil_affairs", "town1", Department.CIVIL_AFFAIRS),
        ("town2_civil", "441900102-dept-civil_affairs", "town2", Department.CIVIL_AFFAIRS),
        ("city_social", "441900-dept-social_security", "city", Department.SOCIAL_SECURITY),
    ):
        org = Organisation(city_id=w.city_id, code=code, kind=OrgKind.DEPARTMENT.value, node_id=w.nodes[node].id,
                           department=dept.value, name_zh=f"{w.nodes[node].name_zh}{dept.value}办", name_en=code)
        session.add(org)
        w.units[key] = org
    session.flush()
    for n, comm in ((1, "comm1"), (2, "comm2")):
        centre = cs.add_centre(session, w.city_id, cs.CentreIn(
            code=f"C{n}", kind="community", name_zh=f"测试{n}社区党群服务中心", name_en=f"Centre {n}",
            community=w.nodes[comm].code, lon=113.05 + (n - 1) * 0.2, lat=23.05,
            opening_hours="Mo-Fr 09:00-18:00"))
        cs.offer(session, centre, ["elder_allowance", "social_card", "family_doctor", "elder_canteen"])
    for name, role, node, unit in (("bob", Role.RESIDENT, "grid2a", None),
                                   ("civil2", Role.DEPARTMENT_HANDLER, "town2", "town2_civil")):
        user = create_user(session, username=name, password="", password_hash=_HASH, role=role,
                           node=w.nodes[node], organisation=w.units[unit] if unit else None)
        w.actors[name] = Actor.of(session, user)
    session.commit()
    return w


def accept(w: World, persona: str = "community", centre: str = "C1", *, now: Any = T0, **kw: Any) -> Any:
    """A request accepted at a counter (by default: the old-age allowance for bob, every
    material brought, at centre C1 in town 1)."""
    kw.setdefault("item", "elder_allowance")
    kw.setdefault("resident", "bob")
    kw.setdefault("contact", "13800135678")
    kw.setdefault("materials", ALLOWANCE)
    return onestop.accept(w.session, w[persona], centre, onestop.RequestIn(**kw), now=now)


@contextmanager
def onestop_client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], World]]:
    """The app over a database holding the one-stop world, with a bearer token per persona
    and a settable clock (``client.clock["now"]``), as tests/cases/conftest.py's ``api``."""
    _reset_caches()
    with Session(engine, expire_on_commit=False) as s:
        world = build_onestop_world(s)
        headers = {}
        for name, actor in world.actors.items():
            user = s.get(User, actor.user_id)
            assert user is not None
            _, token = tokens.create(s, user, "test", now=T0)
            headers[name] = {"Authorization": f"Bearer {token}"}
        s.commit()
    monkeypatch.setenv("HUYING_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    _reset_caches()
    from huying.app import create_app
    from huying.http import clock as routes

    app = create_app()
    clock = {"now": T0}
    app.dependency_overrides[routes.clock] = lambda: clock["now"]
    try:
        with TestClient(app) as client:
            client.clock = clock  # type: ignore[attr-defined]
            yield client, headers, world
    finally:
        _reset_caches()
