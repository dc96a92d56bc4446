"""The demo's past deployment (下沉) over 虎门: staff of the town's departments, party
committee and firms, teams of three with a local member each, a week of check-ins, ended;
built in a few seconds at most; the demo account ``handler`` is one of the staff."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.contact import deploy_service as ds
from huying.contact.deploy_models import CheckIn, Deployment, DeploymentMember, DeploymentTeam
from huying.db import Base, make_engine
from huying.demo.build import HUMEN, build
from huying.demo.cases import demo_end
from huying.demo.deployments import build_deployments
from huying.orgs.actor import actor_for
from huying.orgs.models import Person, User
from tests.conftest import Databases


def test_the_demo_has_one_past_deployment_over_humen(backend: str, databases: Databases) -> None:
    """Built at 23:50 in Dongguan (a demo built without ``--today`` takes the time it is built
    at): the builder drew each day's check-ins within three hours of that hour, some after
    midnight, so a member had two on one day of the city's calendar and ``make demo`` failed
    on the unique (member, day) every evening from 21:00."""
    engine = make_engine(databases.new_url(backend))
    Base.metadata.create_all(engine)
    try:
        with Session(engine, expire_on_commit=False) as s:
            city = build(s, 1, progress=False).city_id
            s.commit()
            started = time.perf_counter()
            now = demo_end(dt.date(2026, 11, 20)).replace(hour=15, minute=50)  # 23:50 in Dongguan
            counts = build_deployments(s, city, 1, now=now)
            s.commit()
            seconds = time.perf_counter() - started
            assert seconds < 5, seconds
            [dep] = s.scalars(select(Deployment)).all()
            assert dep.status == "ended" and dep.ended_at is not None and dep.bound_m == dep.travel_m
            teams = s.scalar(select(func.count()).select_from(DeploymentTeam)) or 0
            assert counts["teams"] == teams > 0 and counts["staff"] == 3 * teams
            per_team = Counter(s.scalars(select(DeploymentMember.team_id)))
            assert set(per_team.values()) == {3}
            locals_ = Counter(s.scalars(select(DeploymentMember.team_id).where(DeploymentMember.is_local)))
            assert set(locals_) == set(per_team)
            assert (s.scalar(select(func.count()).select_from(CheckIn)) or 0) > teams
            for at, day in s.execute(select(CheckIn.at, CheckIn.day)):
                at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
                assert dep.started_at.replace(tzinfo=dt.UTC) <= at < dep.ended_at.replace(tzinfo=dt.UTC)
                assert day == ds.local_day(at)
            assert all(n.startswith("虎门下沉职工") for n in s.scalars(
                select(Person.name).join(DeploymentMember, DeploymentMember.person_id == Person.id)))
            handler = s.scalar(select(User.person_id).where(User.username == "handler"))
            assert handler is not None
            r = ds.roster(s, actor_for(s, "town"), dep.id, now=dep.ended_at)
            assert r.node.code == HUMEN and r.figures.teams == teams and r.figures.checked_in > 0
    finally:
        engine.dispose()
