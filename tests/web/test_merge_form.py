"""Merging a duplicate from the case page: the form proposes the open cases nearby that the
duplicate finder finds (or takes a code) and says what will happen; the merge succeeds and
close is not offered on the merged case. Before, the form never named the main case and
always failed with "表单中有内容不正确，请检查。"."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Case
from tests.web.scene import HTML, post, report, sign_in


def _pair(session: Session) -> tuple[Case, Case]:
    """Two reports of one problem, worded so that no other test's report looks like them."""
    primary = report(session, title="篮球场边的消防栓漏水，地面结冰")
    dupe = report(session, who="gridworker", title="篮球场消防栓漏水结冰")
    return primary, dupe


def test_the_merge_form_proposes_the_case_nearby_and_says_what_happens(city_client: TestClient,
                                                                       city_session: Session) -> None:
    primary, dupe = _pair(city_session)
    sign_in(city_client, "community")
    page = city_client.get(f"/cases/{dupe.code}", headers=HTML).text
    form = re.search(r'<details class="action" data-action="merge".*?</details>', page, re.S)
    assert form is not None
    assert f'name="into" value="{primary.code}"' in form.group(0)
    assert "主案件办结时本案件一并办结" in form.group(0)


def test_a_community_officer_merges_a_duplicate_from_the_case_page(city_client: TestClient,
                                                                    city_session: Session) -> None:
    primary, dupe = _pair(city_session)
    sign_in(city_client, "community")
    r = post(city_client, f"/cases/{dupe.code}/act/merge", {"into": primary.code, "version": str(dupe.version)})
    assert r.status_code == 303, r.text[:600]
    city_session.expire_all()
    merged = city_session.scalar(select(Case).where(Case.code == dupe.code))
    assert merged is not None and merged.status == "merged" and merged.duplicate_of_id == primary.id
    page = city_client.get(f"/cases/{dupe.code}", headers=HTML).text
    assert 'data-action="close"' not in page and 'data-action="unmerge"' in page


def test_a_code_typed_instead_of_picked_works_and_a_wrong_one_is_named(city_client: TestClient,
                                                                      city_session: Session) -> None:
    primary, dupe = _pair(city_session)
    sign_in(city_client, "community")
    bad = post(city_client, f"/cases/{dupe.code}/act/merge", {"into_code": "441900-1999-000001",
                                                               "version": str(dupe.version)})
    assert bad.status_code == 422 and "441900-1999-000001" in bad.text
    ok = post(city_client, f"/cases/{dupe.code}/act/merge", {"into_code": primary.code,
                                                              "version": str(dupe.version)})
    assert ok.status_code == 303
