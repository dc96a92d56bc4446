"""Open311 GeoReport v2: every resource in JSON (checked against schemas written from the
spec) and XML (parsed with ElementTree), the spec's errors, the filters and the pagination
extension, mySociety's statuses, and creating requests through the same intake."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from huying.api import coords
from huying.api.open311 import DEMO_API_KEY, install_demo_api_key
from tests.api import open311_schemas as S
from tests.api.conftest import NOW, T0, Api

V2 = "/open311/v2"


def xml(r: Any, root: str) -> ET.Element:
    assert r.headers["content-type"].startswith("text/xml"), r.headers["content-type"]
    assert r.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    el = ET.fromstring(r.content)
    assert el.tag == root
    return el


def post(api: Api, persona: str = "client", fmt: str = "json", **form: str) -> Any:
    data = {"api_key": api.tokens[persona], "service_code": "01.01.001", "lat": "23.05", "long": "113.05",
            "description": "路面塌陷，很危险", **form}
    return api.client.post(f"{V2}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def test_discovery(api: Api) -> None:
    d = S.check(S.DISCOVERY, api.client.get(f"{V2}/discovery.json").json())
    assert d["endpoints"][0]["url"].endswith("/open311/v2")
    root = xml(api.client.get(f"{V2}/discovery.xml"), "discovery")
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_are_the_leaf_categories_grouped_by_the_levels_above(api: Api) -> None:
    services = S.check(S.SERVICES, api.client.get(f"{V2}/services.json").json())
    tree = api.client.get("/api/v1/categories?flat=true").json()
    leaves = [c for c in tree if c["level"] == 3]
    assert [s["service_code"] for s in services] == [c["code"] for c in leaves]
    first = services[0]
    names = {c["code"]: c["name_zh"] for c in tree}
    assert first["group"] == f"{names['01']} / {names['01.01']}" and first["metadata"] is True
    root = xml(api.client.get(f"{V2}/services.xml"), "services")
    items = root.findall("service")
    assert len(items) == len(services)
    assert {c.tag for c in items[0]} == set(first)
    assert items[0].findtext("metadata") == "true" and items[0].findtext("service_code") == "01.01.001"


def test_a_service_definition_lists_its_attributes(api: Api) -> None:
    d = S.check(S.SERVICE_DEFINITION, api.client.get(f"{V2}/services/01.01.001.json").json())
    assert [a["code"] for a in d["attributes"]] == ["title", "priority"]
    root = xml(api.client.get(f"{V2}/services/01.01.001.xml"), "service_definition")
    assert root.findtext("service_code") == "01.01.001"
    keys = [v.findtext("key") for v in root.iter("value")]
    assert keys == ["low", "normal", "urgent", "emergency"]
    for code in ("01", "01.01", "99.99.999"):  # not a leaf, not a category
        r = api.client.get(f"{V2}/services/{code}.json")
        assert r.status_code == 404 and S.check(S.ERRORS, r.json())[0]["code"] == 404


def test_posting_a_request_creates_a_case_through_the_intake(api: Api) -> None:
    r = post(api, **{"attribute[priority]": "urgent", "attribute[title]": "路面塌陷",
                     "media_url": "https://example.org/hole.jpg", "account_id": "app-42", "phone": "13800000000"})
    assert r.status_code == 200, r.text
    [created] = S.check(S.CREATED, r.json())
    code = created["service_request_id"]
    assert created["account_id"] == "app-42" and "handled" not in created["service_notice"]
    case = api.client.get(f"/api/v1/cases/{code}", headers=api.h("admin")).json()
    assert case["channel"] == "open311" and case["priority"] == "urgent" and case["title"] == "路面塌陷"
    assert case["category"] == "01.01.001" and case["grid"] == "441900101001001"
    # WGS-84 in, the city's GCJ-02 stored, WGS-84 (rounded) out.
    assert (case["lon"], case["lat"]) == pytest.approx(coords.wgs84_to_gcj02(113.05, 23.05))
    [req] = S.check(S.REQUESTS, api.client.get(f"{V2}/requests/{code}.json").json())
    assert (req["long"], req["lat"]) == (113.05, 23.05)
    assert req["media_url"] == "https://example.org/hole.jpg" and req["status"] == "open"
    token = r.headers["Open311-Token"]
    t = S.check(S.TOKEN, api.client.get(f"{V2}/tokens/{token}.json").json())
    assert t == [{"service_request_id": code, "token": token}]
    assert xml(api.client.get(f"{V2}/tokens/{token}.xml"), "service_requests").findtext("request/token") == token
    assert api.client.get(f"{V2}/tokens/nope.json").status_code == 404


def test_a_request_may_be_placed_by_address_or_address_id(api: Api) -> None:
    r = post(api, lat=None, long=None, address_string="测试1镇 测试1网格2 菜市场门口")
    code = r.json()[0]["service_request_id"]
    assert api.client.get(f"/api/v1/public/cases/{code}").json()["grid"] == "441900101001002"
    r = post(api, "client", "xml", lat=None, long=None, address_id="441900102001001")
    assert r.status_code == 200, r.text
    code = xml(r, "service_requests").findtext("request/service_request_id")
    assert api.client.get(f"/api/v1/public/cases/{code}").json()["grid"] == "441900102001001"


@pytest.mark.parametrize(("form", "status", "words"), [
    ({"api_key": None}, 400, "api_key"),
    ({"api_key": "hy_wrong_wrong_wrong"}, 403, "api_key"),
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "42"}, 404, "service_code"),
    ({"jurisdiction_id": "999999"}, 404, "jurisdiction_id"),
    ({"lat": None, "long": None}, 400, "location"),
    ({"lat": None, "long": None, "address_string": "火星"}, 400, "address_string"),
    ({"lat": None, "long": None, "address_id": "nope"}, 404, "address_id"),
    ({"lat": "north"}, 400, "lat"),
    ({"long": None}, 400, "lat and long"),
    ({"lat": "0", "long": "0"}, 400, "location"),
    ({"attribute[priority]": "asap"}, 400, "priority"),
    ({"description": "x" * 4001}, 400, "4,000"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
])
def test_bad_requests_get_the_specs_errors(api: Api, form: dict[str, Any], status: int, words: str) -> None:
    r = post(api, **form)
    [err] = S.check(S.ERRORS, r.json())
    assert r.status_code == err["code"] == status and words in err["description"], r.text
    x = xml(post(api, fmt="xml", **form), "errors")
    assert x.findtext("error/code") == str(status) and words in (x.findtext("error/description") or "")


def test_unknown_formats_are_400(api: Api) -> None:
    r = api.client.get(f"{V2}/services.csv")
    assert r.status_code == 400 and S.check(S.ERRORS, r.json())[0]["code"] == 400


def test_statuses_map_to_open_closed_and_the_extended_vocabulary(api: Api) -> None:
    reqs = {r["service_request_id"]: r for r in S.check(S.REQUESTS, api.client.get(
        f"{V2}/requests.json?service_request_id={','.join(api.cases.values())}").json())}
    c1, c2, c3 = (reqs[api.cases[k]] for k in ("c1", "c2", "c3"))
    assert (c1["status"], c1["status_extended"]) == ("open", "action_scheduled")
    assert (c2["status"], c2["status_extended"]) == ("open", "in_progress")
    assert c3["status_extended"] == "internal_referral"  # escalated to the city
    assert c2["agency_responsible"] == "441900102-dept-urban_management"
    case = api.client.get(f"/api/v1/cases/{api.cases['c2']}", headers=api.h("admin")).json()
    assert dt.datetime.fromisoformat(c2["expected_datetime"]) == dt.datetime.fromisoformat(case["due_at"])
    assert c2["expected_datetime"].endswith("+08:00") and c2["address_id"] == "441900102001001"
    # Rejected as a duplicate, and a closed one.
    dup = post(api).json()[0]["service_request_id"]
    r = api.client.post(f"/api/v1/cases/{dup}/actions/reject", json={"reason": "duplicate"}, headers=api.h("town"))
    assert r.status_code == 200, r.text
    fixed = post(api).json()[0]["service_request_id"]
    for persona, action, body in [("town", "dispatch", {"unit": "441900101-dept-urban_management"}),
                                  ("handler", "accept", {}), ("handler", "mark_handled", {"evidence": "补好了"}),
                                  ("gridworker", "follow_up", {"satisfaction": "满意"}), ("town", "close", {})]:
        r = api.client.post(f"/api/v1/cases/{fixed}/actions/{action}", json=body, headers=api.h(persona))
        assert r.status_code == 200, r.text
    got = {r["service_request_id"]: r for r in api.client.get(
        f"{V2}/requests.json?service_request_id={dup},{fixed}").json()}
    assert (got[dup]["status"], got[dup]["status_extended"]) == ("closed", "duplicate")
    assert (got[fixed]["status"], got[fixed]["status_extended"]) == ("closed", "fixed")
    assert got[fixed]["expected_datetime"] is None
    closed = api.client.get(f"{V2}/requests.json?status=closed").json()
    assert {dup, fixed} <= {r["service_request_id"] for r in closed}
    assert all(r["status"] == "closed" for r in closed)
    assert all(r["status"] == "open" for r in api.client.get(f"{V2}/requests.json?status=open").json())
    ups = S.check(S.UPDATES, api.client.get(f"{V2}/servicerequestupdates.json?service_request_id={fixed}").json())
    assert [u["status"] for u in ups] == ["open", "action_scheduled", "in_progress", "fixed", "fixed", "fixed"]
    assert [u["external_status_code"] for u in ups][-1] == "closed"
    root = xml(api.client.get(f"{V2}/servicerequestupdates.xml?service_request_id={fixed}"), "service_request_updates")
    assert len(root.findall("request_update")) == len(ups)


def test_get_requests_filters_dates_codes_and_pages(api: Api) -> None:
    everything = S.check(S.REQUESTS, api.client.get(f"{V2}/requests.json").json())
    assert {api.cases["c1"], api.cases["c2"], api.cases["c3"]} <= {r["service_request_id"] for r in everything}
    times = [r["requested_datetime"] for r in everything]
    assert times == sorted(times, reverse=True)
    early = api.client.get(f"{V2}/requests.json", params={"start_date": "2025-03-03T00:00:00Z",
                                                           "end_date": "2025-03-03T08:00:00Z"}).json()
    assert {r["service_request_id"] for r in early} == set(api.cases.values())
    assert api.client.get(f"{V2}/requests.json", params={"end_date": "2025-03-02T00:00:00Z"}).json() == []
    span = api.client.get(f"{V2}/requests.json", params={"start_date": "2025-01-01T00:00:00Z",
                                                          "end_date": "2025-06-01T00:00:00Z"})
    assert span.status_code == 400 and "90 days" in span.json()[0]["description"]
    assert api.client.get(f"{V2}/requests.json?start_date=yesterday").status_code == 400
    post(api, service_code="01.01.002")
    only = api.client.get(f"{V2}/requests.json?service_code=01.01.002").json()
    assert only and {r["service_code"] for r in only} == {"01.01.002"}
    everything = api.client.get(f"{V2}/requests.json").json()
    pages = [api.client.get(f"{V2}/requests.json?page={p}&page_size=2").json() for p in (1, 2, 3, 50)]
    flat = [r["service_request_id"] for page in pages[:3] for r in page]
    assert flat == [r["service_request_id"] for r in everything[:6]] and pages[3] == []
    assert api.client.get(f"{V2}/requests.json?page=0").status_code == 400
    assert api.client.get(f"{V2}/requests.json?page_size=1001").status_code == 400
    assert api.client.get(f"{V2}/requests.json?status=pending").status_code == 400
    root = xml(api.client.get(f"{V2}/requests.xml?page_size=3"), "service_requests")
    assert [e.findtext("service_request_id") for e in root.findall("request")] == \
        [r["service_request_id"] for r in everything[:3]]
    r = api.client.get(f"{V2}/requests/441900-1999-000009.xml")
    assert r.status_code == 404 and xml(r, "errors").findtext("error/code") == "404"
    assert api.client.get(f"{V2}/requests.json?jurisdiction_id=441900").status_code == 200
    assert api.client.get(f"{V2}/requests.json?jurisdiction_id=110000").status_code == 404
    assert T0 < NOW


def test_the_demo_api_key_is_installed_once(api: Api) -> None:
    from sqlalchemy import select

    from huying.orgs.models import User

    with api.session() as s:
        assert install_demo_api_key(s, api.city_id, now=NOW) == DEMO_API_KEY
        assert install_demo_api_key(s, api.city_id, now=NOW) == DEMO_API_KEY
        s.commit()
        # an API client (huying.orgs.clients), not a person's account
        assert s.scalar(select(User.role).where(User.display_name == "open311-demo")) == "client"
    r = api.client.post(f"{V2}/requests.json", data={
        "api_key": DEMO_API_KEY, "service_code": "01.01.001", "lat": "23.05", "long": "113.05",
        "description": f"demo {uuid.uuid4().hex[:6]}"})
    assert r.status_code == 200, r.text
