"""``/api/v1`` around the cases: pagination and filters, ETag / If-Match, the tree of
categories, organisations by node, SLA rules, figures, who am I."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from huying.cases.models import Case
from tests.api.conftest import NOW, T1_URBAN, Api


def _report(api: Api, persona: str = "resident", **kw: object) -> dict:
    body = {"title": "路灯不亮", "description": "门口的灯", "lon": 113.05, "lat": 23.05, **kw}
    r = api.client.post("/api/v1/cases", json=body, headers=api.h(persona))
    assert r.status_code == 201, r.text
    return r.json()


def test_lists_are_paginated_with_total_and_link_headers(api: Api) -> None:
    codes = [_report(api, "admin", title=f"第{i}件")["code"] for i in range(5)]
    r = api.client.get("/api/v1/cases?limit=2&offset=2", headers=api.h("admin"))
    body = r.json()
    total = body["total"]
    assert total >= 8 and body["limit"] == 2 and body["offset"] == 2 and len(body["items"]) == 2
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["Link"]))
    assert set(links) == {"first", "prev", "next", "last"}
    assert "offset=0" in links["first"] and "offset=4" in links["next"] and "offset=0" in links["prev"]
    assert f"offset={(total - 1) // 2 * 2}" in links["last"]
    pages = []
    offset = 0
    while True:
        page = api.client.get(f"/api/v1/cases?limit=3&offset={offset}", headers=api.h("admin")).json()
        pages += [i["code"] for i in page["items"]]
        offset += 3
        if offset >= page["total"]:
            break
    assert len(pages) == len(set(pages)) == total and set(codes) <= set(pages)
    assert pages == sorted(pages, reverse=True)  # newest first


def test_lists_filter_by_status_node_unit_category_channel_and_time(api: Api) -> None:
    h = api.h("admin")
    get = lambda q: {i["code"] for i in api.client.get(f"/api/v1/cases?{q}", headers=h).json()["items"]}  # noqa: E731
    assert get("status=in_progress") == {api.cases["c2"]}
    assert get("node=441900102&limit=500") == {api.cases["c2"]}
    assert get(f"unit={T1_URBAN}") == {api.cases["c1"]}
    assert api.cases["c1"] in get("channel=resident_web&limit=500")
    since = (NOW + dt.timedelta(days=1)).isoformat()
    assert get(f"since={since.replace('+', '%2B')}") == set()
    c = _report(api, "admin", category="01.01.001")
    assert get("category=01") == {c["code"]} == get("category=01.01")
    for bad in ("status=nope", "unit=nope", "category=99", "channel=fax", "node=nope",
                "since=2025-01-01T00:00:00"):
        r = api.client.get(f"/api/v1/cases?{bad}", headers=h)
        assert r.status_code in (404, 422), (bad, r.text)
        assert r.json()["detail"]


def test_a_case_read_carries_its_version_as_etag(api: Api) -> None:
    code = api.cases["c1"]
    r = api.client.get(f"/api/v1/cases/{code}", headers=api.h("town"))
    tag = r.headers["ETag"]
    assert tag == f'"{r.json()["version"]}"'
    again = api.client.get(f"/api/v1/cases/{code}", headers=api.h("town", **{"If-None-Match": tag}))
    assert again.status_code == 304 and again.headers["ETag"] == tag


def test_a_stale_if_match_is_412_and_a_stale_expected_version_409(api: Api) -> None:
    case = _report(api, "resident")
    code, tag = case["code"], f'"{case["version"]}"'
    r = api.client.post(f"/api/v1/cases/{code}/actions/dispatch", json={"unit": T1_URBAN},
                        headers=api.h("town", **{"If-Match": tag}))
    assert r.status_code == 200 and r.headers["ETag"] == f'"{case["version"] + 1}"'
    # A second client still holding the old ETag:
    r = api.client.post(f"/api/v1/cases/{code}/actions/reject", json={"reason": "duplicate"},
                        headers=api.h("town", **{"If-Match": tag}))
    assert r.status_code == 412
    assert r.json()["error"] == "precondition_failed" and r.json()["actual"] == case["version"] + 1
    r = api.client.post(f"/api/v1/cases/{code}/actions/reject",
                        json={"reason": "duplicate", "expected_version": case["version"]},
                        headers=api.h("town"))
    assert r.status_code == 409 and r.json()["error"] == "stale_version"
    r = api.client.post(f"/api/v1/cases/{code}/actions/accept", json={},
                        headers=api.h("handler", **{"If-Match": "not-a-version"}))
    assert r.status_code == 422 and r.json()["field"] == "If-Match"
    with api.session() as s:
        assert s.scalar(select(Case.status).where(Case.code == code)) == "dispatched"


def test_the_category_tree_is_nested_three_levels_and_flat_on_request(api: Api) -> None:
    tree = api.client.get("/api/v1/categories").json()
    assert tree[0]["code"] == "01" and tree[0]["level"] == 1
    leaf = tree[0]["children"][0]["children"][0]
    assert leaf["code"] == "01.01.001" and leaf["level"] == 3 and leaf["parent"] == "01.01"
    flat = api.client.get("/api/v1/categories?flat=true").json()
    assert len(flat) == sum(1 + len(c["children"]) + sum(len(g["children"]) for g in c["children"]) for c in tree)
    one = api.client.get("/api/v1/categories/01.01").json()
    assert [c["code"] for c in one["children"]][:1] == ["01.01.001"]
    assert api.client.get("/api/v1/categories/99").status_code == 404


def test_organisations_by_node(api: Api) -> None:
    r = api.client.get("/api/v1/organisations?node=441900101")
    codes = [o["code"] for o in r.json()["items"]]
    assert codes == ["441900101-dept-housing", "441900101-dept-urban_management", "441900101-party"]
    below = api.client.get("/api/v1/organisations?node=441900101&below=true").json()
    assert {"441900101001-party", "441900101001001-team"} <= {o["code"] for o in below["items"]}
    assert below["total"] == 5
    depts = api.client.get("/api/v1/organisations?kind=department&limit=2").json()
    assert depts["total"] == 5 and len(depts["items"]) == 2
    one = api.client.get(f"/api/v1/organisations/{T1_URBAN}").json()
    assert one["node"] == "441900101" and one["level"] == "town" and one["department"] == "urban_management"
    assert api.client.get("/api/v1/organisations/nope").status_code == 404
    assert api.client.get("/api/v1/organisations?kind=club").status_code == 422


def test_sla_rules_are_validated_and_take_effect_at_once(api: Api) -> None:
    admin = api.h("admin")
    bad = [{"step": "handle", "amount": 1.5, "unit": "working_days"},
           {"step": "nap", "amount": 1, "unit": "hours"},
           {"step": "handle", "amount": 0, "unit": "hours"},
           {"step": "handle", "amount": 2, "unit": "hours", "category": "99"}]
    for body in bad:
        r = api.client.post("/api/v1/sla-rules", json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
    r = api.client.post("/api/v1/sla-rules", json={"step": "dispatch", "amount": 1, "unit": "hours",
                                                   "category": "01"}, headers=admin)
    assert r.status_code == 201
    rule = r.json()
    assert rule["describe"] == "dispatch 01 *: 1 hours"
    assert rule in api.client.get("/api/v1/sla-rules", headers=api.h("town")).json()
    case = _report(api, "resident", category="01.01.001")
    due = dt.datetime.fromisoformat(case["due_at"])
    assert due == NOW + dt.timedelta(hours=1)  # the new rule, not the cached defaults
    assert api.client.delete(f"/api/v1/sla-rules/{rule['id']}", headers=admin).status_code == 204
    assert api.client.delete(f"/api/v1/sla-rules/{rule['id']}", headers=admin).status_code == 404
    case = _report(api, "resident", category="01.01.001")
    assert dt.datetime.fromisoformat(case["due_at"]) != NOW + dt.timedelta(hours=1)


def test_figures_default_to_the_callers_node(api: Api) -> None:
    r = api.client.get("/api/v1/stats", headers=api.h("town2"))
    assert r.status_code == 200 and r.json()["node"]["code"] == "441900102"
    r = api.client.get("/api/v1/stats?node=441900&children=false", headers=api.h("leader"))
    assert r.json()["node"]["received"] >= 3 and "children" not in r.json()
    assert api.client.get("/api/v1/stats?node=nope", headers=api.h("leader")).status_code == 404


def test_me_tells_the_role_node_and_unit(api: Api) -> None:
    me = api.client.get("/api/v1/me", headers=api.h("handler")).json()
    assert me["role"] == "department_handler" and me["node"]["code"] == "441900101"
    assert me["organisation"]["code"] == T1_URBAN
    lon, lat = api.client.get("/api/v1/me", headers=api.h("resident")).json()["node"]["point"]
    assert 113.0 <= lon <= 113.1 and 23.0 <= lat <= 23.2


def test_the_public_list_is_paginated_and_filtered(api: Api) -> None:
    r = api.client.get("/api/v1/public/cases?node=441900102")
    assert [i["code"] for i in r.json()["items"]] == [api.cases["c2"]]
    assert "Link" in r.headers
    r = api.client.get("/api/v1/public/cases?status=in_progress")
    assert {i["code"] for i in r.json()["items"]} == {api.cases["c2"]}
    assert api.client.get("/api/v1/public/cases/441900-1999-000001").status_code == 404
    assert api.client.get("/api/v1/public/cases?city=999999").status_code == 404


def test_an_empty_category_is_a_rule_for_every_category(api: Api) -> None:
    """Found by the fuzzer: the rule was stored, then its answer failed with a 500."""
    admin = api.h("admin")
    r = api.client.post("/api/v1/sla-rules", json={"step": "accept", "amount": 1.0, "unit": "hours",
                                                   "category": " "}, headers=admin)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["category"] is None and rule in api.client.get("/api/v1/sla-rules", headers=admin).json()
    assert api.client.delete(f"/api/v1/sla-rules/{rule['id']}", headers=admin).status_code == 204
