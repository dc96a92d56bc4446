"""Duplicates at intake: candidates within radius / window / category, ranked by text; the
reporter joins as a co-reporter; staff merge and unmerge; merged cases close together."""

from __future__ import annotations

import datetime as dt
import math
import random

import h3
import pytest
from sqlalchemy import select

from huying.cases import service as svc
from huying.cases.models import H3_RESOLUTION, OutboxMessage
from huying.cases.policy import can_see
from huying.cases.workflow import IllegalTransition
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.geo.shapes import haversine_m
from huying.intake.service import ReportIn, intake, join
from huying.triage import duplicates as dup
from huying.triage.classifier import Prediction
from tests.cases.conftest import T0, World
from tests.cases.test_fold import assert_folds
from tests.intake import conftest as intake_fixtures

# the small city with personas, and a data folder of the test's own (autouse)
world = intake_fixtures.world
own_data_dir = intake_fixtures.own_data_dir

LON, LAT = 113.05, 23.05
TEXT = ("小区门口路灯不亮", "东门口的三盏路灯坏了三天，晚上很黑，老人出门不安全")


def _east(metres: float) -> float:
    return LON + metres / (111_320 * math.cos(math.radians(LAT)))


def _in(world: World, persona: str = "resident", *, lon: float = LON, title: str = TEXT[0],
        detail: str = TEXT[1], label: str = "城乡建设", now: dt.datetime = T0, **kw: object):  # type: ignore[no-untyped-def]
    return intake(world.session, world[persona], ReportIn(title=title, description=detail, lon=lon, lat=LAT, **kw),  # type: ignore[arg-type]
                  channel="resident_web", now=now, prediction=Prediction(label, 0.9, [(label, 0.9)]))


def test_the_h3_rings_cover_the_radius() -> None:
    rng = random.Random(7)
    for radius in (100.0, 250.0, 1000.0):
        k = dup.rings_for(radius)
        for _ in range(1500):
            lon, lat = 113.0 + rng.random() * 0.6, 22.6 + rng.random() * 0.5
            ang, d = rng.random() * 2 * math.pi, radius * math.sqrt(rng.random())
            lat2 = lat + d * math.cos(ang) / 111_320
            lon2 = lon + d * math.sin(ang) / (111_320 * math.cos(math.radians(lat)))
            if haversine_m(lon, lat, lon2, lat2) > radius:
                continue
            cell = h3.latlng_to_cell(lat, lon, H3_RESOLUTION)
            assert h3.latlng_to_cell(lat2, lon2, H3_RESOLUTION) in h3.grid_disk(cell, k)


def test_a_nearby_similar_open_case_is_a_likely_candidate(world: World) -> None:
    first = _in(world)
    second = _in(world, "resident2", lon=_east(120), title="路灯不亮", detail="小区东门口路灯坏了三天，晚上很黑",
                 now=T0 + dt.timedelta(days=2))
    assert [c.code for c in second.duplicates] == [first.case.code]
    cand = second.duplicates[0]
    assert cand.likely and 100 < cand.distance_m < 140 and cand.age_days == pytest.approx(2)
    assert second.likely_duplicates == second.duplicates


def test_candidates_respect_radius_window_category_and_status(world: World) -> None:
    first = _in(world)
    assert _in(world, lon=_east(300)).duplicates == []  # beyond 250 m
    assert _in(world, now=T0 + dt.timedelta(days=31)).duplicates == []  # beyond the window
    assert _in(world, label="教育文体").duplicates == []  # another first-level category
    same = _in(world, lon=_east(30))
    assert first.case.code in [c.code for c in same.duplicates]
    for case in (first.case, same.case):
        svc.reject(world.session, case, world["community"], reason="not_actionable", now=T0)
    assert _in(world).duplicates == []  # closed cases are not candidates


def test_the_window_and_radius_are_settings(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from huying.config import get_settings

    _in(world)
    monkeypatch.setattr(get_settings(), "duplicate_radius_m", 500.0, raising=False)
    assert _in(world, lon=_east(400)).duplicates
    # ``duplicate_window_days`` is read from the settings when they have it (default 30)
    monkeypatch.setattr("huying.intake.service._settings_window", lambda: 3.0)
    assert _in(world, now=T0 + dt.timedelta(days=4), lon=_east(600)).duplicates == []


def test_candidates_are_ranked_by_text_similarity(world: World) -> None:
    other = _in(world, title="小区绿化带垃圾堆积", detail="小区门口绿化带里垃圾很多，无人清理，发臭")
    same = _in(world, lon=_east(50))
    again = _in(world, lon=_east(20), title="路灯不亮", detail="小区门口路灯坏了三天，晚上很黑")
    codes = [c.code for c in again.duplicates]
    assert codes[0] == same.case.code
    assert other.case.code not in [c.code for c in again.likely_duplicates]


def test_the_reporter_joins_as_a_co_reporter_and_then_sees_the_case(world: World) -> None:
    first = _in(world)
    mine = ReportIn(title="路灯坏了", description="小区东门口路灯坏了三天", lon=_east(80), lat=LAT)
    case = first.case
    assert not can_see(world.session, world["resident2"], case)
    join(world.session, world["resident2"], mine, case.code, now=T0 + dt.timedelta(hours=3))
    assert can_see(world.session, world["resident2"], case)
    assert [c.code for c in svc.list_cases(world.session, world["resident2"])] == [case.code]
    assert [r.user_id for r in svc.coreporters_of(world.session, case)] == [world["resident2"].user_id]
    assert svc.events_of(world.session, case)[-1].action == "join"
    assert_folds(world, case)
    with pytest.raises(InvalidInput, match="already reported"):
        join(world.session, world["resident2"], mine, case.code, now=T0 + dt.timedelta(hours=4))
    # joining gives no power to act on it
    with pytest.raises(NotPermitted):
        svc.close(world.session, case, world["resident2"], now=T0 + dt.timedelta(hours=5))


def test_one_cannot_join_a_case_that_is_not_a_candidate(world: World) -> None:
    first = _in(world)
    far = ReportIn(title="路灯坏了", description="路灯坏了三天", lon=_east(900), lat=LAT)
    with pytest.raises(InvalidInput, match="not one of the open cases near"):
        join(world.session, world["resident2"], far, first.case.code, now=T0)


def _merged_pair(world: World):  # type: ignore[no-untyped-def]
    primary = _in(world).case
    dupe = _in(world, "resident2", lon=_east(60), title="路灯坏了", now=T0 + dt.timedelta(hours=1)).case
    svc.merge(world.session, dupe, world["community"], into=primary.code, now=T0 + dt.timedelta(hours=2))
    return primary, dupe


def test_staff_merge_a_duplicate_and_unmerge_it(world: World) -> None:
    primary, dupe = _merged_pair(world)
    assert dupe.status == "merged" and dupe.duplicate_of_id == primary.id
    assert dupe.due_at is None and dupe.sweep_at is None
    assert svc.merged_into(world.session, primary) == [dupe]
    assert_folds(world, dupe)
    svc.unmerge(world.session, dupe, world["community"], note="不是同一处路灯", now=T0 + dt.timedelta(hours=3))
    assert dupe.status == "new" and dupe.duplicate_of_id is None and dupe.due_at is not None
    assert svc.merged_into(world.session, primary) == []
    assert [e.action for e in svc.events_of(world.session, dupe)] == ["report", "merge", "unmerge"]
    assert_folds(world, dupe)


def test_merged_cases_close_together_and_every_reporter_hears_of_it(world: World) -> None:
    primary, dupe = _merged_pair(world)
    # someone else also joined the primary, anonymously with a phone number
    join(world.session, world["gridworker"], ReportIn(title="路灯", description="路灯不亮", lon=LON, lat=LAT,
                                                       anonymous=True, contact="139****0001"),
         primary.code, now=T0 + dt.timedelta(hours=2))
    s, t = world.session, T0 + dt.timedelta(hours=3)
    svc.dispatch(s, primary, world["town"], unit="441900101-dept-urban_management", now=t)
    svc.accept(s, primary, world["handler"], now=t)
    svc.mark_handled(s, primary, world["handler"], evidence="已更换灯泡", now=t)
    handled = {(m.recipient_kind, m.recipient) for m in s.scalars(select(OutboxMessage)).all()
               if m.subject.startswith(f"您反映的问题 {primary.code} 已办理")}
    assert handled == {("user", str(world["resident"].user_id)), ("user", str(world["resident2"].user_id)),
                       ("contact", "139****0001")}
    svc.follow_up(s, primary, world["community"], satisfaction="满意", now=t)
    svc.close(s, primary, world["community"], resolution="已修复", now=t)
    assert primary.status == "closed" and dupe.status == "closed"
    assert dupe.resolution == "已修复" and dupe.closed_at == t
    closes = {(m.recipient_kind, m.recipient, m.subject.split()[1]) for m in s.scalars(select(OutboxMessage)).all()
              if "已办结" in m.subject}
    assert closes == {("user", str(world["resident"].user_id), primary.code),
                      ("contact", "139****0001", primary.code),
                      ("user", str(world["resident2"].user_id), dupe.code)}
    assert_folds(world, primary)
    assert_folds(world, dupe)


def test_merge_refusals(world: World) -> None:
    primary, dupe = _merged_pair(world)
    other = _in(world, lon=_east(10)).case
    with pytest.raises(InvalidInput, match="itself"):
        svc.merge(world.session, other, world["community"], into=other.code, now=T0)
    with pytest.raises(InvalidInput, match="open case"):
        svc.merge(world.session, other, world["community"], into=dupe.code, now=T0)
    with pytest.raises(Refused, match="other cases are merged into this one"):
        svc.merge(world.session, primary, world["community"], into=other.code, now=T0)
    with pytest.raises(Refused, match="unmerge them"):
        svc.reject(world.session, primary, world["community"], reason="duplicate", now=T0)
    # a merged case closes with the case it was merged into: close is not in the table for it
    with pytest.raises(IllegalTransition, match="unmerge"):
        svc.close(world.session, dupe, world["community"], now=T0)
    with pytest.raises((NotPermitted, NotVisible)):
        svc.merge(world.session, other, world["resident"], into=primary.code, now=T0)
    with pytest.raises((NotPermitted, NotVisible)):  # outside the town officer's scope
        svc.merge(world.session, other, world["town2"], into=primary.code, now=T0)
    svc.dispatch(world.session, other, world["town"], unit="441900101-dept-urban_management", now=T0)
    svc.accept(world.session, other, world["handler"], now=T0)
    with pytest.raises(IllegalTransition):  # work has started: too late to merge
        svc.merge(world.session, other, world["community"], into=primary.code, now=T0)
