"""A resident's case page never shows an internal note: the workflow's audience rules
(``workflow.audience_of``) decide which steps and which notes a reporter reads."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cases.workflow import Audience, audience_of
from tests.web.scene import HTML, HUMEN_GRID, actor, report, sign_in, utcnow

INTERNAL = "内部备注：先别告诉群众"


def test_a_residents_timeline_never_shows_an_internal_note(
        city_client: TestClient, city_session: Session) -> None:
    assert audience_of("dispatch")[1] is Audience.STAFF  # a dispatcher's note is the office's
    assert audience_of("return")[1] is Audience.STAFF
    case = report(city_session, title="路口积水")
    community = actor(city_session, "community")
    svc.dispatch(city_session, case, community, unit=f"{HUMEN_GRID}-team", note=INTERNAL, now=utcnow())
    svc.return_to_dispatcher(city_session, case, actor(city_session, "gridworker"),
                             note=INTERNAL + "（回退）", now=utcnow())
    city_session.commit()

    sign_in(city_client, "community")
    staff = city_client.get(f"/cases/{case.code}", headers=HTML).text
    assert INTERNAL in staff  # the office reads it

    sign_in(city_client, "resident")
    mine = city_client.get(f"/cases/{case.code}", headers=HTML)
    assert mine.status_code == 200
    assert "内部备注" not in mine.text
    assert 'data-action="dispatch"' in mine.text  # the step itself is theirs to follow
    assert "已派给处理单位" in mine.text  # in the resident's words, not the office's
    city_client.cookies.clear()
    public = city_client.get(f"/public/cases/{case.code}", headers=HTML).text
    assert "内部备注" not in public
