"""The register's import keeps the contract of ``import cases``: every bad row named with its
line and field, all-or-nothing or skip-bad, nothing partial stored; CSV and XLSX; only city
officers and administrators, or officers within their scope, import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cases.policy import Actor
from huying.cityconfig import config_cache
from huying.cli import app
from huying.contact import service as register
from huying.contact.models import Address, Household, HouseholdMove, Unit
from huying.errors import InvalidInput, NotPermitted
from huying.intake.rows import Mode
from huying.orgs.models import Person
from huying.orgs.service import get_user
from tests.cases.conftest import World, _reset_caches, build_world
from tests.contact.conftest import ADDRESSES, load

ID_1 = "441900198505055671"  # a well-formed number (its check character is right)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_every_bad_address_row_is_named_and_nothing_is_stored(world: World) -> None:
    bad = [
        {"address": "测试1镇测试1社区人民路20号", "lon": "113.05", "lat": "23.05"},  # good
        {"address": "", "lon": "113.05", "lat": "23.05"},
        {"address": "测试1镇测试1社区人民路22号", "lon": "abc", "lat": "23.05"},
        {"address": "测试1镇测试1社区人民路24号", "lon": "120.0", "lat": "30.0"},  # outside the city
        {"address": "测试1镇测试1社区人民路26号"},  # a building without its point
        {"address": "测试1镇测试1社区人民路28号9栋301室"},  # a room without its building
        {"address": "测试1镇测试1社区人民路20号", "lon": "113.05", "lat": "23.05"},  # twice
        {"address": "测试1镇测试1社区人民路30号", "lon": "113.05", "lat": "23.05", "grid": "441900101001002"},
    ]
    rep = load(world.session, world["city"], "addresses", bad)
    assert not rep.stored and rep.imported == 0
    assert [(p.line, p.field) for p in rep.problems] == [
        (3, "address"), (4, "lon"), (5, "lon"), (6, "lon"), (7, "parent"), (8, "address"), (9, "grid")]
    assert _count(world.session, Address) == 0
    rep = load(world.session, world["city"], "addresses", bad, mode=Mode.SKIP_BAD)
    assert rep.stored and rep.imported == 1
    assert _count(world.session, Address) == 1


def test_only_officers_import_and_only_within_their_scope(world: World) -> None:
    for persona in ("resident", "gridworker", "handler", "leader"):
        with pytest.raises(NotPermitted):
            load(world.session, world[persona], "addresses", ADDRESSES)
    rep = load(world.session, world["town2"], "addresses", ADDRESSES, mode=Mode.SKIP_BAD)
    assert rep.imported == 1  # its own town's address only
    assert [(p.line, p.field) for p in rep.problems] == [
        (2, "address"), (3, "address"), (4, "parent"), (5, "address")]  # the room fails with its building
    assert all("outside your scope" in p.reason for p in rep.problems if p.line != 4)


def test_a_household_at_a_new_address_is_a_move_kept_in_its_history(registered: World) -> None:
    s, city = registered.session, registered["city"]
    rep = load(s, city, "households", [
        {"code": "H1", "address": "测试1镇测试1社区人民路12号3栋201室", "size": "3", "migrant": "外来",
         "needs": "独居老人、低保", "from": "湖南省衡阳市"},
        {"code": "H2", "address": "测试1镇测试1社区人民路99号"},
        {"code": "H3", "address": "测试1镇测试1社区人民路14号", "needs": "rich"},
    ])
    assert [(p.line, p.field) for p in rep.problems] == [(3, "address"), (4, "needs")]
    assert _count(s, Household) == 0
    rep = load(s, city, "households", [{"code": "H1", "address": "测试1镇测试1社区人民路12号3栋201室",
                                        "size": "3", "migrant": "外来", "needs": "独居老人、低保",
                                        "from": "湖南省衡阳市"}])
    assert rep.stored
    hh = s.scalar(select(Household).where(Household.code == "H1"))
    assert hh is not None and hh.is_migrant and hh.needs == "elder_alone,low_income" and hh.lon == 113.051
    rep = load(s, city, "households", [{"code": "H1", "address": "测试1镇测试1社区人民路14号", "size": "3"}])
    assert rep.stored and rep.moves == 1
    s.refresh(hh)
    assert hh.address == "测试1镇测试1社区人民路14号" and hh.grid_id == registered.nodes["grid1b"].id
    register.move_household(s, city, hh, None, at=register.dt.datetime(2025, 3, 4, tzinfo=register.dt.UTC),
                             place="广州市")
    moves = s.scalars(select(HouseholdMove).where(HouseholdMove.household_id == hh.id)
                      .order_by(HouseholdMove.id)).all()
    assert [(m.kind, m.place) for m in moves] == [("moved_in", "湖南省衡阳市"), ("moved", None),
                                                  ("moved_out", "广州市")]
    assert moves[1].from_address_id == moves[0].to_address_id and hh.moved_out_at is not None


def test_people_need_a_key_and_a_valid_number_and_keep_only_its_hash(registered: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    s, city = registered.session, registered["city"]
    load(s, city, "households", [{"code": "H1", "address": "测试1镇测试1社区人民路14号"}])
    people = [{"name": "张三", "household": "H1", "id_number": ID_1, "phone": "13800001234"}]
    with pytest.raises(InvalidInput, match="HUYING_ID_HASH_KEY"):
        load(s, city, "people", people)
    from huying.config import get_settings

    monkeypatch.setattr(get_settings(), "id_hash_key", "test-only-key")
    rep = load(s, city, "people", [*people, {"name": "李四", "household": "H1", "id_number": "441900199001011235"},
                                   {"name": "王五", "household": "H9"}, {"name": "赵六", "household": "H1",
                                                                        "id_number": ID_1}])
    assert [(p.line, p.field) for p in rep.problems] == [(3, "id_number"), (4, "household"), (5, "id_number")]
    assert all(ID_1 not in p.reason and "1235" not in p.reason for p in rep.problems)
    rep = load(s, city, "people", people)
    assert rep.stored
    p = s.scalar(select(Person).where(Person.name == "张三"))
    assert p is not None and p.id_masked == "4419**********5671" and p.phone_masked == "138****1234"
    assert p.id_hash is not None and len(p.id_hash) == 64 and ID_1 not in p.id_hash


def test_units_stand_at_registered_addresses(registered: World) -> None:
    s, city = registered.session, registered["city"]
    rep = load(s, city, "units", [
        {"code": "91441900MA00000001", "name": "东莞示例电子有限公司", "address": "测试1镇测试1社区人民路14号",
         "employees": "120"},
        {"code": "91441900MA00000002", "name": "示例", "address": "测试9镇某路1号"},
    ], mode=Mode.SKIP_BAD)
    assert rep.imported == 1 and [(p.line, p.field) for p in rep.problems] == [(3, "address")]
    unit = s.scalar(select(Unit))
    assert unit is not None and unit.grid_id == registered.nodes["grid1b"].id and unit.employees == 120


@pytest.fixture
def db(fresh_engine: Engine) -> Engine:
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
    return fresh_engine


def test_the_cli_imports_csv_and_xlsx_with_named_errors(db: Engine, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl  # type: ignore[import-untyped]

    monkeypatch.setenv("HUYING_DATABASE_URL", db.url.render_as_string(hide_password=False))
    _reset_caches()
    try:
        runner = CliRunner()
        csv_path = tmp_path / "addresses.csv"
        csv_path.write_text("标准地址,经度,纬度\n测试1镇测试1社区人民路12号,113.05,23.05\n"
                            "测试1镇测试1社区人民路14号,abc,23.05\n", encoding="utf-8")
        args = ["import", "register", str(csv_path), "--kind", "addresses", "--as", "city", "--no-progress"]
        r = runner.invoke(app, args)
        assert r.exit_code == 2
        assert f"{csv_path}:3: lon: 'abc' is not a number" in r.stderr and "nothing was stored" in r.stderr
        assert json.loads(r.stdout)["stored"] is False
        r = runner.invoke(app, [*args, "--mode", "skip-bad"])
        assert r.exit_code == 2 and json.loads(r.stdout)["imported"] == 1
        wb = openpyxl.Workbook()
        wb.active.append(["户号", "标准地址", "人数", "户籍类型", "需求"])
        wb.active.append(["H1", "测试1镇测试1社区人民路12号", 2, "本地", "残疾"])
        wb.save(tmp_path / "households.xlsx")
        r = runner.invoke(app, ["import", "register", str(tmp_path / "households.xlsx"), "--kind", "households",
                                "--as", "community", "--no-progress"])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout) | {"file": ""} == {
            "rows": 1, "imported": 1, "stored": True, "mode": "all-or-nothing", "bad_rows": 0,
            "kind": "households", "moves": 0, "file": ""}
        r = runner.invoke(app, ["import", "register", str(csv_path), "--kind", "addresses", "--as", "resident",
                                "--no-progress"])
        assert r.exit_code == 2 and "only city officers" in r.stderr
        with Session(db) as s:
            assert _count(s, Address) == 1 and _count(s, Household) == 1
    finally:
        _reset_caches()


def test_the_register_cli_locates_and_records_a_move_out(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(db) as s:
        city = Actor.of(s, get_user(s, "city"))
        assert load(s, city, "addresses", ADDRESSES).stored
        assert load(s, city, "households", [{"code": "H1", "address": "测试1镇测试1社区人民路14号",
                                              "from": "湖南省衡阳市"}]).stored
        s.commit()
    monkeypatch.setenv("HUYING_DATABASE_URL", db.url.render_as_string(hide_password=False))
    _reset_caches()
    config_cache.clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["register", "locate", "东莞市测试1镇人民路14号"])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["kind"] == "fuzzy" and json.loads(r.stdout)["grid"] == "441900101001002"
        r = runner.invoke(app, ["register", "locate", "人民路12号"])
        assert r.exit_code == 1 and json.loads(r.stdout)["kind"] == "ambiguous"
        r = runner.invoke(app, ["register", "move-out", "H1", "--as", "town2", "--to", "广州市"])
        assert r.exit_code == 1 and "outside your scope" in r.stderr
        r = runner.invoke(app, ["register", "move-out", "H1", "--as", "community", "--to", "广州市",
                                "--now", "2025-03-04T09:00:00+08:00"])
        assert r.exit_code == 0, r.stderr
        assert [(m["kind"], m["place"]) for m in json.loads(r.stdout)["moves"]] == [
            ("moved_in", "湖南省衡阳市"), ("moved_out", "广州市")]
        r = runner.invoke(app, ["register", "move-out", "H1", "--as", "community"])
        assert r.exit_code == 2 and "already moved out" in r.stderr
    finally:
        _reset_caches()
