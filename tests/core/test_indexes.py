"""The queries of every command find their rows through an index, not a scan of the table
(a scan grows with the city's history: the demo's merged-case look-up, with no index on
``cases.duplicate_of_id``, took 6 ms a command at 12,000 cases)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from huying.cases import merge


def _plan(engine: Engine, stmt: object, params: dict[str, object]) -> str:
    compiled = stmt.compile(dialect=engine.dialect)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}",
                                    tuple(compiled.construct_params(params).values())).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_the_merged_cases_of_a_primary_are_found_by_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":  # the planner's words are SQLite's; the index is the same
        with engine.connect() as conn:
            names = {r[0] for r in conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'cases'"))}
        assert any("(duplicate_of_id)" in n for n in names)
        return
    plan = _plan(engine, merge.MERGED_IDS, {"primary": 1})
    assert "USING INDEX" in plan and "duplicate_of_id" in plan, plan
    assert "SCAN cases" not in plan.replace("USING INDEX", ""), plan
