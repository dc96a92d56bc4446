"""Backup and restore of the whole database.

SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy taken while
the server keeps writing. PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``
(Debian's postgresql-client; found on ``PATH`` or under ``/usr/lib/postgresql/*/bin``, the
newest first). A restore refuses a database that already has tables unless ``force``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.engine import URL, Engine, make_url

from huying.db import make_engine


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True):
        if (bindir / name).exists():
            return str(bindir / name)
    raise BackupError(f"{name} not found: install postgresql-client (Debian) or put it on PATH")


def _pg_args(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it
    (a password on the command line would show in ``ps``)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def backup(database_url: str, dest: Path) -> None:
    """Write a backup of the database at ``database_url`` to ``dest`` (replaced if it exists)."""
    url = make_url(database_url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    if url.get_backend_name() == "sqlite":
        src_path = _sqlite_path(url)
        if not src_path.exists():
            raise BackupError(f"no database at {src_path}")
        src = sqlite3.connect(f"file:{src_path.as_posix()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
    elif url.get_backend_name() == "postgresql":
        conn, env = _pg_args(url)
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={tmp}", f"--dbname={conn}"], env)
    else:
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    tmp.replace(dest)


def tables(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def restore(database_url: str, src: Path, *, force: bool = False) -> None:
    """Restore the backup ``src`` into the database at ``database_url``. A database that has
    tables is refused unless ``force`` (then it is replaced whole)."""
    if not src.is_file():
        raise BackupError(f"no backup file at {src}")
    url = make_url(database_url)
    engine = make_engine(database_url)
    try:
        present = tables(engine)
    finally:
        engine.dispose()
    if present and not force:
        raise BackupError(f"the database is not empty ({len(present)} tables, e.g. {present[0]}); "
                          "restore with --force to replace it")
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(src)
        target = _sqlite_path(url)
        source = sqlite3.connect(f"file:{src.as_posix()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                source.backup(dst)  # replaces every page of the target
            finally:
                dst.close()
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        conn, env = _pg_args(url)
        cmd = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={conn}"]
        if present:
            cmd += ["--clean", "--if-exists"]
        _run([*cmd, str(src)], env)
    else:
        raise BackupError(f"no restore for {url.get_backend_name()} databases")


def _check_sqlite_backup(src: Path) -> None:
    try:
        with src.open("rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {src}: {exc}") from exc
    if magic != b"SQLite format 3\x00":
        raise BackupError(f"{src} is not a SQLite backup (a PostgreSQL backup restores only "
                          "into PostgreSQL)")


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def digests(engine: Engine) -> dict[str, TableDigest]:
    """Every table's row count and a digest of its rows in primary-key order (of all columns
    where there is no primary key): equal digests, equal contents on one backend."""
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, TableDigest] = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            h = hashlib.sha256()
            n = 0
            for row in conn.execute(select(table).order_by(*order)):
                h.update(repr(tuple(row)).encode())
                h.update(b"\n")
                n += 1
            out[name] = TableDigest(n, h.hexdigest())
        if engine.dialect.name == "postgresql":  # sequences: the next ids must not collide
            for seq, last in conn.execute(text(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = 'public' ORDER BY 1")):
                out[f"sequence:{seq}"] = TableDigest(0, repr(last))
    return out
