"""Import of historical cases: closed cases whose events say what the ledger says, folded,
counted in the figures, every bad row named; SQLite and PostgreSQL (COPY)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.cli import app
from huying.errors import InvalidInput
from huying.intake.bulk import FileError, Mode
from huying.intake.history import import_history, parse_history_row, read_history, run
from huying.metrics import rollup
from huying.metrics import service as metrics
from huying.metrics.models import GridMonth
from tests.cases.conftest import T0, World, _reset_caches, build_world
from tests.cases.test_fold import assert_folds

HEADER = "工单编号,标题,内容,经度,纬度,类别,渠道,上报时间,办结时间,承办单位,满意度,是否超期,办理结果\n"


def _ledger(world: World) -> list[str]:
    unit = world.units["town1_urban"].code
    return [
        f"GD-1,路灯不亮,小区门口路灯坏了三天,113.05,23.05,环境保护,hotline,2024-03-02T09:00:00+08:00,"
        f"2024-03-05T18:00:00+08:00,{unit},满意,否,已修复",
        "GD-2,河道有垃圾,河边垃圾很多无人清理,113.25,23.10,环境保护,,2024-12-31T20:00:00+08:00,"
        "2025-01-20T10:00:00+08:00,,不满意,是,",
        "GD-3,噪音扰民,工地夜间施工噪音很大,113.06,23.06,,hotline,2024-05-01T22:00:00+08:00,"
        "2024-05-02T09:00:00+08:00,,,,",
    ]


def _rows(lines: list[str], tmp_path: Path) -> list[tuple[int, dict[str, str]]]:
    path = tmp_path / "ledger.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return list(read_history(path))


def test_each_ledger_problem_is_named_with_its_line() -> None:
    base = {"title": "t", "lon": "113.05", "lat": "23.05", "reported_at": "2024-03-02T09:00:00+08:00",
            "closed_at": "2024-03-05T09:00:00+08:00"}
    row, problems = parse_history_row(2, base, T0)
    assert problems == [] and row is not None and row.closed_at == dt.datetime(2024, 3, 5, 1, tzinfo=dt.UTC)
    cases = [
        ({"closed_at": ""}, "closed_at", "is required for a historical case"),
        ({"reported_at": ""}, "reported_at", "is required for a historical case"),
        ({"closed_at": "2024-03-01T09:00:00+08:00"}, "closed_at", "is before reported_at"),
        ({"closed_at": "2030-01-01T00:00:00+08:00"}, "closed_at", "is in the future"),
        ({"closed_at": "2024-03-05 09:00"}, "closed_at", "needs a time zone offset (e.g. +08:00)"),
        ({"satisfaction": "还行"}, "satisfaction", "'还行' is not a satisfaction"),
        ({"overdue": "maybe"}, "overdue", "'maybe' is not yes/no"),
        ({"ref": "x" * 61}, "ref", "61 characters, at most 60"),
    ]
    for change, fld, reason in cases:
        row, problems = parse_history_row(5, {**base, **change}, T0)
        assert row is None
        assert [(p.line, p.field) for p in problems] == [(5, fld)], change
        assert problems[0].reason.startswith(reason), problems[0].reason


def test_the_ledger_needs_its_dates(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("标题,经度,纬度,上报时间\n路灯,113,23,2024-01-01T00:00:00+08:00\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"line 1: missing column\(s\) closed_at"):
        list(read_history(path))


def test_history_becomes_closed_cases_that_fold_and_count(world: World, tmp_path: Path) -> None:
    s = world.session
    rows = _rows(_ledger(world), tmp_path)
    rep = import_history(s, world["city"], rows, now=T0, source="ledger.csv")
    assert rep.problems == [] and rep.stored and rep.imported == 3
    assert rep.events == 7  # report + close each, and the overdue one's overdue event
    s.commit()
    cases = {c.title: c for c in s.scalars(select(Case).where(Case.city_id == world.city_id))}
    lamp, river, noise = cases["路灯不亮"], cases["河道有垃圾"], cases["噪音扰民"]
    for c in cases.values():
        assert c.status == "closed" and c.due_at is None and c.sweep_at is None
        assert_folds(world, c)
    # codes: the year reported, in the city's time (the river case: 2024-12-31 20:00 +08:00)
    assert lamp.code.startswith("441900-2024-") and river.code.startswith("441900-2024-")
    assert lamp.created_at == dt.datetime(2024, 3, 2, 1, tzinfo=dt.UTC)
    assert lamp.closed_at == dt.datetime(2024, 3, 5, 10, tzinfo=dt.UTC)
    assert lamp.unit_id == world.units["town1_urban"].id and lamp.handling_level == "town"
    assert (lamp.satisfaction, lamp.resolution, lamp.ever_overdue) == ("satisfied", "已修复", False)
    assert (river.satisfaction, river.ever_overdue, river.channel) == ("dissatisfied", True, "bulk_import")
    assert noise.category_id is not None or rep.uncategorised == 1
    actions = [e.action for e in svc.events_of(s, river)]
    assert actions == ["report", "overdue", "close_imported"]
    first = json.loads(svc.events_of(s, lamp)[0].payload)
    assert first["imported"] == {"file": "ledger.csv", "line": 2, "ref": "GD-1"}
    # the figures: from the events (per node) and from the rollup agree, and count the history
    since = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    direct = metrics.figures(s, world.city_id, None, now=T0, since=since)
    rolled = rollup.figures(s, world.city_id, None, now=T0, since=since)
    assert direct == rolled
    city = direct["node"]
    assert (city["received"], city["closed"], city["on_time_rate"], city["open_now"]) == (3, 3, 0.6667, 0)
    # the rollup written in bulk equals the rollup rebuilt from the events
    key = (GridMonth.grid_path, GridMonth.month, GridMonth.day)
    cols = [getattr(GridMonth, c) for c in rollup.COUNTERS]
    def table() -> list[tuple[object, ...]]:  # close_seconds to the millisecond (SQLite's julianday)
        rows = s.execute(select(*key, *cols).where(GridMonth.city_id == world.city_id).order_by(*key))
        return [(*r[:-1], round(r[-1], 3)) for r in rows]

    written = table()
    assert len(written) == 10  # per grid: a row per month and per day with a report or a close
    rollup.rebuild(s, world.city_id)
    assert table() == written


def test_codes_continue_the_year_sequence(world: World, tmp_path: Path) -> None:
    s = world.session
    before = world.report("resident", now=T0 - dt.timedelta(days=2))  # 2025-03-01
    line = ("GD-9,井盖缺失,路口井盖缺失,113.05,23.05,环境保护,,2025-02-01T09:00:00+08:00,"
            "2025-02-02T09:00:00+08:00,,,,")
    rep = import_history(s, world["admin"], _rows([line, line.replace("GD-9", "GD-10")], tmp_path), now=T0,
                         source="l.csv")
    s.commit()
    seq = int(before.code.rsplit("-", 1)[1])
    assert rep.first_code == f"441900-2025-{seq + 1:06d}" and rep.last_code == f"441900-2025-{seq + 2:06d}"
    after = world.report("resident", now=T0)
    assert after.code == f"441900-2025-{seq + 3:06d}"


def test_bad_rows_all_or_nothing_or_skipped(world: World, tmp_path: Path) -> None:
    s = world.session
    good = _ledger(world)
    bad = [
        "GD-4,城外,在城外,120.00,30.00,环境保护,,2024-03-02T09:00:00+08:00,2024-03-03T09:00:00+08:00,,,,",
        "GD-5,无类别,类别不存在,113.05,23.05,不存在的类别,,2024-03-02T09:00:00+08:00,2024-03-03T09:00:00+08:00,,,,",
        "GD-6,单位错,单位不存在,113.05,23.05,环境保护,,2024-03-02T09:00:00+08:00,2024-03-03T09:00:00+08:00,nowhere,,,",
        "GD-7,,没有标题,113.05,23.05,环境保护,,2024-03-02T09:00:00+08:00,2024-03-03T09:00:00+08:00,,,,",
    ]
    rows = _rows([good[0], *bad, good[1]], tmp_path)
    count = select(func.count()).select_from(Case).where(Case.city_id == world.city_id)
    rep = import_history(s, world["city"], rows, now=T0, source="l.csv")
    assert not rep.stored and rep.imported == 0
    assert [(p.line, p.field) for p in rep.problems] == [(6, "title")]  # read first: nothing located
    rows = _rows([good[0], *bad[:3], good[1]], tmp_path)
    rep = import_history(s, world["city"], rows, now=T0, source="l.csv")
    assert [(p.line, p.field) for p in rep.problems] == [(3, "location"), (4, "category"), (5, "unit")]
    assert rep.problems[2].reason == "no unit with code 'nowhere'"
    assert not rep.stored and s.scalar(count) == 0
    rep = import_history(s, world["city"], rows, now=T0, source="l.csv", mode=Mode.SKIP_BAD)
    assert rep.stored and rep.imported == 2 and len(rep.problems) == 3
    assert s.scalar(count) == 2


@pytest.mark.parametrize("persona", ["resident", "community", "town"])
def test_only_city_officers_and_admins_import_history(world: World, tmp_path: Path, persona: str) -> None:
    with pytest.raises(InvalidInput, match="may not import history"):
        import_history(world.session, world[persona], _rows(_ledger(world)[:1], tmp_path), now=T0, source="l")


@pytest.fixture
def db(fresh_engine: Engine) -> tuple[Engine, World]:
    _reset_caches()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
    return fresh_engine, world


def test_the_cli_imports_history_in_one_transaction(db: tuple[Engine, World], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    engine, world = db
    monkeypatch.setenv("HUYING_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    _reset_caches()
    try:
        runner = CliRunner()
        path = tmp_path / "台账.csv"
        bad = "GD-8,城外,在城外,120.00,30.00,环境保护,,2024-03-02T09:00:00+08:00,2024-03-03T09:00:00+08:00,,,,"
        path.write_text(HEADER + "\n".join([*_ledger(world), bad]) + "\n", encoding="utf-8")
        args = ["import", "history", str(path), "--as", "city", "--no-progress", "--now", "2025-03-03T09:30:00+08:00"]
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and f"{path}:5: location:" in r.stderr and "nothing was stored" in r.stderr
        assert json.loads(r.stdout)["stored"] is False
        r = runner.invoke(app, [*args, "--mode", "skip-bad"])
        assert r.exit_code == 2
        summary = json.loads(r.stdout)
        assert (summary["imported"], summary["events"], summary["bad_rows"]) == (3, 7, 1)
        r = runner.invoke(app, [*args[:4], "resident", *args[5:]])
        assert r.exit_code == 2 and "may not import history" in r.stderr
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 3
            assert s.scalar(select(func.count()).select_from(CaseEvent)) == 7
    finally:
        _reset_caches()


def test_run_rolls_back_when_a_row_is_bad(db: tuple[Engine, World], tmp_path: Path) -> None:
    engine, world = db
    path = tmp_path / "l.csv"
    path.write_text(HEADER + "\n".join([*_ledger(world)[:2], "GD-9,城外,x,120,30,,,2024-03-02T09:00:00+08:00,"
                                        "2024-03-03T09:00:00+08:00,,,,"]) + "\n", encoding="utf-8")

    def city(s: Session):  # type: ignore[no-untyped-def]
        from huying.orgs.actor import Actor
        from huying.orgs.service import get_user

        return Actor.of(s, get_user(s, "city"))

    rep = run(engine, city, path, now=T0)
    assert not rep.stored and rep.imported == 0
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(GridMonth)) == 0


def test_closing_as_history_is_never_offered_on_a_live_case(world: World) -> None:
    from huying.cases.policy import allowed_for

    case = world.report("resident")
    for persona in ("city", "admin"):
        offered = {a.value for a in allowed_for(world.session, world[persona], case)}
        assert "dispatch" in offered and "close_imported" not in offered, (persona, offered)
    with pytest.raises(InvalidInput, match="not a command"):
        svc.perform(world.session, case, world["city"], "close_imported", now=T0, params={})


def test_a_ledger_number_is_imported_once(world: World, tmp_path: Path) -> None:
    """A ledger fixed and imported again (or imported twice) does not count its cases twice:
    a row whose ``ref`` is stored already, or twice in the file, is refused."""
    s = world.session
    good = _ledger(world)
    rep = import_history(s, world["city"], _rows(good[:2], tmp_path), now=T0, source="l.csv")
    assert rep.stored and rep.imported == 2
    s.commit()
    lamp = s.scalar(select(Case.code).where(Case.title == "路灯不亮"))
    again = [*good, good[2].replace("噪音扰民", "噪音扰民（重复）")]  # GD-1, GD-2 stored; GD-3 twice
    rep = import_history(s, world["city"], _rows(again, tmp_path), now=T0, source="l.csv")
    assert [(p.line, p.field) for p in rep.problems] == [(2, "ref"), (3, "ref"), (5, "ref")]
    assert rep.problems[0].reason == f"'GD-1' was imported already: case {lamp}"
    assert rep.problems[2].reason == "'GD-3' is on line 4 too"
    assert not rep.stored
    rep = import_history(s, world["city"], _rows(again, tmp_path), now=T0, source="l.csv", mode=Mode.SKIP_BAD)
    assert rep.stored and rep.imported == 1
    s.commit()
    titles = s.scalars(select(Case.title).where(Case.city_id == world.city_id).order_by(Case.id)).all()
    assert titles == ["路灯不亮", "河道有垃圾", "噪音扰民"]


def test_an_import_that_stored_rows_brings_the_planners_statistics_up_to_date(
        db: tuple[Engine, World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the import ends with ANALYZE (``huying.db.analyze_after_bulk``): with an
    empty table's statistics, kept where autovacuum is off, the duplicate look-up read every
    case of the city. SQLite is left without ``sqlite_stat1``, as everywhere else."""
    from sqlalchemy import text

    engine, world = db
    monkeypatch.setenv("HUYING_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    _reset_caches()

    def analysed() -> bool:
        with engine.connect() as c:
            if engine.dialect.name == "postgresql":
                return c.execute(text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                                      "WHERE relname = 'cases'")).scalar_one() is True
            return c.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar_one() > 0

    try:
        path = tmp_path / "台账.csv"
        path.write_text(HEADER + "\n".join(_ledger(world)) + "\n", encoding="utf-8")
        args = ["import", "history", str(path), "--as", "city", "--no-progress", "--now", "2025-03-03T09:30:00+08:00"]
        assert not analysed()
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, r.stderr
        assert analysed() is (engine.dialect.name == "postgresql")
    finally:
        _reset_caches()
