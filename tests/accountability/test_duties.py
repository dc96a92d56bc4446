"""Responsibility lists as a city's data: the defaults, edits with their history, an item
that evidence cites is retired and never deleted, evidence refused for a record the actor
cannot see, and the CSV/XLSX import naming every bad line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from huying.accountability import duty_service as duties
from huying.accountability import events
from huying.errors import InvalidInput, NotPermitted, NotVisible, Refused
from huying.intake.rows import Mode, read_table
from tests.accountability.world import COMM1, COMM2, NOW, duty_world
from tests.cases.conftest import World


@pytest.fixture
def world(session: Session) -> World:
    return duty_world(session)


def test_the_defaults_hold_the_articles_lists(world: World) -> None:
    got = {v.duty_list.code: len(v.items) for v in duties.lists(world.session, world["town"])}
    assert got == {"town_checklist": 23, "community_power_decisions": 4, "community_power_affairs": 4,
                   "community_power_services": 3, "community_duties": 11}
    again = duties.load_defaults(world.session, world["city"], now=NOW)
    assert again.counts == {"lists": 0, "added": 0, "reworded": 0, "unchanged": 45}


def test_a_city_officer_rewords_and_the_old_wording_is_kept(world: World) -> None:
    s = world.session
    item = duties.lists(s, world["city"], level="community")[0].items[0]
    old = item.text
    duties.reword_item(s, world["city"], item.id, text="重大事项一律“四议两公开”", now=NOW, expected_version=1)
    assert item.version == 2
    [last] = [e for e in events.history(s, "item", item.id) if e.action == "reword"]
    assert last.detail["before"] == old
    with pytest.raises(Refused):
        duties.reword_item(s, world["city"], item.id, text="再改", now=NOW, expected_version=1)
    with pytest.raises(NotPermitted):
        duties.add_item(s, world["town"], "community_duties", text="新职责", now=NOW)


def test_an_item_with_evidence_is_retired_never_deleted(world: World) -> None:
    s = world.session
    item = duties.add_item(s, world["city"], "community_duties", text="开展邻里节活动", now=NOW)
    assert item.number == 12
    duties.cite(s, world["community"], duties.Citation(item.id, COMM1, 2025, "document", url="https://example.org/a",
                                                       title="邻里节方案"), now=NOW)
    with pytest.raises(Refused, match="retire it"):
        duties.delete_item(s, world["city"], item.id, now=NOW)
    duties.retire_item(s, world["city"], item.id, reason="并入第10项", now=NOW)
    assert item.id not in [i.id for i in duties.items_for_level(s, world.city_id, "community")]
    assert [e.title for e in duties.evidence_of(s, world["town"], COMM1, 2025)[item.id]] == ["邻里节方案"]
    spare = duties.add_item(s, world["city"], "community_duties", text="误加", now=NOW)
    duties.delete_item(s, world["city"], spare.id, now=NOW)


def test_evidence_of_a_case_the_actor_cannot_see_is_refused(world: World) -> None:
    s = world.session
    theirs = world.report("resident", lon=113.3, lat=23.1)  # in town 2
    item = duties.items_for_level(s, world.city_id, "community")[0]
    with pytest.raises(NotVisible):
        duties.cite(s, world["community"], duties.Citation(item.id, COMM1, 2025, "case", ref=theirs.code), now=NOW)
    with pytest.raises(NotPermitted):  # and not for another community
        duties.cite(s, world["community"], duties.Citation(item.id, COMM2, 2025, "document", url="https://x.org"),
                    now=NOW)
    with pytest.raises(NotVisible):
        duties.cite(s, world["community"], duties.Citation(item.id, COMM1, 2025, "visit", ref="99999"), now=NOW)
    mine = world.report("resident")
    ev = duties.cite(s, world["community"], duties.Citation(item.id, COMM1, 2025, "case", ref=mine.code), now=NOW)
    assert ev.title.startswith(mine.code)


def test_bad_csv_lines_are_named_by_line_and_field(world: World, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("清单,清单名称,层级,序号,内容,责任人\n"
                    "grid_rules,网格职责,community,1,网格员每日巡查,网格长\n"
                    "grid_rules,网格职责,community,x,坏序号,\n"
                    "grid_rules,网格职责,community,3,,\n"
                    "other,其他,grid,1,层级不对,\n", encoding="utf-8")
    out = duties.import_rows(world.session, world["city"], read_table(
        path, columns=duties.COLUMNS, aliases=duties.ALIASES, required=("list", "number", "text"), place=False),
        now=NOW)
    assert not out.stored and out.imported == 0
    assert [(p.line, p.field) for p in out.problems] == [(3, "number"), (4, "text"), (5, "level")]
    assert "grid_rules" not in {v.duty_list.code for v in duties.lists(world.session, world["city"])}
    book = tmp_path / "items.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in (("list", "list_name", "level", "number", "text", "answerable"),
                ("grid_rules", "网格职责", "community", 1, "网格员每日巡查", "网格长"), ("grid_rules", "", "", 2, "", "")):
        ws.append(row)
    wb.save(book)
    out = duties.import_rows(world.session, world["city"], read_table(
        book, columns=duties.COLUMNS, aliases=duties.ALIASES, required=("list", "number", "text"), place=False),
        now=NOW, mode=Mode.SKIP_BAD)
    assert out.stored and out.imported == 1 and [(p.line, p.field) for p in out.problems] == [(3, "text")]


def test_reading_lists_is_for_staff(world: World) -> None:
    with pytest.raises(NotPermitted):
        duties.lists(world.session, world["resident"])
    item = duties.items_for_level(world.session, world.city_id, "community")[0]
    with pytest.raises(InvalidInput, match="kind"):
        duties.cite(world.session, world["community"], duties.Citation(item.id, COMM1, 2025, "letter"), now=NOW)
