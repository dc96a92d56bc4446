"""Bulk import: every bad row named by line and field; all-or-nothing or skip-bad."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cases.models import Case
from huying.cli import app
from huying.intake.bulk import FileError, Mode, parse_row, read_table, run, savepoint_engine
from tests.cases.conftest import T0, _reset_caches, build_world

HEADER = "title,detail,lon,lat,category,priority,channel,reported_at\n"
GOOD = [
    "路灯不亮,小区门口路灯坏了三天,113.05,23.05,,normal,,2025-03-02T09:00:00+08:00",
    "河道有垃圾,河边垃圾很多无人清理,113.25,23.10,环境保护,urgent,grid_patrol,",
]
BAD = [
    ",没有标题,113.05,23.05,,,,",  # line: title
    "坐标错误,经度不是数字,abc,23.05,,,,",  # lon
    "优先级错误,优先级,113.05,23.05,,sometimes,,",  # priority
    "城外,在城外,120.00,30.00,,,,",  # location (found only when locating)
]


def _file(tmp_path: Path, lines: list[str], name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_each_field_problem_is_named_with_its_line() -> None:
    now = T0
    row, problems = parse_row(7, {"title": "", "lon": "x", "lat": "", "priority": "p", "channel": "fax",
                                  "anonymous": "maybe", "reported_at": "yesterday"}, now)
    assert row is None
    assert [(p.line, p.field) for p in problems] == [
        (7, "title"), (7, "lon"), (7, "lat"), (7, "priority"), (7, "channel"), (7, "anonymous"),
        (7, "reported_at")]
    _, problems = parse_row(3, {"title": "t", "lon": "200", "lat": "23"}, now)
    assert [str(p) for p in problems] == ["line 3: lon: 200.0 is outside [-180, 180]"]
    _, problems = parse_row(4, {"title": "t", "lon": "113", "lat": "23",
                                "reported_at": "2030-01-01T00:00:00+08:00"}, now)
    assert [p.field for p in problems] == ["reported_at"]


def test_a_file_without_the_needed_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,place\n路灯,门口\n", encoding="utf-8")
    with pytest.raises(FileError, match="line 1: missing column"):
        list(read_table(path))
    path.write_bytes("title,lon,lat\n路灯,1,2\n".encode("gbk"))
    with pytest.raises(FileError, match="not UTF-8"):
        list(read_table(path))


def test_chinese_headers_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text("标题,内容,经度,纬度\n路灯不亮,坏了,113.05,23.05\n", encoding="utf-8")
    assert list(read_table(path)) == [(2, {"title": "路灯不亮", "detail": "坏了", "lon": "113.05", "lat": "23.05"})]


def test_xlsx_needs_openpyxl_or_says_so(tmp_path: Path) -> None:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ModuleNotFoundError:
        path = tmp_path / "cases.xlsx"
        path.write_bytes(b"PK\x03\x04")
        with pytest.raises(FileError, match="needs openpyxl"):
            list(read_table(path))
        return
    wb = openpyxl.Workbook()
    wb.active.append(["title", "detail", "lon", "lat"])
    wb.active.append(["路灯不亮", "坏了", 113.05, 23.05])
    wb.save(tmp_path / "cases.xlsx")
    assert list(read_table(tmp_path / "cases.xlsx"))[0][1]["title"] == "路灯不亮"


@pytest.fixture
def db(fresh_engine: Engine) -> Engine:
    _reset_caches()
    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
    return savepoint_engine(fresh_engine)


def _count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def _admin(s: Session):  # type: ignore[no-untyped-def]
    from huying.orgs.actor import Actor
    from huying.orgs.service import get_user

    return Actor.of(s, get_user(s, "admin"))


def test_all_or_nothing_stores_nothing_when_one_row_is_bad(db: Engine, tmp_path: Path) -> None:
    rep = run(db, _admin, _file(tmp_path, [*GOOD, BAD[3]]), now=T0)
    assert not rep.stored and rep.imported == 0
    assert [(p.line, p.field) for p in rep.problems] == [(4, "location")]
    assert _count(db) == 0
    rep = run(db, _admin, _file(tmp_path, [*GOOD, *BAD]), now=T0)
    assert [(p.line, p.field) for p in rep.problems] == [(4, "title"), (5, "lon"), (6, "priority")]
    assert _count(db) == 0


def test_skip_bad_stores_the_good_rows_and_names_the_bad(db: Engine, tmp_path: Path) -> None:
    rep = run(db, _admin, _file(tmp_path, [GOOD[0], *BAD, GOOD[1]]), now=T0, mode=Mode.SKIP_BAD)
    assert rep.stored and rep.imported == 2
    assert [(p.line, p.field) for p in rep.problems] == [(3, "title"), (4, "lon"), (5, "priority"), (6, "location")]
    assert _count(db) == 2
    with Session(db) as s:
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        assert [c.channel for c in cases] == ["bulk_import", "grid_patrol"]
        assert cases[0].created_at == dt.datetime(2025, 3, 2, 1, 0, tzinfo=dt.UTC)
        assert cases[1].priority == "urgent" and cases[1].category_id is not None


def test_the_cli_imports_with_a_summary_and_named_errors(db: Engine, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUYING_DATABASE_URL", db.url.render_as_string(hide_password=False))
    _reset_caches()
    try:
        runner = CliRunner()
        path = _file(tmp_path, [GOOD[0], BAD[1]])
        r = runner.invoke(app, ["import", "cases", str(path), "--as", "admin", "--no-progress",
                                "--now", "2025-03-03T09:30:00+08:00"])
        assert r.exit_code == 2
        assert f"{path}:3: lon: 'abc' is not a number" in r.stderr and "nothing was stored" in r.stderr
        assert json.loads(r.stdout)["stored"] is False
        r = runner.invoke(app, ["import", "cases", str(path), "--as", "admin", "--mode", "skip-bad",
                                "--no-progress", "--now", "2025-03-03T09:30:00+08:00"])
        assert r.exit_code == 2 and json.loads(r.stdout)["imported"] == 1
        r = runner.invoke(app, ["import", "cases", str(_file(tmp_path, GOOD, "ok.csv")), "--as", "admin",
                                "--no-progress", "--now", "2025-03-03T09:30:00+08:00"])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["imported"] == 2
        assert _count(db) == 3
    finally:
        _reset_caches()


def test_a_year_0001_date_or_a_huge_field_is_one_rows_problem(db: Engine, tmp_path: Path) -> None:
    """Issue 19's probe: both aborted the whole file with a traceback."""
    huge = "长" * 200_000
    rows = [GOOD[0], "远古,日期错了,113.05,23.05,,,,0001-01-01T00:00:00+08:00",
            f"很长,{huge},113.05,23.05,,,,", "一九九九,太早,113.05,23.05,,,,1999-12-31T23:00:00+08:00", GOOD[1]]
    rep = run(db, _admin, _file(tmp_path, rows), now=T0, mode=Mode.SKIP_BAD)
    assert [(p.line, p.field) for p in rep.problems] == [(3, "reported_at"), (4, "detail"), (5, "reported_at")]
    assert "before 2000" in str(rep.problems[0])
    assert rep.stored and rep.imported == 2 and _count(db) == 2
    rep = run(db, _admin, _file(tmp_path, rows), now=T0)  # all or nothing: nothing more stored
    assert not rep.stored and _count(db) == 2
