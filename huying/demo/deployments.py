"""The demo city's past deployment (下沉): staff of 虎门镇's departments, its party committee
and the firms in it, registered where they live (a grid of the town, some in a grid of a
town nearby), sent down to 虎门's grids as three-person teams by the town's officer through
the service (:func:`huying.contact.deploy_service.create`), a week of check-ins, then ended.

The demo account ``handler`` (虎门 urban management) is one of those staff, so that, when a
deployment over 虎门 is active, its "my team" page has a team. Rows are synthetic."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from huying.cityconfig import deadlines
from huying.contact import deploy_service as ds
from huying.contact.deploy_models import CheckIn, DeploymentMember
from huying.demo.build import HUMEN
from huying.geo.models import Level, Node
from huying.orgs.actor import actor_for
from huying.orgs.models import Organisation, OrgKind, Person, User

#: Staff per grid of the town (two teams a grid on average).
STAFF_PER_GRID = 6
#: Of them, living in a grid of another town within this distance of the town's centre.
ELSEWHERE, NEAR_KM = 0.15, 15.0
#: The deployment began this many days before the demo year ends, and lasted DAYS.
STARTED_DAYS_AGO = 40
DAYS = 7
CHECK_IN_RATE = 0.88
#: Minutes after the hour the deployment began within which a day's check-ins fall.
CHECK_IN_WINDOW_MIN = 180


def build_deployments(session: Session, city_id: int, seed: int, *, now: dt.datetime) -> dict[str, int]:
    """Staff of 虎门 and one ended deployment over it, ``STARTED_DAYS_AGO`` days before
    ``now`` (committed by the service)."""
    started = now - dt.timedelta(days=STARTED_DAYS_AGO)
    rng = np.random.default_rng(seed + 17)
    town = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == HUMEN))
    if town is None:
        return {}
    grids = session.execute(select(Node.id, Node.path, Node.centroid_lon, Node.centroid_lat, Node.population)
                            .where(Node.city_id == city_id, Node.level == Level.GRID.value,
                                   Node.centroid_lon.is_not(None)).order_by(Node.path)).all()
    own = [g for g in grids if g.path.startswith(town.path)]
    k = math.cos(math.radians(town.centroid_lat or 23.0)) * 111.0
    near = [g for g in grids if not g.path.startswith(town.path)
            and math.hypot((g.centroid_lon - town.centroid_lon) * k, (g.centroid_lat - town.centroid_lat) * 111.0) < NEAR_KM]
    orgs = session.execute(select(Organisation.id, Organisation.code, Organisation.kind).join(
        Node, Node.id == Organisation.node_id).where(
        Organisation.city_id == city_id, Node.path.startswith(town.path),
        Organisation.kind.in_([OrgKind.DEPARTMENT.value, OrgKind.PARTY_COMMITTEE.value, OrgKind.ENTERPRISE.value]))
        .order_by(Organisation.kind, Organisation.code)).all()
    n = STAFF_PER_GRID * len(own)
    weights = np.array([float(g.population or 1) for g in own])
    home_own = rng.choice(len(own), size=n, p=weights / weights.sum())
    elsewhere = (rng.random(n) < ELSEWHERE) & bool(near)
    home_near = rng.integers(0, max(1, len(near)), n)
    people = []
    for i in range(n):
        org = orgs[i % len(orgs)]
        home = near[int(home_near[i])] if elsewhere[i] else own[int(home_own[i])]
        people.append({"city_id": city_id, "name": f"虎门下沉职工{i + 1:04d}",
                       "phone_masked": f"13{int(rng.integers(0, 10))}****{int(rng.integers(0, 10_000)):04d}",
                       "node_id": home.id, "household_id": None, "organisation_id": org.id,
                       "is_party_member": bool(rng.random() < 0.6), "created_at": started - dt.timedelta(days=300)})
    session.execute(insert(Person), people)
    handler_org = session.scalar(select(Organisation.id).where(Organisation.city_id == city_id,
                                                               Organisation.code == f"{HUMEN}-dept-urban_management"))
    first = session.scalar(select(Person.id).where(Person.city_id == city_id, Person.organisation_id == handler_org,
                                                   Person.name.like("虎门下沉职工%")).order_by(Person.id))
    session.execute(update(User).where(User.city_id == city_id, User.username == "handler", User.person_id.is_(None))
                    .values(person_id=first))
    session.flush()

    town_officer = actor_for(session, "town")
    dep = ds.create(session, town_officer, ds.DeploymentIn(node=HUMEN, name="台风“海葵”防御下沉",
                                                            reason="台风登陆前后，干部下沉网格，三人小组包片巡查、转移群众。",
                                                            started_at=started), now=started)
    members = session.execute(select(DeploymentMember.id, DeploymentMember.team_id).where(
        DeploymentMember.deployment_id == dep.id).order_by(DeploymentMember.id)).all()
    # within three hours of the hour it began, and in the same day of the city's calendar (a
    # member checks in once a day): a deployment begun at 22:00 has its check-ins before midnight
    local = started.astimezone(deadlines.zone())
    to_midnight = (dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), local.tzinfo) - local)
    window = max(1, min(CHECK_IN_WINDOW_MIN, int(to_midnight.total_seconds() // 60)))
    rows = []
    for day in range(DAYS):
        for mid, tid in members:
            if rng.random() < CHECK_IN_RATE:
                at = started + dt.timedelta(days=day, minutes=int(rng.integers(0, window)))
                rows.append({"city_id": city_id, "member_id": mid, "team_id": tid, "day": ds.local_day(at), "at": at,
                             "lon": None, "lat": None, "note": "", "user_id": None, "created_at": at})
    if rows:
        session.execute(insert(CheckIn), rows)
    ds.end(session, town_officer, dep.id, now=started + dt.timedelta(days=DAYS))
    return {"staff": n, "teams": len({t for _, t in members}), "check-ins": len(rows)}
