"""Address → grid from the register: exact, fuzzy, ambiguous (candidates listed), unknown;
the index follows the register's changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huying.contact import service as register
from huying.contact.models import Address
from huying.errors import InvalidInput
from huying.intake.rows import Mode
from tests.cases.conftest import World
from tests.contact.conftest import load

GRID_1A, GRID_1B, GRID_2A = "441900101001001", "441900101001002", "441900102001001"


def test_an_address_as_registered_is_an_exact_match(registered: World) -> None:
    m = register.locate_address(registered.session, registered.city_id, "测试1镇测试1社区人民路14号")
    assert (m.kind, m.grid_code) == ("exact", GRID_1B)


def test_an_address_written_otherwise_is_a_fuzzy_match_in_its_grid(registered: World) -> None:
    s, city = registered.session, registered.city_id
    m = register.locate_address(s, city, "东莞市测试1镇人民路14号")  # no community
    assert (m.kind, m.grid_code) == ("fuzzy", GRID_1B)
    m = register.locate_address(s, city, "测试1镇人民路12号3栋2单元201房")  # a unit the register lacks
    assert (m.kind, m.grid_code) == ("fuzzy", GRID_1A)
    assert m.candidates[0].text == "测试1镇测试1社区人民路12号3栋201室"


def test_an_address_in_several_grids_is_ambiguous_with_its_candidates(registered: World) -> None:
    m = register.locate_address(registered.session, registered.city_id, "人民路12号")
    assert m.kind == "ambiguous" and m.grid_code is None
    assert {(c.text, c.grid_code) for c in m.candidates} == {
        ("测试1镇测试1社区人民路12号", GRID_1A), ("测试2镇测试2社区人民路12号", GRID_2A)}
    with pytest.raises(InvalidInput) as exc:
        register.place(registered.session, registered.city_id, "人民路12号")
    assert exc.value.field == "address"
    assert "ambiguous" in str(exc.value)
    assert "测试1镇测试1社区人民路12号 (grid 441900101001001)" in str(exc.value)
    assert "测试2镇测试2社区人民路12号 (grid 441900102001001)" in str(exc.value)


def test_an_address_not_in_the_register_is_unknown(registered: World) -> None:
    m = register.locate_address(registered.session, registered.city_id, "测试1镇解放路99号")
    assert (m.kind, m.grid_code, m.candidates) == ("unknown", None, [])
    with pytest.raises(InvalidInput, match="not in the address register"):
        register.place(registered.session, registered.city_id, "测试1镇解放路99号")


def test_a_placed_address_has_the_point_and_grid_of_its_registered_address(registered: World) -> None:
    placed = register.place(registered.session, registered.city_id, "测试1镇人民路14号")
    assert (placed.spot.lon, placed.spot.lat) == (113.15, 23.05)
    assert placed.spot.grid_path.endswith(f"/{GRID_1B}/")


def test_the_index_follows_the_register(registered: World) -> None:
    s, city = registered.session, registered.city_id
    assert register.locate_address(s, city, "测试1镇解放路99号").kind == "unknown"
    load(s, registered["city"], "addresses", [{"address": "测试1镇测试1社区解放路99号", "lon": "113.15",
                                               "lat": "23.1"}])
    m = register.locate_address(s, city, "测试1镇解放路99号")
    assert (m.kind, m.grid_code) == ("fuzzy", GRID_1B)
    # the room took its building's point and grid, and names it as its parent
    room = s.scalar(select(Address).where(Address.text == "测试1镇测试1社区人民路12号3栋201室"))
    building = s.scalar(select(Address).where(Address.text == "测试1镇测试1社区人民路12号3栋"))
    assert room is not None and building is not None
    assert (room.kind, room.parent_id, room.lon, room.grid_id) == ("room", building.id, 113.051, building.grid_id)


def test_a_room_finds_its_registered_building_in_a_later_file(registered: World) -> None:
    s, city = registered.session, registered["city"]
    rep = load(s, city, "addresses", [
        {"address": "测试1镇测试1社区人民路12号3栋2单元502室"},  # its building 3栋 is registered
        {"address": "测试1镇测试1社区人民路12号3栋503室", "parent": "测试1镇测试1社区人民路12号3栋201室"},
        {"address": "测试1镇测试1社区人民路12号8栋101室"},  # no building 8栋
    ], mode=Mode.SKIP_BAD)
    assert rep.imported == 1
    assert [(p.line, p.field) for p in rep.problems] == [(3, "parent"), (4, "parent")]
    assert "is not a building" in rep.problems[0].reason
    room = s.scalar(select(Address).where(Address.text == "测试1镇测试1社区人民路12号3栋2单元502室"))
    building = s.scalar(select(Address).where(Address.text == "测试1镇测试1社区人民路12号3栋"))
    assert room is not None and building is not None and room.parent_id == building.id
