"""The server as processes: killed with SIGKILL in the middle of concurrent intake and
restarted, it has every acknowledged report exactly once (clients retry with their
Idempotency-Key); with several uvicorn workers against PostgreSQL, reports and reads spread
over the workers agree (nothing depends on one process)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from huying.db import Base, make_engine
from huying.intake.models import IdempotencyKey
from tests.api.conftest import populate
from tests.conftest import Databases

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import _server as S  # noqa: E402

BODY = {"title": "路灯不亮", "description": "小区门口的路灯坏了三天", "lon": 113.05, "lat": 23.05}


@dataclass
class Db:
    url: str
    token: str
    backend: str


@pytest.fixture
def db(backend: str, databases: Databases) -> Iterator[Db]:
    url = databases.new_url(backend)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        _world, toks, _cases, _notice = populate(s)
        s.commit()
    engine.dispose()
    yield Db(url, toks["resident"], backend)


def _counts(url: str) -> tuple[int, int, dict[str, str]]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            cases = int(s.scalar(select(func.count()).select_from(Case)) or 0)
            keys = dict(s.execute(select(IdempotencyKey.key, Case.code)
                                  .join(Case, Case.id == IdempotencyKey.case_id)).all())
            return cases, len(keys), keys
    finally:
        engine.dispose()


def test_sigkill_during_concurrent_intake_keeps_every_acknowledged_report_once(db: Db, tmp_path: Path) -> None:
    clients, per_client = 6, 25
    env = S.huying_env(db.url, tmp_path)
    cases_before, _, _ = _counts(db.url)
    port = S.free_port()
    acked: dict[str, str] = {}
    attempts = {"n": 0, "failed": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + 120

    def client(c: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5,
                          headers={"Authorization": f"Bearer {db.token}"}) as h:
            for i in range(per_client):
                key = f"kill-{c}-{i}"
                while time.monotonic() < stop_at:  # retry with the same key until acknowledged
                    with lock:
                        attempts["n"] += 1
                    try:
                        r = h.post("/api/v1/cases", json=BODY, headers={"Idempotency-Key": key})
                    except httpx.HTTPError:
                        with lock:
                            attempts["failed"] += 1
                        time.sleep(0.05)
                        continue
                    if r.status_code == 201:
                        with lock:
                            acked[key] = r.headers["Location"].rsplit("/", 1)[-1]
                        break
                    with lock:
                        attempts["failed"] += 1
                    time.sleep(0.05)

    log = tmp_path / "server.log"
    ctx = S.serve("huying", workers=2, env=env, port=port, log=log)
    srv = ctx.__enter__()
    try:
        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(client, c) for c in range(clients)]
            while len(acked) < clients * per_client // 3:  # a third in: kill it mid-stream
                time.sleep(0.02)
            killed_after = len(acked)
            S.stop(srv.proc, signal.SIGKILL)
            time.sleep(0.3)
            ctx2 = S.serve("huying", workers=2, env=env, port=port, log=log)
            ctx2.__enter__()
            try:
                for f in futures:
                    f.result()
            finally:
                ctx2.__exit__(None, None, None)
    finally:
        ctx.__exit__(None, None, None)
    assert killed_after < clients * per_client
    assert attempts["failed"] > 0, "the kill interrupted nothing"
    assert len(acked) == clients * per_client, "a client gave up"
    cases, n_keys, keys = _counts(db.url)
    assert n_keys == clients * per_client
    assert cases - cases_before == clients * per_client, "a report was stored twice or lost"
    assert all(keys[k] == code for k, code in acked.items()), "an acknowledged case is not the stored one"


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_several_workers_against_postgresql_serve_one_consistent_app(db: Db, tmp_path: Path) -> None:
    if db.backend != "postgresql":
        pytest.skip("several worker processes are the PostgreSQL deployment")
    with S.serve("huying", workers=3, env=S.huying_env(db.url, tmp_path)) as srv:
        pids = srv.worker_pids()
        assert len(pids) == 3
        before = {p: _cpu_ticks(p) for p in pids}
        auth = {"Authorization": f"Bearer {db.token}"}

        def report_then_read(i: int) -> tuple[str, int, str]:
            # a fresh connection per request: the kernel spreads them over the workers
            r = httpx.post(f"{srv.base}/api/v1/cases", json=BODY, headers={**auth, "Idempotency-Key": f"w-{i}"})
            assert r.status_code == 201, r.text
            code = r.headers["Location"].rsplit("/", 1)[-1]
            got = httpx.get(f"{srv.base}/api/v1/cases/{code}", headers=auth)
            assert got.status_code == 200, got.text
            return code, got.json()["version"], got.headers["ETag"]

        with ThreadPoolExecutor(8) as pool:
            done = list(pool.map(report_then_read, range(60)))
        assert len({c for c, _, _ in done}) == 60
        # the same key from 8 connections at once: one case
        with ThreadPoolExecutor(8) as pool:
            same = list(pool.map(lambda _: httpx.post(
                f"{srv.base}/api/v1/cases", json=BODY, headers={**auth, "Idempotency-Key": "same"}), range(8)))
        assert {r.status_code for r in same} == {201}
        assert len({r.headers["Location"] for r in same}) == 1
        busy = [p for p in pids if _cpu_ticks(p) - before[p] > 5]
        assert len(busy) >= 2, f"one worker did everything: {pids}"
    cases, n_keys, _ = _counts(db.url)
    assert n_keys == 61
