"""0002_register adds the register to a database that has households and people, and keeps
who lives in which household (on SQLite the households table is copied: foreign keys must
not empty ``people.household_id`` on the way)."""

from __future__ import annotations

from sqlalchemy import text

from huying import migrate
from huying.db import make_engine


def test_upgrading_to_the_register_keeps_people_in_their_households(blank_url: str) -> None:
    migrate.upgrade(blank_url, "0001")
    engine = make_engine(blank_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cities (id, code, name_zh, name_en, crs, timezone, created_at) "
                              "VALUES (1, '441900', '东莞市', 'Dongguan', 'GCJ-02', 'Asia/Shanghai', :t)"),
                         {"t": "2025-01-01 00:00:00+00:00"})
            conn.execute(text("INSERT INTO geo_nodes (id, city_id, code, level, path, name_zh, name_en, "
                              "created_at, updated_at) VALUES (1, 1, '441900', 'city', '441900/', '东莞市', "
                              "'Dongguan', :t, :t)"), {"t": "2025-01-01 00:00:00+00:00"})
            conn.execute(text("INSERT INTO households (id, city_id, code, grid_id, address, size, is_migrant, "
                              "created_at) VALUES (1, 1, 'H1', 1, '人民路1号', 2, false, :t)"),
                         {"t": "2025-01-01 00:00:00+00:00"})
            conn.execute(text("INSERT INTO people (id, city_id, name, household_id, is_party_member, created_at) "
                              "VALUES (1, 1, '居民000001', 1, false, :t)"), {"t": "2025-01-01 00:00:00+00:00"})
        engine.dispose()
        migrate.upgrade(blank_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT household_id FROM people WHERE id = 1")).scalar() == 1
            assert conn.execute(text("SELECT needs, address_id FROM households WHERE id = 1")).one() == ("", None)
    finally:
        engine.dispose()
