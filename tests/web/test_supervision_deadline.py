"""The leader sets a supervision notice's reply deadline: a date proposed by the city's rule,
in the future and at most 30 days ahead; the notice names who issued it."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import SupervisionNotice
from huying.web.queries import city_zone
from tests.web.scene import HTML, in_progress, post, shown_errors, sign_in


def _today() -> dt.date:
    return dt.datetime.now(city_zone()).date()


def _notices(session: Session, case_id: int) -> list[SupervisionNotice]:
    session.expire_all()
    return list(session.scalars(select(SupervisionNotice).where(SupervisionNotice.case_id == case_id)))


def test_the_form_proposes_the_citys_deadline_within_bounds(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "leader")
    page = city_client.get(f"/cases/{case.code}", headers=HTML).text
    m = re.search(r'<input name="reply_due" type="date" required value="([\d-]+)" min="([\d-]+)" max="([\d-]+)">', page)
    assert m, "the supervision form has a required date with bounds"
    proposed, low, high = (dt.date.fromisoformat(x) for x in m.groups())
    assert low == _today() and high == _today() + dt.timedelta(days=30)
    assert low <= proposed <= high


def test_a_deadline_in_the_past_or_too_far_is_refused(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "leader")
    for day in (_today() - dt.timedelta(days=1), _today() + dt.timedelta(days=45)):
        r = post(city_client, f"/cases/{case.code}/act/supervise",
                 {"reason": "请尽快处理", "reply_due": day.isoformat(), "version": str(case.version)})
        assert r.status_code == 422, r.text[:300]
        assert "reply_due" in shown_errors(r.text)
    assert _notices(city_session, case.id) == []


def test_the_deadline_set_is_stored_and_the_issuer_named(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "leader")
    day = _today() + dt.timedelta(days=5)
    r = post(city_client, f"/cases/{case.code}/act/supervise",
             {"reason": "请五天内答复", "reply_due": day.isoformat(), "version": str(case.version)})
    assert r.status_code == 303, r.text[:500]
    (notice,) = _notices(city_session, case.id)
    assert notice.reply_due_at.astimezone(city_zone()).date() == day
    page = city_client.get(f"/cases/{case.code}", headers=HTML).text
    issuer = re.search(r'class="muted issuer">(.*?)</p>', page, re.S)
    assert issuer is not None
    assert "演示市领导" in issuer.group(1) and "东莞市" in issuer.group(1)
    assert "leader" not in re.sub(r"<[^>]+>", "", issuer.group(1))  # a name, not a login
