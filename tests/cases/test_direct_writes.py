"""The loop's writes, and its reads of plain columns, go straight to the driver
(``huying.db.write``, ``huying.db.rows``), not through
SQLAlchemy's execution of each statement, on both databases: every recorded event's rows
(case, event, rollup, outbox, the closing paperwork), and the case folded from its events is
still the case (``fold(events) == case``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huying import db
from huying.cases import kernel, notify, record
from huying.cases import service as svc
from huying.cases.models import CaseEvent
from huying.metrics import rollup
from tests.cases.conftest import World


def test_every_write_of_the_loop_is_direct(world: World, at, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(db, "_PLANS", {})
    s = world.session
    case = world.report()
    svc.dispatch(s, case, world["town"], unit="441900101-dept-urban_management", now=at(hours=1))
    svc.accept(s, case, world["handler"], now=at(hours=2))
    svc.mark_handled(s, case, world["handler"], evidence="已更换灯泡", now=at(hours=20))
    svc.follow_up(s, case, world["resident"], satisfaction="满意", method="online", now=at(hours=30))
    svc.close(s, case, world["community"], resolution="已修复", now=at(hours=31))
    dialect = s.get_bind().dialect.name
    planned = {k[0] for k, plan in db._PLANS.items() if k[1] == dialect and plan is not None}
    refused = [k[0] for k, plan in db._PLANS.items() if plan is None]
    assert not refused
    hot = {kernel._INSERT_CASE, kernel._INSERT_EVENT, kernel._TAKE_SEQS, kernel._CLOSE_LEDGER,
           kernel._CLOSE_NOTICES, rollup._upsert(dialect), notify._INSERT_OUTBOX}
    assert hot <= planned
    # and the reads of every event whose columns need no typing
    assert {rollup._EARLIER, notify._HANDLED_RECIPIENTS, notify._COREPORTERS} <= planned
    assert any(stmt in kernel._UPDATES.values() for stmt in planned)
    events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    folded = record.fold(events)
    assert [e.action for e in events] == ["report", "dispatch", "accept", "mark_handled", "follow_up", "close"]
    for key in ("status", "version", "unit_id", "due_at", "closed_at", "satisfaction", "resolution"):
        assert folded.get(key) == getattr(case, key), key
