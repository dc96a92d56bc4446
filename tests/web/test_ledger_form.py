"""The case page's ledger form: a plan, several dated milestones (empty rows left out) and a
supervising leader in scope; a bad row is named and nothing is stored."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Ledger, Milestone
from tests.web.scene import HTML, actor, in_progress, post, shown_errors, sign_in


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _ledger(session: Session, case_id: int) -> Ledger | None:
    session.expire_all()
    return session.scalar(select(Ledger).where(Ledger.case_id == case_id))


def _form(version: int, **rows: str) -> dict[str, str]:
    return {"plan": "先采购配件，再更换", "version": str(version), **rows}


def test_the_form_offers_rows_and_the_leaders_in_scope(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "gridworker")
    page = city_client.get(f"/cases/{case.code}", headers=HTML).text
    assert 'data-action="open_ledger"' in page
    assert all(f'name="milestone_{n}"' in page and f'name="milestone_due_{n}"' in page for n in range(1, 6))
    select = re.search(r'<select name="supervisor">(.*?)</select>', page, re.S)
    assert select is not None
    offered = re.findall(r'<option translate="no" value="([\w-]+)">([^<]*)</option>', select.group(1))
    assert offered == [("leader", "演示市领导 · 东莞市")]  # leaders only, by their login (the command's parameter)


def test_several_milestones_and_a_supervisor_are_stored(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    leader = actor(city_session, "leader")
    sign_in(city_client, "gridworker")
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1=_day(3),
        milestone_3="更换完毕", milestone_due_3=_day(10), supervisor="leader"))
    assert r.status_code == 303, r.text[:800]
    ledger = _ledger(city_session, case.id)
    assert ledger is not None and ledger.supervisor_id == leader.user_id
    titles = city_session.scalars(select(Milestone.title).where(Milestone.ledger_id == ledger.id)
                                  .order_by(Milestone.due_at)).all()
    assert titles == ["采购配件", "更换完毕"]
    page = city_client.get(f"/cases/{case.code}", headers=HTML).text
    assert 'id="ledger"' in page and "采购配件" in page and "更换完毕" in page


def test_a_row_without_a_date_is_named_and_nothing_is_stored(city_client: TestClient,
                                                             city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "gridworker")
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1=_day(3), milestone_3="更换完毕"))
    assert r.status_code == 422 and shown_errors(r.text) == ["milestones[2].due_at"]
    assert "节点 3：请填写一个今后的日期。" in r.text
    assert 'value="更换完毕"' in r.text and 'value="采购配件"' in r.text  # the rows are kept
    assert _ledger(city_session, case.id) is None


def test_a_past_date_or_a_missing_title_names_its_row(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "gridworker")
    # rows 2 and 4 filled: the service's "second milestone" is the form's row 4
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_2="采购配件", milestone_due_2=_day(3),
        milestone_4="更换完毕", milestone_due_4=_day(-2)))
    assert r.status_code == 422 and shown_errors(r.text) == ["milestones[3].due_at"]
    assert "节点 4" in r.text
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1=_day(3), milestone_due_2=_day(5)))
    assert r.status_code == 422 and shown_errors(r.text) == ["milestones[1].title"]
    assert "节点 2：请填写节点名称。" in r.text
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1="明天"))
    assert r.status_code == 422 and shown_errors(r.text) == ["milestones[0].due_at"]
    assert _ledger(city_session, case.id) is None


def test_the_supervisor_must_be_a_leader(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "gridworker")
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1=_day(3),
        supervisor="community"))
    assert r.status_code == 422 and shown_errors(r.text) == ["supervisor"]
    assert "请从列表中选择督办领导" in r.text
    assert _ledger(city_session, case.id) is None


def test_the_form_is_only_for_those_the_policy_allows(city_client: TestClient, city_session: Session) -> None:
    case = in_progress(city_session)
    sign_in(city_client, "town2")  # another town: the case does not exist for them
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1=_day(3)))
    assert r.status_code == 404
    sign_in(city_client, "resident")  # the reporter sees the case but may not open a ledger
    r = post(city_client, f"/cases/{case.code}/act/open_ledger", _form(
        case.version, milestone_1="采购配件", milestone_due_1=_day(3)))
    assert r.status_code == 403 and _ledger(city_session, case.id) is None
