"""Before a report is sent: the classifier's suggestion, the open cases that may be the same
problem ("is it one of these?"), and joining one as a co-reporter, over ``/api/v1``."""

from __future__ import annotations

from huying.config import get_settings
from tests.api.conftest import Api

#: Town 2, grid 2b: away from the cases the fixture made.
LON, LAT = 113.32, 23.15
LAMP = {"title": "小区东门口三盏路灯坏了", "description": "东门口的三盏路灯坏了三天，晚上很黑，老人出门不安全"}


def _report(api: Api, persona: str, **kw: object) -> dict:
    body = {**LAMP, "lon": LON, "lat": LAT, **kw}
    r = api.client.post("/api/v1/cases", json=body, headers=api.h(persona))
    assert r.status_code == 201, r.text
    return r.json()


def test_the_suggestion_is_what_intake_then_does(api: Api) -> None:
    r = api.client.post("/api/v1/triage/suggest", json=LAMP)  # anonymous: no account needed
    assert r.status_code == 200, r.text
    body = r.json()
    confidences = [s["confidence"] for s in body["suggestions"]]
    assert body["suggestions"] and confidences == sorted(confidences, reverse=True)
    assert body["suggestions"][0]["name"] == "城乡建设"
    top = body["suggestions"][0]
    assert body["confidence"] == top["confidence"]
    assert body["needs_review"] is (top["confidence"] < get_settings().triage_min_confidence)
    assert body["category"] is None or body["category"].split(".")[0] == top["category"]
    # the case reported with the same text gets the category the suggestion named
    case = _report(api, "resident2", lon=113.31, title=LAMP["title"] + "（建议）")
    assert case["category"] == api.client.post(
        "/api/v1/triage/suggest", json={**LAMP, "title": LAMP["title"] + "（建议）"}).json()["category"]
    codes = {c["code"] for c in api.client.get("/api/v1/categories?flat=true").json()}
    assert {s["category"] for s in body["suggestions"]} <= codes


def test_a_suggestion_needs_some_text_and_only_known_fields(api: Api) -> None:
    r = api.client.post("/api/v1/triage/suggest", json={"title": " ", "description": ""})
    assert r.status_code == 422 and r.json()["error"] == "invalid_input" and r.json()["field"] == "title"
    assert api.client.post("/api/v1/triage/suggest", json={"title": "x", "detail": "y"}).status_code == 422
    assert api.client.post("/api/v1/triage/suggest", json={"title": "x" * 201}).status_code == 422


def test_similar_open_cases_are_listed_with_public_fields_only(api: Api) -> None:
    first = _report(api, "resident", contact="13800000000")
    r = api.client.post("/api/v1/cases/similar", json={
        "title": "东门口路灯坏了", "description": "小区东门口的路灯坏了，晚上很黑", "lon": LON + 0.001, "lat": LAT})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items and items[0]["code"] == first["code"] and items[0]["likely"] is True
    item = items[0]
    assert set(item) == {"code", "title", "status", "status_label", "lon", "lat", "grid", "grid_name",
                         "grid_name_en", "reported_at", "distance_m", "similarity", "likely"}
    assert item["lon"] == round(item["lon"], 3) and item["distance_m"] % 50 == 0
    assert 50 <= item["distance_m"] <= 150 and item["status"] == "new"
    assert "13800000000" not in r.text and "老人出门" not in r.text
    # another problem at the same place is not the same problem
    other = api.client.post("/api/v1/cases/similar", json={
        "title": "学校门口有人摆摊", "description": "早上学生上学时很拥堵", "lon": LON, "lat": LAT}).json()
    assert first["code"] not in [i["code"] for i in other["items"] if i["likely"]]


def test_similar_refuses_a_place_outside_the_city(api: Api) -> None:
    r = api.client.post("/api/v1/cases/similar", json={**LAMP, "lon": 112.5, "lat": 22.5})
    assert r.status_code == 422 and r.json()["field"] == "location"
    r = api.client.post("/api/v1/cases/similar", json={**LAMP, "lon": 113.3})  # no lat
    assert r.status_code == 422


def test_a_reporter_joins_a_similar_case_and_then_follows_it(api: Api) -> None:
    first = _report(api, "resident", lon=113.33, title="小区西门口路灯全坏了")
    code = first["code"]
    mine = {"title": "西门口路灯坏了", "description": "小区西门口路灯坏了，晚上很黑", "lon": 113.3305, "lat": LAT}
    assert api.client.get(f"/api/v1/cases/{code}", headers=api.h("resident2")).status_code == 404
    assert api.client.post(f"/api/v1/cases/{code}/join", json=mine).status_code == 401
    r = api.client.post(f"/api/v1/cases/{code}/join", json=mine, headers=api.h("resident2"))
    assert r.status_code == 200, r.text
    assert r.json()["code"] == code and r.json()["status"] == "new"
    assert r.headers["Location"] == f"/api/v1/cases/{code}"
    seen = api.client.get(f"/api/v1/cases/{code}", headers=api.h("resident2")).json()
    assert seen["events"][-1]["action"] == "join"
    listed = api.client.get("/api/v1/cases", headers=api.h("resident2")).json()["items"]
    assert code in [c["code"] for c in listed]
    again = api.client.post(f"/api/v1/cases/{code}/join", json=mine, headers=api.h("resident2"))
    assert again.status_code == 422 and again.json()["field"] == "case"


def test_one_joins_only_a_case_near_ones_own_report_and_anonymously_with_a_contact(api: Api) -> None:
    code = _report(api, "resident", lon=113.34, title="小区北门口路灯全坏了")["code"]
    mine = {"title": "北门口路灯坏了", "description": "小区北门口路灯坏了，晚上很黑", "lon": 113.34, "lat": LAT}
    far = api.client.post(f"/api/v1/cases/{code}/join", json={**mine, "lon": 113.36}, headers=api.h("resident2"))
    assert far.status_code == 422 and far.json()["field"] == "case"
    anon = api.client.post(f"/api/v1/cases/{code}/join", json={**mine, "anonymous": True},
                           headers=api.h("resident2"))
    assert anon.status_code == 422 and anon.json()["field"] == "contact"
    ok = api.client.post(f"/api/v1/cases/{code}/join", json={**mine, "anonymous": True, "contact": "13900000000"},
                         headers=api.h("resident2"))
    assert ok.status_code == 200 and "Location" not in ok.headers  # anonymous: followed by its code only
    assert api.client.get(f"/api/v1/cases/{code}", headers=api.h("resident2")).status_code == 404
    assert api.client.post("/api/v1/cases/441900-2000-999999/join", json=mine,
                           headers=api.h("resident2")).status_code == 422


def test_residents_on_a_case_do_not_see_each_other(api: Api) -> None:
    code = _report(api, "resident", lon=113.35, title="小区南门口路灯全坏了")["code"]
    mine = {"title": "南门口路灯坏了", "description": "小区南门口路灯坏了，晚上很黑", "lon": 113.35, "lat": LAT}
    r = api.client.post(f"/api/v1/cases/{code}/join", json={**mine, "anonymous": True, "contact": "13911112222"},
                        headers=api.h("resident2"))
    assert r.status_code == 200, r.text
    reporter_view = api.client.get(f"/api/v1/cases/{code}", headers=api.h("resident")).json()
    join = reporter_view["events"][-1]
    assert join["action"] == "join" and join["actor"] is None and "coreporter" not in join["payload"]
    assert "13911112222" not in str(reporter_view) and "resident2" not in str(reporter_view)
    assert reporter_view["events"][0]["actor"] == "resident"  # one's own name stays
    # the staff who tell every reporter of the outcome see the co-reporter and the contact
    staff_view = api.client.get(f"/api/v1/cases/{code}", headers=api.h("town2")).json()
    assert staff_view["events"][-1]["payload"]["coreporter"]["contact"] == "13911112222"
    assert staff_view["events"][-1]["actor"] == "resident2"


def test_a_co_reporter_follows_the_case_but_reads_the_report_as_the_public_does(api: Api) -> None:
    first = _report(api, "resident", lon=113.31, title="小区后门口路灯全坏了",
                    description="后门口路灯坏了，我家住3栋502，晚上很黑", address="幸福路8号3栋")
    code = first["code"]
    mine = {"title": "后门口路灯坏了", "description": "小区后门口路灯坏了", "lon": 113.3101, "lat": LAT}
    r = api.client.post(f"/api/v1/cases/{code}/join", json=mine, headers=api.h("resident2"))
    assert r.status_code == 200, r.text
    theirs = api.client.get(f"/api/v1/cases/{code}", headers=api.h("resident2")).json()
    assert theirs["status"] == "new" and theirs["events"][0]["action"] == "report"
    assert theirs["description"] is None and theirs["address"] is None
    assert (theirs["lon"], theirs["lat"]) == (round(first["lon"], 3), round(first["lat"], 3))
    assert "3栋502" not in str(theirs) and "幸福路8号" not in str(theirs)
    # the reporter and the staff read the report as it was written
    for persona in ("resident", "town2"):
        full = api.client.get(f"/api/v1/cases/{code}", headers=api.h(persona)).json()
        assert "3栋502" in full["description"] and full["address"] == "幸福路8号3栋"
        assert full["lon"] == first["lon"]


def test_a_report_s_caller_is_refused_before_anything_is_read_or_stored(api: Api) -> None:
    """The report route resolves its caller in its own thread (``actor_in_thread``): a
    request with no credentials or a malformed header is still refused before its body is
    read, a wrong token before anything is stored, each with its reason."""
    from sqlalchemy import func, select

    from huying.cases.models import Case

    with api.session() as s:
        before = s.scalar(select(func.count()).select_from(Case))
    bad_body = {"title": "", "lon": "east"}
    r = api.client.post("/api/v1/cases", json=bad_body)
    assert r.status_code == 401 and "API token" in r.text and r.headers["WWW-Authenticate"] == "Bearer"
    r = api.client.post("/api/v1/cases", json=bad_body, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "Bearer <token>" in r.text
    good = {**LAMP, "lon": LON, "lat": LAT}
    r = api.client.post("/api/v1/cases", json=good, headers={"Authorization": "Bearer hy_not_a_token_at_all"})
    assert r.status_code == 401 and "invalid or revoked token" in r.text
    with api.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before
    # the same body with a real token is stored, with the caller as its reporter
    case = _report(api, "resident2", title=LAMP["title"] + "（验证）")
    with api.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before + 1
        assert s.scalar(select(Case.reporter_id).where(Case.code == case["code"])) is not None
