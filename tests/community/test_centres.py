"""Service centres and the catalogue: loading the catalogue, adding centres with checked
fields, what a centre offers, and opening hours."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.community import centres as cs
from huying.community.catalogue import DEFAULT
from huying.community.models import Centre, CentreItem, ServiceItem
from huying.errors import InvalidInput, NotVisible
from tests.cases.conftest import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    w = build_world(session)
    cs.load_catalogue(session, w.city_id)
    return w


def _centre(w: World, **kw: object) -> Centre:
    data = {"code": "C1", "kind": "community", "name_zh": "测试1社区党群服务中心", "name_en": "Centre 1",
            "community": w.nodes["comm1"].code, "lon": 113.05, "lat": 23.05,
            "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00", **kw}
    return cs.add_centre(w.session, w.city_id, cs.CentreIn(**data))  # type: ignore[arg-type]


def test_the_catalogue_loads_once_and_updates_in_place(world: World) -> None:
    s = world.session
    n = s.scalar(select(func.count()).select_from(ServiceItem).where(ServiceItem.city_id == world.city_id))
    assert n == len(DEFAULT)
    assert cs.load_catalogue(s, world.city_id) == 0
    canteen = cs.item(s, world.city_id, "elder_canteen")
    assert canteen.name_zh == "长者饭堂（助餐）" and not canteen.one_stop
    assert "身份证" in cs.item(s, world.city_id, "social_card").materials
    with pytest.raises(NotVisible):
        cs.item(s, world.city_id, "no_such_item")


def test_a_centre_offers_items_and_is_found_by_them(world: World) -> None:
    s = world.session
    c = _centre(world)
    assert cs.offer(s, c, ["social_card", "elder_canteen", "social_card"], capacity={"elder_canteen": 40}) == 2
    assert cs.offer(s, c, ["social_card"]) == 0
    assert [i.code for i in cs.offers(s, c)] == ["elder_canteen", "social_card"]
    canteen = cs.item(s, world.city_id, "elder_canteen")
    assert [x.code for x in cs.offering(s, world.city_id, canteen.id)] == ["C1"]
    cap = s.scalar(select(CentreItem.capacity).where(CentreItem.centre_id == c.id, CentreItem.item_id == canteen.id))
    assert cap == 40
    assert [x.code for x in cs.centres_under(s, world.city_id, world.nodes["town1"].path)] == ["C1"]
    assert cs.centres_under(s, world.city_id, world.nodes["town2"].path) == []


@pytest.mark.parametrize(("field", "value"), [
    ("kind", "kiosk"), ("setting", "park"), ("code", "C 1"), ("name_zh", " "), ("lat", 123.0),
    ("opening_hours", "weekdays 9-6"), ("opening_hours", "Mo-Fr 18:00-09:00"), ("opening_hours", "Xx 09:00-10:00"),
    ("community", "441900101"),
])
def test_a_bad_centre_is_refused_naming_the_field_and_nothing_is_stored(world: World, field: str,
                                                                      value: object) -> None:
    with pytest.raises(InvalidInput) as err:
        _centre(world, **{field: value})
    assert err.value.field == (field if field != "lat" else "lon")
    assert world.session.scalar(select(func.count()).select_from(Centre)) == 0


def test_a_sunshine_centre_stands_somewhere_and_codes_are_unique(world: World) -> None:
    with pytest.raises(InvalidInput, match="setting"):
        _centre(world, kind="sunshine")
    _centre(world, kind="sunshine", setting="market", code="S1")
    with pytest.raises(InvalidInput, match="exists"):
        _centre(world, code="S1")


def test_opening_hours_say_when_a_centre_is_open() -> None:
    hours = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"
    monday = dt.datetime(2026, 12, 7)
    assert cs.is_open(hours, monday.replace(hour=9))
    assert not cs.is_open(hours, monday.replace(hour=12, minute=30))
    assert cs.is_open(hours, monday.replace(hour=17, minute=59))
    assert cs.is_open(hours, (monday + dt.timedelta(days=5)).replace(hour=11))
    assert not cs.is_open(hours, (monday + dt.timedelta(days=6)).replace(hour=11))
    assert len(cs.parse_hours("Sa-Mo 08:00-09:00")) == 3  # a range over the week's end
    assert cs.parse_hours("") == []


def test_opening_hours_are_said_in_words_days_with_the_same_times_together() -> None:
    hours = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"
    assert cs.describe_hours(hours, "zh") == "周一至周五 09:00-12:00、14:00-18:00；周六 09:00-12:00"
    assert cs.describe_hours(hours, "en") == "Mon–Fri 09:00-12:00, 14:00-18:00; Sat 09:00-12:00"
    assert cs.describe_hours("Mo,We,Fr 08:00-09:00", "zh") == "周一、周三、周五 08:00-09:00"
    assert cs.describe_hours("not hours", "zh") == "" and cs.describe_hours("", "en") == ""
