"""``huying backup`` / ``huying restore``: a round trip through the real services' rows gives
back every table row for row, on SQLite and on PostgreSQL; a non-empty database is not
overwritten without ``--force``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from huying import config
from huying.cli import app
from huying.db import make_engine
from huying.ops import backup
from tests.conftest import Databases
from tests.ops.conftest import Filled

runner = CliRunner()


def digests(url: str) -> dict[str, backup.TableDigest]:
    engine = make_engine(url)
    try:
        return backup.digests(engine)
    finally:
        engine.dispose()


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def point_at(url: str) -> None:
        monkeypatch.setenv("HUYING_DATABASE_URL", url)
        config.get_settings.cache_clear()

    yield point_at
    config.get_settings.cache_clear()


def test_a_backup_restored_into_a_fresh_database_has_every_row(
        filled: Filled, blank_url: str, tmp_path: Path, cli_db: object) -> None:
    before = digests(filled.url)
    assert before["cases"].rows == 3 and before["case_events"].rows > 3
    assert before["outbox"].rows > 0 and before["users"].rows >= 13
    file = tmp_path / "huying.backup"
    cli_db(filled.url)  # type: ignore[operator]
    done = runner.invoke(app, ["backup", str(file)])
    assert done.exit_code == 0, done.output
    assert file.stat().st_size > 0
    cli_db(blank_url)  # type: ignore[operator]
    done = runner.invoke(app, ["restore", str(file)])
    assert done.exit_code == 0, done.output
    after = digests(blank_url)
    assert after == before


def test_restore_refuses_a_database_with_tables_unless_forced(
        filled: Filled, databases: Databases, backend: str, tmp_path: Path, cli_db: object) -> None:
    file = tmp_path / "b"
    backup.backup(filled.url, file)
    before = digests(filled.url)
    other = databases.new_url(backend)
    engine = make_engine(other)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO keep_me VALUES (1)"))
    engine.dispose()
    cli_db(other)  # type: ignore[operator]
    refused = runner.invoke(app, ["restore", str(file)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert digests(other)["keep_me"].rows == 1
    forced = runner.invoke(app, ["restore", str(file), "--force"])
    assert forced.exit_code == 0, forced.output
    after = digests(other)
    assert {k: v for k, v in after.items() if k != "keep_me"} == before


def test_restore_says_what_is_wrong_with_the_file(blank_url: str, tmp_path: Path, backend: str,
                                                  cli_db: object) -> None:
    cli_db(blank_url)  # type: ignore[operator]
    missing = runner.invoke(app, ["restore", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "no backup file" in missing.output
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a backup at all")
    bad = runner.invoke(app, ["restore", str(junk)])
    assert bad.exit_code == 1
    assert ("not a SQLite backup" if backend == "sqlite" else "pg_restore failed") in bad.output


def test_a_sqlite_backup_is_one_self_contained_file(filled: Filled, tmp_path: Path) -> None:
    if filled.backend != "sqlite":
        pytest.skip("the SQLite file format")
    file = tmp_path / "copy.db"
    backup.backup(filled.url, file)
    assert not (tmp_path / "copy.db-wal").exists()
    with sqlite3.connect(file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (3,)
