"""SQLite's writers of one process queue on the engine's lock (huying.db.one_writer_at_a_time)
instead of polling SQLite's, and every way a transaction ends gives the lock back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from huying import db


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = db.make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with eng.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield eng  # type: ignore[misc]
    eng.dispose()


def test_a_second_writer_waits_for_the_first_commit_and_reads_do_not_wait(engine: Engine) -> None:
    order: list[str] = []
    first_wrote, let_go = threading.Event(), threading.Event()

    def first() -> None:
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('first')"))
            first_wrote.set()
            let_go.wait(5)
            order.append("first commits")

    def second() -> None:
        first_wrote.wait(5)
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('second')"))
            order.append("second wrote")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_wrote.wait(5)
    with engine.connect() as reader:  # a read while a write is held: at once
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    time.sleep(0.2)
    assert order == []  # the second writer is waiting
    let_go.set()
    for t in threads:
        t.join(10)
    assert order == ["first commits", "second wrote"]
    with engine.connect() as c:
        assert c.execute(text("SELECT who FROM t ORDER BY id")).scalars().all() == ["first", "second"]


@pytest.mark.parametrize("end", ["rollback", "close", "error"])
def test_every_end_of_a_transaction_gives_the_lock_back(engine: Engine, end: str) -> None:
    conn = engine.connect()
    conn.execute(text("INSERT INTO t (who) VALUES ('gone')"))
    if end == "rollback":
        conn.rollback()
        conn.close()
    elif end == "close":
        conn.close()  # given back to the pool unfinished: its reset rolls back
    else:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the statement's own error
            conn.execute(text("INSERT INTO t (id, who) VALUES (NULL, NULL, NULL)"))
        conn.rollback()
        conn.close()
    done = threading.Event()

    def write() -> None:
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('next')"))
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(3)  # not the 10 s of a lock never given back
    with engine.connect() as c:
        assert c.execute(text("SELECT who FROM t")).scalars().all() == ["next"]
