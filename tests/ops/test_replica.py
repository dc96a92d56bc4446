"""A streaming replica for the figures (docs/deploy.md): the test makes a PostgreSQL primary of
its own and a replica of it (Debian's ``pg_createcluster``, ``pg_basebackup -R``) on free
ports, never touching the machine's clusters; migrates the primary, files a report there
through the API, and reads the figures through the app with ``HUYING_READ_DATABASE_URL`` on
the replica: they leave the report out while the replica's replay is paused (the figures read
the replica, not the primary) and count it once the replica has replayed it. A write through
the read path is refused by the replica, never made on the primary instead.

It needs root and PostgreSQL's server binaries (``postgresql-15``,
``scripts/ensure-test-tools.sh``); without them it skips with the reason, and with
``CI=true`` it fails instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from huying import config, db, migrate
from huying.cases.models import Case
from huying.http.errors import unavailable_reason
from tests.api.conftest import free_port, make_client, populate
from tests.conftest import IN_CI

CITY = "441900"
#: The longest the replica may take to show a committed report (seconds).
LAG_LIMIT = 20.0


def _version() -> str | None:
    """The PostgreSQL major whose server binaries are here (15 when present, else the newest)."""
    found = sorted((p.parent.parent.name for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")),
                   key=lambda v: (v != "15", -int(v) if v.isdigit() else 0))
    return found[0] if found else None


def _why_not() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the replica test starts PostgreSQL clusters with Debian's tools: it must run as root"
    if _version() is None:
        return "no PostgreSQL server binaries (/usr/lib/postgresql/15/bin/postgres): install postgresql-15"
    for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "pg_basebackup", "runuser"):
        if shutil.which(tool) is None:
            return f"no {tool} on PATH (Debian's postgresql-common / postgresql-client)"
    return None


def _run(*cmd: str, as_postgres: bool = False) -> str:
    args = ["runuser", "-u", "postgres", "--", *cmd] if as_postgres else list(cmd)
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
    return done.stdout


@dataclass
class Pair:
    version: str
    primary: str
    replica: str
    primary_url: str
    replica_url: str

    def log_tail(self) -> str:
        out = []
        for name in (self.primary, self.replica):
            log = Path(f"/var/log/postgresql/postgresql-{self.version}-{name}.log")
            if log.exists():
                out.append(f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        return "\n".join(out)


def _create_cmd(version: str, name: str, port: int, *opts: str) -> list[str]:
    # trust on loopback and the socket (replication too), no fsync: a throw-away cluster
    return ["pg_createcluster", version, name, "-p", str(port), "--start-conf=manual", "-o", "fsync=off",
            *opts, "--", "--auth=trust", "--no-sync"]


def _start(version: str, name: str) -> None:
    _run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start")


def _url(port: int, database: str = "huying") -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    reason = _why_not()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires the replica test: {reason}")
        pytest.skip(reason)
    version = _version()
    assert version is not None
    tag = f"huying_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    p_port, r_port = free_port(), free_port()
    while r_port == p_port:
        r_port = free_port()
    pair = Pair(version, f"{tag}_p", f"{tag}_r", _url(p_port), _url(r_port))
    made: list[str] = []
    replica_init: subprocess.Popen[bytes] | None = None
    try:
        # the primary: wal_level=replica and max_wal_senders are PostgreSQL's defaults
        _run(*_create_cmd(version, pair.primary, p_port, "-o", "wal_level=replica"))
        made.append(pair.primary)
        # the replica's cluster (its configuration, port, log) made while the primary starts;
        # replay waits at most a second for a query in its way (the conflict test)
        replica_init = subprocess.Popen(
            _create_cmd(version, pair.replica, r_port, "-o", "hot_standby=on", "-o", "max_standby_streaming_delay=1s"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _start(version, pair.primary)
        _run("psql", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", "-qc", "CREATE DATABASE huying",
             as_postgres=True)
        _, err = replica_init.communicate(timeout=60)
        made.append(pair.replica)
        if replica_init.returncode != 0:
            raise RuntimeError(f"pg_createcluster {pair.replica} failed: {err.decode(errors='replace')[-2000:]}")
        # its data directory replaced by a base backup of the primary; -R writes standby.signal
        # and primary_conninfo
        data = f"/var/lib/postgresql/{version}/{pair.replica}"
        _run("find", data, "-mindepth", "1", "-delete", as_postgres=True)
        _run("pg_basebackup", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", "-D", data, "-R",
             "-X", "stream", "-c", "fast", as_postgres=True)
        _start(version, pair.replica)
        yield pair
    except Exception as exc:
        raise RuntimeError(f"{exc}\n{pair.log_tail()}") from exc
    finally:
        if replica_init is not None and replica_init.poll() is None:
            replica_init.communicate(timeout=60)
            made.append(pair.replica)
        for name in reversed(dict.fromkeys(made)):
            # an immediate stop (no shutdown checkpoint: the cluster is dropped), then the drop
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "immediate"],
                           capture_output=True, timeout=60, check=False)
            subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=60,
                           check=False)


def _engine(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _wait_for(what: str, ok: object, timeout: float) -> float:
    """Poll ``ok()`` until it is true; returns the seconds it took."""
    t0 = time.monotonic()
    while True:
        if ok():  # type: ignore[operator]
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def _caught_up(primary: Engine, replica: Engine) -> bool:
    with primary.connect() as p, replica.connect() as r:
        target = p.scalar(text("SELECT pg_current_wal_lsn()"))
        return bool(r.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}))


@pytest.fixture(scope="module")
def served(pair: Pair) -> Iterator[dict[str, str]]:
    """The primary migrated and filled with the API tests' city (committed); the replica
    caught up. Returns the personas' API tokens."""
    migrate.upgrade(pair.primary_url)
    engine = db.make_engine(pair.primary_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            _world, toks, _cases, _notice = populate(s)
            s.commit()
    finally:
        engine.dispose()
    primary, replica = _engine(pair.primary_url), _engine(pair.replica_url)
    try:
        with replica.connect() as r:
            assert r.scalar(text("SELECT pg_is_in_recovery()")) is True
        _wait_for("the replica catching up with the migrated primary", lambda: _caught_up(primary, replica), 30)
    finally:
        primary.dispose()
        replica.dispose()
    yield toks


@pytest.fixture
def read_on_replica(pair: Pair) -> Iterator[None]:
    old = os.environ.get("HUYING_READ_DATABASE_URL")
    os.environ["HUYING_READ_DATABASE_URL"] = pair.replica_url
    db.get_read_engine.cache_clear()
    config.get_settings.cache_clear()
    try:
        yield
    finally:
        if db.get_read_engine.cache_info().currsize and (e := db.get_read_engine()) is not None:
            e.dispose()
        if old is None:
            os.environ.pop("HUYING_READ_DATABASE_URL", None)
        else:
            os.environ["HUYING_READ_DATABASE_URL"] = old
        db.get_read_engine.cache_clear()
        config.get_settings.cache_clear()


def _received(c: object, token: str) -> tuple[int, int]:
    h = {"Authorization": f"Bearer {token}"}
    stats = c.get(f"/api/v1/stats?node={CITY}&children=false", headers=h)  # type: ignore[attr-defined]
    assert stats.status_code == 200, stats.text
    values = c.get(f"/api/v1/indicators/values?node={CITY}&period=all", headers=h)  # type: ignore[attr-defined]
    assert values.status_code == 200, values.text
    return stats.json()["node"]["received"], values.json()["node"]["values"]["received"]["value"]


def _cases(url: str) -> int:
    e = _engine(url)
    try:
        with e.connect() as c:
            return int(c.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        e.dispose()


def test_a_report_on_the_primary_reaches_the_figures_through_the_replica(
        pair: Pair, served: dict[str, str], read_on_replica: None) -> None:
    replica = _engine(pair.replica_url)
    try:
        for c in make_client(pair.primary_url):
            engine = db.get_read_engine()
            assert engine is not None and engine.url.port == make_url(pair.replica_url).port
            before = _received(c, served["city"])
            cases = _cases(pair.primary_url)
            # hold the replica still: the report reaches it, but is not replayed yet
            with replica.connect() as r:
                r.execute(text("SELECT pg_wal_replay_pause()"))
                _wait_for("replay paused", lambda r=r: r.scalar(text("SELECT pg_get_wal_replay_pause_state()")) == "paused", 10)
            r1 = c.post("/api/v1/cases", json={"title": "路灯不亮", "description": "门口", "lon": 113.05, "lat": 23.05},
                        headers={"Authorization": f"Bearer {served['resident']}"})
            assert r1.status_code == 201, r1.text
            assert _cases(pair.primary_url) == cases + 1
            assert _cases(pair.replica_url) == cases
            assert _received(c, served["city"]) == before  # the figures read the replica
            with replica.connect() as r:
                r.execute(text("SELECT pg_wal_replay_resume()"))
            after = (before[0] + 1, before[1] + 1)
            lag = _wait_for("the report in the figures read from the replica",
                            lambda c=c, after=after: _received(c, served["city"]) == after, LAG_LIMIT)
            print(f"replica: the report reached the figures {lag:.2f} s after replay resumed")
            rep = c.get(f"/api/v1/reports/{CITY}?format=html", headers={"Authorization": f"Bearer {served['leader']}"})
            assert rep.status_code == 200, rep.text[:300]
    finally:
        with replica.connect() as r:
            r.execute(text("SELECT pg_wal_replay_resume()"))
        replica.dispose()


@pytest.fixture
def primary_env(pair: Pair) -> Iterator[None]:
    """``HUYING_DATABASE_URL`` on the primary, for the CLI's read path."""
    old = os.environ.get("HUYING_DATABASE_URL")
    os.environ["HUYING_DATABASE_URL"] = pair.primary_url
    config.get_settings.cache_clear()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("HUYING_DATABASE_URL", None)
        else:
            os.environ["HUYING_DATABASE_URL"] = old
        config.get_settings.cache_clear()


def test_a_write_through_the_read_path_is_refused_by_the_replica(
        pair: Pair, served: dict[str, str], read_on_replica: None, primary_env: None) -> None:
    cases = _cases(pair.primary_url)
    # the read path's session: read-only, on the replica
    with db.read_session_scope() as s:
        assert s.get_bind().engine.url.port == make_url(pair.replica_url).port
        with pytest.raises(DBAPIError) as err:
            s.execute(text("UPDATE cases SET title = 'written through the read path'"))
            s.commit()
    assert "read-only" in str(err.value)
    assert unavailable_reason(err.value) == "the database is read-only"  # a 503, were it a request
    # and the replica itself refuses, even to a connection that does not ask for read-only
    plain = create_engine(pair.replica_url)
    try:
        with plain.connect() as conn, pytest.raises(DBAPIError) as err2:
            conn.execute(text("UPDATE cases SET title = 'written through the read path'"))
            conn.commit()
        assert "read-only" in str(err2.value)
    finally:
        plain.dispose()
    e = _engine(pair.primary_url)
    try:
        with e.connect() as c:
            assert c.scalar(select(func.count()).select_from(Case)
                            .where(Case.title == "written through the read path")) == 0
    finally:
        e.dispose()
    assert _cases(pair.primary_url) == cases


def test_a_figure_query_cancelled_by_replay_is_unavailable_not_an_error(
        pair: Pair, served: dict[str, str], read_on_replica: None, primary_env: None) -> None:
    """A replica cancels a query that holds what replay needs (here a table the primary
    locked) after ``max_standby_streaming_delay``: the request gets 503 and Retry-After (the
    next try usually succeeds), not a 500."""
    errors: list[BaseException] = []

    def long_read() -> None:
        try:
            with db.read_session_scope() as s:
                s.execute(text("SELECT pg_sleep(20) FROM cases LIMIT 1")).all()
        except DBAPIError as exc:
            errors.append(exc)

    reader = threading.Thread(target=long_read)
    reader.start()
    replica, primary = _engine(pair.replica_url), create_engine(pair.primary_url)
    try:
        with replica.connect() as r:
            _wait_for("the long read running on the replica", lambda r=r: r.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(20)%' "
                "AND pid <> pg_backend_pid()")) == 1, 10)
        with primary.begin() as p:  # the lock is replayed on the replica, where the read holds the table
            p.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))
        reader.join(timeout=30)
        assert not reader.is_alive(), "replay did not cancel the read"
    finally:
        if reader.is_alive():
            with replica.connect() as r:
                r.execute(text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                               "WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()"))
            reader.join(timeout=10)
        replica.dispose()
        primary.dispose()
    assert errors, "the read was not cancelled"
    assert "conflict with recovery" in str(errors[0])
    assert unavailable_reason(errors[0]) == "the database is unavailable"
