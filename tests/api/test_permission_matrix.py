"""The whole permission matrix: every persona × every endpoint × a case in and out of
their scope. Who sees which case is written down here by hand from the rules (a town
officer sees their town and below, a handler their unit's cases, a resident their own
reports), not computed by the policy under test. No endpoint may leak a case of another
town: out of scope is 404 everywhere, and lists hold exactly the visible cases."""

from __future__ import annotations

import re
from typing import Any

import pytest

from huying.cases.commands import SPECS as COMMANDS
from huying.cases.workflow import TABLE
from tests.api.conftest import PERSONAS, T1_URBAN, T2_URBAN, Api


@pytest.fixture(scope="module")
def api(module_api: Api) -> Api:
    """One app for the module (tests/api/conftest.py's ``module_api``)."""
    return module_api

#: case → the personas who may see it.
SEES = {
    "c1": {"resident", "gridworker", "community", "town", "city", "handler", "leader", "admin"},
    "c2": {"community2", "town2", "city", "handler2", "leader", "admin"},
    "c3": {"resident2", "community", "town", "city", "leader", "admin"},
}
ROLE = {"resident": "resident", "resident2": "resident", "gridworker": "grid_worker",
        "community": "community_officer", "community2": "community_officer",
        "town": "town_officer", "town2": "town_officer", "city": "city_officer",
        "handler": "department_handler", "handler2": "department_handler",
        "cityhandler": "department_handler", "leader": "leader", "admin": "admin", "client": "client"}
#: Parameters that make each command valid, so that only the rules decide.
PARAMS = {
    "classify": {"category": "01"}, "dispatch": {"unit": T1_URBAN}, "accept": {},
    "return": {"note": "不属于本单位"}, "transfer": {"unit": T2_URBAN},
    "add_cohandler": {"units": [T2_URBAN]}, "request_extension": {"days": 3, "note": "需采购"},
    "approve_extension": {}, "refuse_extension": {"note": "不同意"}, "escalate": {},
    "mark_handled": {"evidence": "已修复"}, "follow_up": {"satisfaction": "满意"},
    "reopen": {"satisfaction": "不满意"}, "close": {"resolution": "已解决"},
    "reject": {"reason": "duplicate"}, "supervise": {"reason": "请尽快"},
    "open_ledger": {"plan": "分三步", "milestones": [["采购", "2030-01-01T00:00:00+08:00"]]},
    "merge": {"into": "441900-2025-000001"}, "unmerge": {"note": "合并错了"},
    "record_part": {"note": "协办单位已清理"}, "complete_milestone": {"milestone": 1},
    # a service request's own commands (never legal on these problems: 403 to every role)
    "request_materials": {"note": "请补交身份证复印件"}, "supply_materials": {}, "deliver": {"how": "collected"},
}
#: Visible, the role may take the action, but the case is handled outside their scope.
OUT_OF_ACT_SCOPE = [("c3", "community", "transfer"), ("c3", "town", "escalate"),
                    ("c3", "town", "transfer"), ("c1", "gridworker", "accept"),
                    ("c1", "community", "transfer"), ("c3", "gridworker", "accept")]


def role_ever_may(persona: str, action: str) -> bool:
    return any(t.action.value == action and any(r.value == ROLE[persona] for r in t.roles) for t in TABLE)


def test_the_oracle_covers_every_persona_and_command() -> None:
    assert set(ROLE) == set(PERSONAS)
    assert {a.value for a in COMMANDS} <= set(PARAMS), "a new command needs its parameters here"


@pytest.mark.parametrize("persona", PERSONAS)
def test_reading_a_case_is_404_out_of_scope_and_200_in_it(api: Api, persona: str) -> None:
    for key, code in api.cases.items():
        r = api.client.get(f"/api/v1/cases/{code}", headers=api.h(persona))
        expected = 200 if persona in SEES[key] else 404
        assert r.status_code == expected, (persona, key, r.text)
        if expected == 404:
            assert code not in r.text or r.json()["detail"] == f"no case {code}"
        else:
            assert r.headers["ETag"] == f'"{r.json()["version"]}"'


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_command_is_404_out_of_scope_403_when_never_allowed(api: Api, persona: str) -> None:
    """With a stale If-Match nothing can change: a command that the rules let through is
    stopped at the precondition (412)."""
    versions = {}
    with api.session() as s:
        from huying.cases.models import Case

        for key, code in api.cases.items():
            versions[key] = s.query(Case.version).filter(Case.code == code).scalar()
    for key, code in api.cases.items():
        for action in sorted(a.value for a in COMMANDS):
            body = PARAMS[action]
            r = api.client.post(f"/api/v1/cases/{code}/actions/{action}", json=body,
                                headers=api.h(persona, **{"If-Match": '"999"'}))
            where = (persona, key, action, r.status_code, r.text)
            if persona not in SEES[key]:
                assert r.status_code == 404, where
                assert r.json() == {"error": "not_found", "detail": "no case " + code}, where
            elif not role_ever_may(persona, action):
                assert r.status_code == 403, where
            elif (key, persona, action) in OUT_OF_ACT_SCOPE:
                assert r.status_code == 403, where
            else:
                assert r.status_code in (403, 409, 412, 422), where
            assert r.json()["detail"], where
    with api.session() as s:
        for key, code in api.cases.items():
            assert s.query(Case.version).filter(Case.code == code).scalar() == versions[key]


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_hold_exactly_the_visible_cases(api: Api, persona: str) -> None:
    r = api.client.get("/api/v1/cases?limit=500", headers=api.h(persona))
    assert r.status_code == 200
    got = {i["code"] for i in r.json()["items"]}
    want = {api.cases[k] for k, who in SEES.items() if persona in who}
    assert got == want
    assert r.json()["total"] == len(want) == int(r.headers["X-Total-Count"])
    for node in ("441900101", "441900102"):
        r = api.client.get(f"/api/v1/cases?node={node}", headers=api.h(persona))
        assert {i["code"] for i in r.json()["items"]} <= want


@pytest.mark.parametrize("persona", PERSONAS)
def test_notices_of_another_town_are_invisible(api: Api, persona: str) -> None:
    r = api.client.get("/api/v1/notices?open_only=false", headers=api.h(persona))
    assert r.status_code == 200
    cases = {n["case"] for n in r.json()}
    assert cases == ({api.cases["c2"]} if persona in SEES["c2"] else set())
    if persona not in SEES["c2"]:  # (replying in scope is the closed loop's business)
        r = api.client.post(f"/api/v1/notices/{api.notice_id}/reply", json={"reply": "x"},
                            headers=api.h(persona))
        assert r.status_code == 404, r.text


#: Who may see the figures of town 2 (441900102): staff whose seat covers it.
STATS_TOWN2 = {"town2", "city", "handler2", "cityhandler", "leader", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_figures_are_for_staff_within_scope(api: Api, persona: str) -> None:
    r = api.client.get("/api/v1/stats?node=441900102", headers=api.h(persona))
    assert r.status_code == (200 if persona in STATS_TOWN2 else 403), (persona, r.text)
    if r.status_code == 200:
        assert r.json()["node"]["code"] == "441900102"
        assert r.json()["node"]["received"] == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_nodes_report_is_for_those_who_see_its_figures(api: Api, persona: str) -> None:
    r = api.client.get("/api/v1/reports/441900102?period=2025&format=html", headers=api.h(persona))
    assert r.status_code == (200 if persona in STATS_TOWN2 else 403), (persona, r.text[:300])
    if r.status_code == 200:
        assert r.headers["content-type"].startswith("text/html") and "测试2镇" in r.text


def test_a_reports_bad_period_or_format_is_refused_naming_it(api: Api) -> None:
    r = api.client.get("/api/v1/reports/441900102?period=2025X", headers=api.h("leader"))
    assert r.status_code == 422 and "period" in r.text
    r = api.client.get("/api/v1/reports/441900102?period=2025&format=docx", headers=api.h("leader"))
    assert r.status_code == 422 and "format" in r.text
    r = api.client.get("/api/v1/reports/441900102?period=2025&format=pdf", headers=api.h("town2"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_change_sla_rules(api: Api, persona: str) -> None:
    body = {"step": "handle", "amount": 4, "unit": "working_days", "priority": "low"}
    r = api.client.post("/api/v1/sla-rules", json=body, headers=api.h(persona))
    assert r.status_code == (201 if persona == "admin" else 403), r.text
    if r.status_code == 201:
        d = api.client.delete(f"/api/v1/sla-rules/{r.json()['id']}", headers=api.h("town"))
        assert d.status_code == 403
        assert api.client.delete(f"/api/v1/sla-rules/{r.json()['id']}", headers=api.h(persona)).status_code == 204


#: A file that splits grid 002 of community 441900101001 (the small city's): its west 60 % keeps
#: the code, the east 40 % is new.
SPLIT = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[113.0, 23.0], [113.1, 23.0], [113.1, 23.2], [113.0, 23.2], [113.0, 23.0]]]}},
    {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[113.1, 23.0], [113.16, 23.0], [113.16, 23.2], [113.1, 23.2], [113.1, 23.0]]]}},
    {"type": "Feature", "properties": {"name_zh": "新网格"}, "geometry": {"type": "Polygon", "coordinates": [
        [[113.16, 23.0], [113.2, 23.0], [113.2, 23.2], [113.16, 23.2], [113.16, 23.0]]]}}]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_edit_the_map(api: Api, persona: str) -> None:
    """The map's edits are an administrator's (the city's here); a preview stores nothing, so
    each persona asks the same; an apply and a rename by anyone else are refused."""
    r = api.client.post("/api/v1/admin/map/441900101001/preview", json=SPLIT, headers=api.h(persona))
    assert r.status_code == (200 if persona == "admin" else 403), (persona, r.text)
    if persona != "admin":
        for path, body in (("apply", SPLIT), ("rename", {"name_zh": "别名"})):
            r = api.client.post(f"/api/v1/admin/map/441900101001/{path}", json=body, headers=api.h(persona))
            assert r.status_code == 403, (persona, path, r.text)


#: A division list renaming community 441900101001 (the small city's).
DIVISIONS = "code,name,town_code,town_name\n441900101001,别名社区居民委员会,441900101,测试1镇\n"


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_import_a_division_list(api: Api, persona: str) -> None:
    """A division list renames communities: an administrator's (the city's here); anyone
    else is refused the preview and the apply, whatever the file."""
    for path in ("preview", "apply"):
        r = api.client.post(f"/api/v1/admin/divisions/{path}", headers=api.h(persona),
                            files={"file": ("list.csv", DIVISIONS.encode(), "text/csv")})
        assert r.status_code == (200 if persona == "admin" else 403), (persona, path, r.text)
    if persona == "admin":
        assert r.json()["renamed"] == 1 and r.json()["stored"] is True


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_only_admins_see_the_outbox_and_everyone_sees_only_their_own_contacts(api: Api, persona: str | None) -> None:
    r = api.client.get("/admin/outbox", headers=api.h(persona, accept="text/html"), follow_redirects=False)
    assert r.status_code == (200 if persona == "admin" else 303 if persona is None else 403), (persona, r.status_code)
    if persona is None:
        return
    if persona != "client":  # an application's account has a key, not a person's addresses
        put = api.client.put("/api/v1/me/notifications/email", json={"address": f"{persona}@example.org"},
                             headers=api.h(persona))
        assert put.status_code == 202, put.text
    mine = api.client.get("/api/v1/me/notifications", headers=api.h(persona)).json()["addresses"]
    assert set(mine) <= {"email"} and all(a["address"] == f"{persona}@example.org" for a in mine.values())
    page = api.client.get("/me/notifications", headers=api.h(persona, accept="text/html"))
    assert page.status_code == 200 and "@example.org" not in page.text.replace(f"{persona}@example.org", "")


#: Who reads the service circle's coverage of town 2: officers and leaders whose seat covers it.
CIRCLE_TOWN2 = {"town2", "city", "leader", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_service_circle_coverage_is_for_officers_and_leaders_within_scope(api: Api, persona: str) -> None:
    r = api.client.get("/api/v1/circle/coverage?node=441900102&item=no_such_item", headers=api.h(persona))
    # past the policy, the unknown item is the next refusal (404): the policy alone told 403
    assert r.status_code == (404 if persona in CIRCLE_TOWN2 else 403), (persona, r.text)
    n = api.client.get("/api/v1/circle/network", headers=api.h(persona))
    assert n.status_code == (200 if ROLE[persona] in {"community_officer", "town_officer", "city_officer",
                                                       "leader", "admin"} else 403), (persona, n.text)


PRIVATE = [("GET", "/api/v1/cases"), ("GET", "/api/v1/cases/{c1}"), ("POST", "/api/v1/cases"),
           ("POST", "/api/v1/cases/{c1}/actions/accept"), ("GET", "/api/v1/notices"),
           ("POST", "/api/v1/notices/{notice}/reply"), ("GET", "/api/v1/stats"),
           ("GET", "/api/v1/reports/441900102?period=2026&format=html"),
           ("GET", "/api/v1/sla-rules"), ("POST", "/api/v1/sla-rules"),
           ("DELETE", "/api/v1/sla-rules/1"), ("GET", "/api/v1/me"),
           ("GET", "/api/v1/me/notifications"), ("PUT", "/api/v1/me/notifications"),
           ("PUT", "/api/v1/me/notifications/email"), ("DELETE", "/api/v1/me/notifications/sms"),
           ("POST", "/api/v1/me/notifications/email/code"), ("POST", "/api/v1/me/notifications/sms/verify"),
           ("POST", "/api/v1/visits"), ("GET", "/api/v1/visits"), ("GET", "/api/v1/visits/coverage"),
           ("POST", "/api/v1/walks"), ("GET", "/api/v1/walks"), ("GET", "/api/v1/walks/figures"),
           ("GET", "/api/v1/walks/1"), ("POST", "/api/v1/walks/1/start"), ("POST", "/api/v1/walks/1/end"),
           ("POST", "/api/v1/walks/1/problems"),
           ("POST", "/api/v1/visits/assignments"),
           ("GET", "/api/v1/links"), ("GET", "/api/v1/links/figures"), ("GET", "/api/v1/links/mine"),
           ("GET", "/api/v1/links/members/1/households"), ("PATCH", "/api/v1/links/members/1"),
           ("POST", "/api/v1/links/members/1/leave"), ("POST", "/api/v1/links/households/H1/moved"),
           ("POST", "/api/v1/links/solve"),
           ("GET", "/api/v1/deployments"), ("POST", "/api/v1/deployments"), ("GET", "/api/v1/deployments/mine"),
           ("GET", "/api/v1/deployments/1"), ("POST", "/api/v1/deployments/1/checkins"),
           ("POST", "/api/v1/deployments/1/end"), ("GET", "/api/v1/deployments/1/roster.csv"),
           ("GET", "/api/v1/deployments/1/roster.xlsx"),
           ("GET", "/api/v1/register/households/H1"), ("GET", "/api/v1/register/locate?address=x"),
           ("GET", "/api/v1/circle/coverage?item=elder_canteen"), ("POST", "/api/v1/circle/proposals"),
           ("GET", "/api/v1/circle/network"), ("POST", "/api/v1/circle/network"),
           ("POST", "/api/v1/centres/C1/requests"), ("GET", "/api/v1/service-requests"),
           ("GET", "/api/v1/community/councils/members?node=441900101001"),
           ("POST", "/api/v1/community/councils/members"),
           ("GET", "/api/v1/community/councils/meetings?node=441900101001"),
           ("POST", "/api/v1/community/councils/meetings"), ("GET", "/api/v1/community/councils/meetings/1"),
           ("POST", "/api/v1/community/councils/meetings/1/decisions"),
           ("GET", "/api/v1/community/needs?node=441900101001"), ("POST", "/api/v1/community/needs"),
           ("GET", "/api/v1/community/needs/1"),
           ("GET", "/api/v1/community/services?node=441900101001"), ("POST", "/api/v1/community/services"),
           ("GET", "/api/v1/community/resources?node=441900101001"), ("POST", "/api/v1/community/resources"),
           ("POST", "/api/v1/community/matches/propose"), ("GET", "/api/v1/community/matches?node=441900101001"),
           ("GET", "/api/v1/community/matches/1"), ("POST", "/api/v1/community/matches/1/act"),
           ("POST", "/api/v1/exchange/projects"), ("POST", "/api/v1/exchange/projects/GY2019-0001/publish"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/start"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/complete"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/cancel"),
           ("PUT", "/api/v1/exchange/projects/GY2019-0001/milestones"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/milestones/1/reach"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/pledges"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/claim"),
           ("POST", "/api/v1/exchange/projects/GY2019-0001/agreements"),
           ("GET", "/api/v1/indicators"), ("GET", "/api/v1/indicators/values"),
           ("GET", "/api/v1/indicators/units"), ("GET", "/api/v1/indicators/received/records"),
           ("GET", "/api/v1/accountability/duties/lists"), ("POST", "/api/v1/accountability/duties/items"),
           ("PATCH", "/api/v1/accountability/duties/items/1"),
           ("POST", "/api/v1/accountability/duties/items/1/retire"),
           ("DELETE", "/api/v1/accountability/duties/items/1"),
           ("GET", "/api/v1/accountability/duties/evidence?node=441900101001&year=2025"),
           ("POST", "/api/v1/accountability/duties/evidence"),
           ("GET", "/api/v1/accountability/reviews"), ("POST", "/api/v1/accountability/reviews"),
           ("GET", "/api/v1/accountability/reviews/1"), ("POST", "/api/v1/accountability/reviews/1/reviewers"),
           ("POST", "/api/v1/accountability/reviews/1/report"), ("POST", "/api/v1/accountability/reviews/1/scores"),
           ("POST", "/api/v1/accountability/reviews/1/actions/open"),
           ("GET", "/api/v1/accountability/weak"), ("GET", "/api/v1/accountability/weak/counts"),
           ("GET", "/api/v1/accountability/weak/rules"), ("POST", "/api/v1/accountability/weak/rules"),
           ("POST", "/api/v1/accountability/weak/run"), ("POST", "/api/v1/accountability/weak"),
           ("GET", "/api/v1/accountability/weak/1"), ("POST", "/api/v1/accountability/weak/1/plan"),
           ("POST", "/api/v1/accountability/weak/1/milestones/1/complete"),
           ("POST", "/api/v1/accountability/weak/1/clear"), ("POST", "/api/v1/accountability/weak/1/clear-by-hand"),
           ("POST", "/api/v1/admin/map/441900101001/preview"), ("POST", "/api/v1/admin/map/441900101001/apply"),
           ("POST", "/api/v1/admin/map/441900101001/rename"),
           ("POST", "/api/v1/admin/divisions/preview"), ("POST", "/api/v1/admin/divisions/apply"),
           ("POST", "/api/v1/admin/accounts"), ("GET", "/api/v1/admin/accounts/1"),
           ("POST", "/api/v1/admin/accounts/1/seat"), ("POST", "/api/v1/admin/accounts/1/deactivate"),
           ("POST", "/api/v1/admin/accounts/1/reactivate"), ("POST", "/api/v1/admin/accounts/1/reset"),
           ("POST", "/api/v1/admin/accounts/1/require-change"), ("POST", "/api/v1/admin/tokens/1/revoke"),
           ("GET", "/api/v1/admin/audit"), ("POST", "/api/v1/admin/organisations"),
           ("POST", "/api/v1/admin/organisations/X1/rename"), ("POST", "/api/v1/admin/organisations/X1/move"),
           ("POST", "/api/v1/admin/organisations/X1/kind"), ("POST", "/api/v1/admin/organisations/X1/towns"),
           ("POST", "/api/v1/admin/organisations/X1/dissolve"), ("POST", "/api/v1/admin/people"),
           ("POST", "/api/v1/admin/people/1"), ("GET", "/api/v1/admin/people/1"),
           ("POST", "/api/v1/admin/people/1/link"), ("POST", "/api/v1/admin/people/1/unlink"),
           ("POST", "/api/v1/admin/import/organisations?dry_run=true")]


def test_the_public_gets_401_on_every_private_endpoint(api: Api) -> None:
    for method, path in PRIVATE:
        url = path.format(c1=api.cases["c1"], notice=api.notice_id)
        r = api.client.request(method, url, json={})
        assert r.status_code == 401, (method, url, r.status_code, r.text)
        assert api.cases["c1"] not in r.text


#: The API's public surface: what anyone may call without an account, each for its reason.
PUBLIC = {
    ("GET", "/api/v1/openapi.json"): "the API's description",
    ("GET", "/api/v1/categories"): "the category tree of the report form",
    ("GET", "/api/v1/categories/{code}"): "the category tree of the report form",
    ("GET", "/api/v1/workflow"): "the declared workflow table",
    ("GET", "/api/v1/public/cases"): "the anonymised public view",
    ("GET", "/api/v1/public/cases/{code}"): "the anonymised public view",
    ("GET", "/api/v1/geo/layers/{level}"): "the map's own outlines",
    ("GET", "/api/v1/geo/outlines/{level}/{z}/{x}/{y}"): "the map's own outlines",
    ("GET", "/api/v1/geo/locate"): "which grid a point is in, for the report form",
    ("GET", "/api/v1/geo/nodes/{code}"): "the tree of places",
    ("GET", "/api/v1/organisations"): "the directory of organisations",
    ("GET", "/api/v1/organisations/{code}"): "the directory of organisations",
    ("POST", "/api/v1/cases/similar"): "the report form's similar cases (points coarsened)",
    ("POST", "/api/v1/cases/{code}/join"): "a resident joins a case as a co-reporter",
    ("POST", "/api/v1/triage/suggest"): "the report form's category suggestion",
    ("GET", "/api/v1/centres/nearest"): "the resident's centre finder (centres are public places; the point is not kept)",
    ("GET", "/api/v1/circle/items"): "the service items the centre finder offers to choose from",
    ("GET", "/api/v1/exchange/projects"): "the public-welfare exchange: organisations browse posted projects",
    ("GET", "/api/v1/exchange/projects/{code}"): "a posted public-welfare project (organisations named, no person)",
}


def api_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path template) of every route under /api/v1/, routers included at any depth."""
    out: set[tuple[str, str]] = set()

    def walk(routes: Any) -> None:
        for r in routes:
            if hasattr(r, "effective_route_contexts"):
                for ctx in r.effective_route_contexts():
                    out.update((m, ctx.path) for m in (getattr(ctx.original_route, "methods", None) or ()))
            else:
                out.update((m, r.path) for m in (getattr(r, "methods", None) or ()))

    walk(app.routes)
    return {(m, p) for m, p in out if p.startswith("/api/v1/") and m not in ("HEAD", "OPTIONS")}


def test_every_endpoint_is_in_the_matrix(api: Api) -> None:
    """Every endpoint of the API is on the public surface (with its reason) or private and in
    :data:`PRIVATE`, so the public's 401 is checked on it: a new endpoint cannot be left out."""
    routes = api_routes(api.client.app)
    missing = []
    for method, template in sorted(routes - set(PUBLIC)):
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        if not any(m == method and pattern.match(p.split("?")[0]) for m, p in PRIVATE):
            missing.append((method, template))
    assert not missing, f"endpoints in no matrix: add them to PRIVATE (or PUBLIC, with a reason): {missing}"
    assert set(PUBLIC) <= routes, set(PUBLIC) - routes
    for method, template in PUBLIC:  # and the public surface is public indeed
        if "{" in template:
            continue
        r = api.client.request(method, template, json={"title": "路灯不亮", "description": "x"})
        assert r.status_code != 401, (method, template, r.text)


ANONYMISED_OUT = {"description", "reporter_kind", "reporter", "contact", "address", "actor",
                  "note", "allowed_actions", "resolution"}


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_the_public_view_is_anonymised_for_everyone(api: Api, persona: str | None) -> None:
    for code in api.cases.values():
        r = api.client.get(f"/api/v1/public/cases/{code}", headers=api.h(persona))
        assert r.status_code == 200
        body = r.json()
        assert not ANONYMISED_OUT & set(body)
        assert all(set(e) == {"seq", "at", "action", "to_status"} for e in body["events"])
        assert round(body["lon"], 3) == body["lon"] and round(body["lat"], 3) == body["lat"]
        assert "小区门口" not in r.text  # the description of c1
        r = api.client.get(f"/open311/v2/requests/{code}.json", headers=api.h(persona))
        assert r.status_code == 200
        [req] = r.json()
        assert "小区门口" not in r.text and req["description"] != "小区门口的路灯坏了三天"
        assert round(req["lat"], 3) == req["lat"]


# --------------------------------------------------------------------------- visits (驻点联系)
#: Household H1 lives in grid 1a (town 1), assigned to the grid worker; H3 in town 2,
#: assigned to community2. Who may record a visit of H1: its cadre and officers over it.
RECORDS_H1 = {"gridworker", "community", "town", "city", "admin"}
#: Who sees H1's visits: those, and the leader (city-wide, reads only).
SEES_H1 = RECORDS_H1 | {"leader"}
#: Who sees H3's visits (town 2).
SEES_H3 = {"community2", "town2", "city", "leader", "admin"}
#: Who sees no visits at all (403 on the list).
NO_VISITS = {"resident", "resident2", "handler", "handler2", "cityhandler", "client"}


@pytest.fixture
def households(api: Api) -> Api:
    """H1 and H3 in the served database, assigned (once per database)."""
    from sqlalchemy import select

    from huying.contact import service as register
    from huying.contact import visit_service as vs
    from huying.contact.models import Household
    from huying.intake.rows import Mode
    from huying.orgs.actor import actor_for
    from tests.api.conftest import NOW

    with api.session() as s:
        if s.scalar(select(Household.id).where(Household.code == "H1")) is None:
            city = actor_for(s, "city")
            for kind, rows in (("addresses", [{"address": "测试1镇测试1社区人民路12号", "lon": "113.05", "lat": "23.05"},
                                              {"address": "测试2镇测试2社区人民路12号", "lon": "113.25", "lat": "23.05"}]),
                               ("households", [{"code": "H1", "address": "测试1镇测试1社区人民路12号"},
                                               {"code": "H3", "address": "测试2镇测试2社区人民路12号"}])):
                rep = register.import_register(s, city, kind, list(enumerate(rows, start=2)), now=NOW,
                                               mode=Mode.ALL_OR_NOTHING)
                assert rep.stored, rep.problems
            vs.assign(s, actor_for(s, "community"), "H1", "gridworker", now=NOW)
            vs.assign(s, actor_for(s, "town2"), "H3", "community2", now=NOW)
    return api


@pytest.mark.parametrize("persona", PERSONAS)
def test_visits_are_recorded_by_the_cadre_and_officers_over_the_household(households: Api, persona: str) -> None:
    api = households
    r = api.client.post("/api/v1/visits", json={"household": "H1", "how": "door", "notes": persona},
                        headers=api.h(persona))
    assert r.status_code == (201 if persona in RECORDS_H1 else 403), (persona, r.text)
    assert r.json()["detail" if r.status_code == 403 else "household"]
    r = api.client.post("/api/v1/visits", json={"household": "H9", "how": "door"}, headers=api.h(persona))
    assert r.status_code in (403, 404), (persona, r.text)


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_lists_hold_only_the_households_in_scope(households: Api, persona: str) -> None:
    api = households
    with api.session() as s:
        from huying.contact import visit_service as vs
        from huying.orgs.actor import actor_for
        from tests.api.conftest import NOW

        vs.record_visit(s, actor_for(s, "community2"), vs.VisitIn("H3", "phone"), now=NOW)
        vs.record_visit(s, actor_for(s, "gridworker"), vs.VisitIn("H1", "phone"), now=NOW)
    r = api.client.get("/api/v1/visits?limit=500", headers=api.h(persona))
    if persona in NO_VISITS:
        assert r.status_code == 403, (persona, r.text)
        return
    assert r.status_code == 200, (persona, r.text)
    seen = {i["household"] for i in r.json()["items"]}
    want = ({"H1"} if persona in SEES_H1 else set()) | ({"H3"} if persona in SEES_H3 else set())
    assert seen == want, (persona, seen)
    assert r.json()["total"] == int(r.headers["X-Total-Count"]) == len(r.json()["items"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_visit_coverage_is_for_staff_within_scope(households: Api, persona: str) -> None:
    api = households
    r = api.client.get("/api/v1/visits/coverage?node=441900102&period=all", headers=api.h(persona))
    assert r.status_code == (200 if persona in STATS_TOWN2 else 403), (persona, r.text)
    if r.status_code == 200:
        assert r.json()["total"]["assigned"] == 1
    bad = api.client.get("/api/v1/visits/coverage?node=441900102&period=decade", headers=api.h(persona))
    assert bad.status_code in (403, 422) and bad.json()["detail"]


#: Who gives town 1's household H1 to a cadre: the officers whose scope covers it.
ASSIGNS_H1 = {"community", "town", "city", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_households_are_given_to_cadres_by_the_officers_over_them(households: Api, persona: str) -> None:
    api = households
    r = api.client.post("/api/v1/visits/assignments", json={"households": ["H1"], "cadre": "gridworker"},
                        headers=api.h(persona))
    assert r.status_code == (200 if persona in ASSIGNS_H1 else 403), (persona, r.text)
    both = api.client.post("/api/v1/visits/assignments", json={"households": ["H1", "H3"], "cadre": "city"},
                           headers=api.h(persona))
    assert both.status_code == (200 if persona in {"city", "admin"} else 403), (persona, both.text)


# --------------------------------------------------------------------------- accountability (#18)
#: Who reads the responsibility lists and the weak organisations: officers and leaders.
READS_DUTIES = {"community", "community2", "town", "town2", "city", "leader", "admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_responsibilities_and_weak_organisations_are_for_officers_and_leaders(api: Api, persona: str) -> None:
    for url in ("/api/v1/accountability/duties/lists", "/api/v1/accountability/weak",
                "/api/v1/accountability/weak/counts", "/api/v1/accountability/weak/rules"):
        r = api.client.get(url, headers=api.h(persona))
        assert r.status_code == (200 if persona in READS_DUTIES else 403), (persona, url, r.text)
    r = api.client.post("/api/v1/accountability/weak", json={"node": "441900102001", "reason": "班子软弱"},
                        headers=api.h(persona))
    # the officers above town 2's community and the city's leaders flag it (once a year: 409
    # after the first); no one else
    assert r.status_code in ((201, 409) if persona in {"town2", "city", "leader", "admin"} else (403,)), \
        (persona, r.text)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_administer_accounts_and_read_the_audit(api: Api, persona: str) -> None:
    from sqlalchemy import select

    from huying.orgs.models import User

    with api.session() as s:
        town2 = s.scalar(select(User.id).where(User.username == "town2"))
    for method, url in (("GET", "/api/v1/admin/audit"), ("GET", f"/api/v1/admin/accounts/{town2}"),
                        ("POST", f"/api/v1/admin/accounts/{town2}/require-change?required=false")):
        r = api.client.request(method, url, headers=api.h(persona))
        assert r.status_code == (200 if persona == "admin" else 403), (persona, url, r.status_code, r.text)
