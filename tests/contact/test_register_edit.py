"""Editing the register (一标三实) through its service, as the web pages do: a household's size,
local/migrant and needs; a move to another registered address (picked among the register's
candidates); a move out (its visits end). Each is kept in the household's history; every bad
input is refused naming its field, with nothing stored; officers act only within scope (404
outside it), and those who keep no register are refused (403)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from huying.contact import service as register
from huying.contact import visit_service as vs
from huying.contact.models import Household, HouseholdMove, Need, VisitAssignment
from huying.errors import InvalidInput, NotPermitted, NotVisible
from tests.cases.conftest import T0, World
from tests.contact.conftest import load

NOW = T0 + dt.timedelta(days=10)
FOURTEEN = "测试1镇测试1社区人民路14号"


def hh(w: World, code: str) -> Household:
    row = w.session.scalar(select(Household).where(Household.code == code))
    assert row is not None
    return row


def history(w: World, code: str) -> list[str]:
    return [m.kind for m in register.moves_of(w.session, hh(w, code))]


def edit(w: World, who: str, code: str = "H1", size: str = "4", origin: str = "migrant",
         needs: tuple[str, ...] = ("elder_alone", "disability")) -> HouseholdMove | None:
    return register.edit_household(w.session, w[who], code, register.HouseholdEdit(size, origin, needs), now=NOW)


def test_an_officer_edits_a_household_and_the_history_keeps_it(visiting: World) -> None:
    move = edit(visiting, "community")
    h = hh(visiting, "H1")
    assert (h.size, h.is_migrant, h.needs) == (4, True, "elder_alone,disability")
    assert move is not None and register.changes_of(move) == {
        "size": 4, "migrant": True, "needs": ["elder_alone", "disability"]}
    assert history(visiting, "H1") == ["moved_in", "changed"]
    assert edit(visiting, "town") is None  # the same values again: nothing to keep
    assert history(visiting, "H1") == ["moved_in", "changed"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"size": "0"}, "size"), ({"size": "31"}, "size"), ({"size": "three"}, "size"), ({"size": ""}, "size"),
    ({"origin": "alien"}, "origin"), ({"needs": ("elder_alone", "pigeon")}, "needs"),
])
def test_a_bad_edit_names_its_field_and_stores_nothing(visiting: World, fields: dict[str, object],
                                                       field: str) -> None:
    before = (hh(visiting, "H1").size, hh(visiting, "H1").is_migrant, hh(visiting, "H1").needs)
    with pytest.raises(InvalidInput) as e:
        edit(visiting, "community", **fields)  # type: ignore[arg-type]
    assert e.value.field == field
    h = hh(visiting, "H1")
    assert (h.size, h.is_migrant, h.needs) == before
    assert history(visiting, "H1") == ["moved_in"]


def test_only_officers_within_scope_edit(visiting: World) -> None:
    for who in ("resident", "handler", "gridworker", "leader"):
        with pytest.raises(NotPermitted):
            edit(visiting, who)
    for who in ("town2", "community2"):  # another town's officers do not even see it
        with pytest.raises(NotVisible):
            edit(visiting, who)
    with pytest.raises(NotVisible):
        edit(visiting, "community", code="H-none")
    assert edit(visiting, "city") is not None
    assert edit(visiting, "admin", size="2") is not None
    path = visiting.nodes["grid1a"].path
    assert [w for w in visiting.actors if register.may_edit(visiting[w], path)] == [
        "community", "town", "city", "admin"]


def test_an_ambiguous_address_lists_the_candidates_within_scope(visiting: World) -> None:
    s = visiting.session
    mine = register.move_targets(s, visiting["community"], "人民路12号")
    assert mine and all(t.text.startswith("测试1镇") for t in mine)
    everyone = register.move_targets(s, visiting["city"], "人民路12号")
    assert {t.text for t in everyone} > {t.text for t in mine}
    assert register.move_targets(s, visiting["community"], "火星路1号") == []
    with pytest.raises(InvalidInput) as e:
        register.move_targets(s, visiting["community"], "  ")
    assert e.value.field == "address"


def test_a_household_moves_to_another_registered_address(visiting: World) -> None:
    s = visiting.session
    [target] = [t for t in register.move_targets(s, visiting["community"], FOURTEEN) if t.text == FOURTEEN]
    register.relocate(s, visiting["community"], "H1", target.address_id, at=NOW - dt.timedelta(days=1), now=NOW)
    h = hh(visiting, "H1")
    assert h.address == FOURTEEN and h.address_id == target.address_id and h.grid_id == visiting.nodes["grid1b"].id
    detail = register.household_detail(s, visiting["community"], "H1", now=NOW)
    assert [(m.kind, m.to_address) for m in detail.moves][-1] == ("moved", FOURTEEN)
    assert detail.moves[-1].from_address == "测试1镇测试1社区人民路12号3栋201室"


def test_a_move_told_late_may_come_after_an_edit(visiting: World) -> None:
    s = visiting.session
    edit(visiting, "community")
    [target] = [t for t in register.move_targets(s, visiting["community"], FOURTEEN) if t.text == FOURTEEN]
    register.relocate(s, visiting["community"], "H1", target.address_id, at=NOW - dt.timedelta(days=3), now=NOW)
    assert history(visiting, "H1") == ["moved_in", "moved", "changed"]  # in the order they happened


def test_a_bad_move_is_refused_and_nothing_moves(visiting: World) -> None:
    s = visiting.session
    h = hh(visiting, "H1")
    other_town = register.move_targets(s, visiting["city"], "测试2镇测试2社区人民路12号")[0]
    fourteen = [t for t in register.move_targets(s, visiting["community"], FOURTEEN) if t.text == FOURTEEN][0]
    bad = [
        (other_town.address_id, NOW, "address"),  # outside the community officer's scope
        (h.address_id, NOW, "address"),  # where it already lives
        (999_999, NOW, "address"),
        (fourteen.address_id, NOW + dt.timedelta(days=1), "at"),  # in the future
        (fourteen.address_id, NOW - dt.timedelta(days=400), "at"),  # too long ago
        (fourteen.address_id, T0 - dt.timedelta(days=1), "at"),  # before it moved in
        (fourteen.address_id, NOW.replace(tzinfo=None), "at"),
    ]
    for address_id, at, field in bad:
        assert address_id is not None
        with pytest.raises(InvalidInput) as e:
            register.relocate(s, visiting["community"], "H1", address_id, at=at, now=NOW)
        assert e.value.field == field, (address_id, at)
    assert hh(visiting, "H1").address_id == h.address_id and history(visiting, "H1") == ["moved_in"]


def test_moving_out_ends_the_visits_and_is_kept(visiting: World) -> None:
    s = visiting.session
    register.move_out(s, visiting["community"], "H1", at=NOW, place="广州市天河区", now=NOW)
    assert hh(visiting, "H1").moved_out_at is not None
    assert s.scalar(select(func.count()).select_from(VisitAssignment).where(
        VisitAssignment.household_id == hh(visiting, "H1").id, VisitAssignment.ended_at.is_(None))) == 0
    assert "H1" not in [m.code for m in vs.my_households(s, visiting["gridworker"], now=NOW)]
    detail = register.household_detail(s, visiting["community"], "H1", now=NOW)
    assert [(m.kind, m.place) for m in detail.moves] == [("moved_in", None), ("moved_out", "广州市天河区")]
    assert detail.cadre is None
    with pytest.raises(InvalidInput) as e:  # twice
        register.move_out(s, visiting["community"], "H1", at=NOW, now=NOW)
    assert e.value.field == "household"
    with pytest.raises(InvalidInput) as e:  # a moved-out household is not edited
        edit(visiting, "community")
    assert e.value.field == "household"
    # it may move back in to a registered address
    [back] = [t for t in register.move_targets(s, visiting["community"], FOURTEEN) if t.text == FOURTEEN]
    register.relocate(s, visiting["community"], "H1", back.address_id, at=NOW, now=NOW)
    assert hh(visiting, "H1").moved_out_at is None
    assert history(visiting, "H1") == ["moved_in", "moved_out", "moved"]


def test_a_bad_move_out_stores_nothing(visiting: World) -> None:
    s = visiting.session
    for kw, field in (({"place": "x" * 201}, "place"), ({"at": NOW + dt.timedelta(days=2)}, "at"),
                      ({"at": T0 - dt.timedelta(hours=1)}, "at")):
        with pytest.raises(InvalidInput) as e:
            register.move_out(s, visiting["community"], "H1", now=NOW, **{"at": NOW, **kw})  # type: ignore[arg-type]
        assert e.value.field == field
    assert hh(visiting, "H1").moved_out_at is None and history(visiting, "H1") == ["moved_in"]
    with pytest.raises(NotPermitted):
        register.move_out(s, visiting["town2"], "H1", at=NOW, now=NOW)


def test_the_page_of_a_household_masks_its_people(visiting: World, id_key: str) -> None:
    s = visiting.session
    assert load(s, visiting["city"], "people", [{"name": "王五", "household": "H1",
                                                 "id_number": "441900198505055671"}]).stored
    detail = register.household_detail(s, visiting["community"], "H1", now=NOW)
    assert [p.name for p in detail.people] == ["张**", "李*", "王*"]
    assert detail.people[2].id_number == "4419**********5671"
    assert detail.cadre is not None and detail.state is not None and detail.due_at is not None
    assert detail.lon is not None and detail.grid.code == "441900101001001"
    with pytest.raises(NotVisible):
        register.household_detail(s, visiting["town2"], "H1", now=NOW)


def test_the_list_searches_filters_and_counts(visiting: World) -> None:
    s = visiting.session
    edit(visiting, "community", code="H2", size="2", origin="migrant", needs=("low_income",))
    comm = register.register_node(s, visiting["community"], "")
    total, rows = register.search(s, visiting["community"], comm, register.Filters())
    assert total == 2 and [r.household.code for r in rows] == ["H1", "H2"]
    assert rows[0].head == "张**"
    assert register.search(s, visiting["community"], comm, register.Filters(origin="migrant"))[0] == 1
    assert register.search(s, visiting["community"], comm, register.Filters(need="low_income"))[0] == 1
    assert register.search(s, visiting["community"], comm, register.Filters(need="elder_alone"))[0] == 0
    assert register.search(s, visiting["community"], comm, register.Filters(q="14号"))[1][0].household.code == "H2"
    assert register.search(s, visiting["community"], comm, register.Filters(q="H1"))[0] == 1
    assert register.search(s, visiting["community"], comm, register.Filters(q="100%"))[0] == 0
    with pytest.raises(InvalidInput):
        register.search(s, visiting["community"], comm, register.Filters(need="pigeon"))
    c = register.counts(s, visiting["community"], comm)
    assert (c.households, c.people, c.migrants) == (2, 2, 1)
    assert c.needs[Need.LOW_INCOME.value] == 1 and c.needs[Need.ELDER_ALONE.value] == 0
    city = register.register_node(s, visiting["city"], "")
    assert register.counts(s, visiting["city"], city).households == 3
    with pytest.raises(NotPermitted):
        register.register_node(s, visiting["community"], "441900102")
    with pytest.raises(NotPermitted):
        register.register_node(s, visiting["gridworker"], "")


def test_units_are_listed_within_scope(visiting: World) -> None:
    s = visiting.session
    assert load(s, visiting["city"], "units", [
        {"code": "U1", "name": "虎门五金厂", "kind": "enterprise", "address": FOURTEEN, "employees": "12"},
        {"code": "U2", "name": "长安电子厂", "address": "测试2镇测试2社区人民路12号"}]).stored
    comm = register.register_node(s, visiting["community"], "")
    total, rows = register.units_of(s, visiting["community"], comm)
    assert total == 1 and rows[0].unit.name == "虎门五金厂" and rows[0].address == FOURTEEN
    assert register.units_of(s, visiting["community"], comm, "五金")[0] == 1
    assert register.units_of(s, visiting["community"], comm, "电子")[0] == 0
    assert register.unit_detail(s, visiting["community"], "U1").unit.employees == 12
    with pytest.raises(NotVisible):
        register.unit_detail(s, visiting["community"], "U2")
    assert register.counts(s, visiting["city"], register.register_node(s, visiting["city"], "")).units == 2
