"""A report with an address and no point is located through the register (issue #16): a
hotline call becomes a case in the address's grid; an ambiguous address is refused on field
``address`` listing the candidates; the bulk import of cases does the same per row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.cases.reports import ReportIn
from huying.cityconfig import config_cache
from huying.errors import InvalidInput
from huying.intake.bulk import Mode, run, savepoint_engine
from huying.intake.service import intake
from tests.cases.conftest import T0, World, _reset_caches, build_world
from tests.contact.conftest import ADDRESSES, load


def test_a_hotline_report_by_address_becomes_a_case_in_its_grid(registered: World) -> None:
    report = ReportIn(title="路灯不亮", description="人民路14号门口路灯坏了", address="测试1镇人民路14号",
                      category="城乡建设")
    result = intake(registered.session, registered["community"], report, channel="hotline", now=T0)
    case = result.case
    assert case.channel == "hotline"
    assert case.grid_path.endswith("/441900101001002/")
    assert (case.lon, case.lat, case.address) == (113.15, 23.05, "测试1镇人民路14号")


def test_an_ambiguous_address_is_refused_listing_the_candidates(registered: World) -> None:
    report = ReportIn(title="路灯不亮", address="人民路12号", category="城乡建设")
    with pytest.raises(InvalidInput) as exc:
        intake(registered.session, registered["city"], report, channel="hotline", now=T0)
    assert exc.value.field == "address"
    assert "441900101001001" in str(exc.value) and "441900102001001" in str(exc.value)
    assert registered.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_point_still_wins_over_the_address(registered: World) -> None:
    report = ReportIn(title="路灯不亮", lon=113.25, lat=23.05, address="测试1镇人民路14号", category="城乡建设")
    case = intake(registered.session, registered["city"], report, channel="hotline", now=T0).case
    assert case.grid_path.endswith("/441900102001001/")


@pytest.fixture
def db(fresh_engine: Engine) -> Engine:
    _reset_caches()
    config_cache.clear()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        assert load(s, world["city"], "addresses", ADDRESSES).stored
        s.commit()
    return savepoint_engine(fresh_engine)


def _admin(s: Session):  # type: ignore[no-untyped-def]
    from huying.cases.policy import Actor
    from huying.orgs.service import get_user

    return Actor.of(s, get_user(s, "admin"))


def test_the_bulk_import_of_cases_locates_address_only_rows(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("title,detail,address,category\n"
                    "路灯不亮,门口路灯坏了,测试1镇人民路14号,城乡建设\n"
                    "井盖缺失,路中间井盖没了,人民路12号,城乡建设\n"
                    "垃圾堆积,无人清理,测试1镇解放路99号,城乡建设\n", encoding="utf-8")
    rep = run(db, _admin, path, now=T0)
    assert not rep.stored
    assert [(p.line, p.field) for p in rep.problems] == [(3, "address")]
    assert "441900102001001" in rep.problems[0].reason
    rep = run(db, _admin, path, now=T0, mode=Mode.SKIP_BAD)
    assert rep.stored and rep.imported == 1
    assert [(p.line, p.field) for p in rep.problems] == [(3, "address"), (4, "address")]
    assert "not in the address register" in rep.problems[1].reason
    with Session(db) as s:
        paths = s.scalars(select(Case.grid_path)).all()
    assert len(paths) == 1 and paths[0].endswith("/441900101001002/")
