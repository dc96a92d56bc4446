"""The same redraw from the API, the pages and the CLI: preview, apply, refusals with their
reasons (422, nothing stored), scope (403)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.audit import AdminEvent
from huying.geo.models import Node
from huying.orgs import tokens
from huying.orgs.models import Role, User
from huying.orgs.service import create_user, hash_password
from tests.cases.conftest import T0, World
from tests.mapedit.helpers import COMM, GRID_B, A, fc, feature, split_b
from tests.web.scene import CSRF, HTML

Api = tuple[TestClient, dict[str, dict[str, str]], World]
GAP = fc(feature(A), feature(box(113.1, 23.0, 113.15, 23.2)))


def grids(engine: Engine) -> list[str]:
    with Session(engine) as s:
        return list(s.scalars(select(Node.code).where(Node.level == "grid", Node.code.startswith(COMM))
                              .order_by(Node.code)))


def audits(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AdminEvent)) or 0)


def town_admin_token(engine: Engine) -> dict[str, str]:
    with Session(engine) as s:
        town = s.scalar(select(Node).where(Node.code == "441900101"))
        assert town is not None
        user = create_user(s, username="admin_town1", password="", password_hash=hash_password("secret-pass"),
                           role=Role.ADMIN, node=town)
        _, token = tokens.create(s, user, "test", now=T0)
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_previews_applies_and_refuses(api: Api, api_engine: Engine) -> None:
    client, headers, _ = api
    r = client.post(f"/api/v1/admin/map/{COMM}/preview", json=split_b(), headers=headers["admin"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [k["code"] for k in body["kept"]] == [f"{COMM}001", GRID_B] and body["added"] == [f"{COMM}003"]
    assert len(body["old"]["features"]) == 2 and len(body["new"]["features"]) == 3
    assert grids(api_engine) == [f"{COMM}001", GRID_B]
    # refused: the reasons, nothing stored
    before = audits(api_engine)
    r = client.post(f"/api/v1/admin/map/{COMM}/apply", json=GAP, headers=headers["admin"])
    assert r.status_code == 422 and [i["kind"] for i in r.json()["issues"]] == ["gap"]
    assert grids(api_engine) == [f"{COMM}001", GRID_B] and audits(api_engine) == before
    # not an administrator; an administrator of another town
    r = client.post(f"/api/v1/admin/map/{COMM}/preview", json=split_b(), headers=headers["town"])
    assert r.status_code == 403
    other = town_admin_token(api_engine)
    r = client.post("/api/v1/admin/map/441900102001/apply", json=fc(feature(box(113.2, 23.0, 113.4, 23.2), name="合")),
                    headers=other)
    assert r.status_code == 403 and grids(api_engine) == [f"{COMM}001", GRID_B]
    r = client.post("/api/v1/admin/map/441900102001/rename", json={"name_zh": "别处"}, headers=other)
    assert r.status_code == 403
    # applied, within the town
    r = client.post(f"/api/v1/admin/map/{COMM}/apply?expected_version={body['map_version']}", json=split_b(),
                    headers=other)
    assert r.status_code == 200, r.text
    assert grids(api_engine) == [f"{COMM}001", GRID_B, f"{COMM}003"]
    r = client.post(f"/api/v1/admin/map/{COMM}/rename", json={"name_zh": "岗贝社区", "name_en": "Gangbei"},
                    headers=other)
    assert r.status_code == 200 and r.json()["name_zh"] == "岗贝社区"
    r = client.post(f"/api/v1/admin/map/{COMM}/rename", json={"name_zh": "  "}, headers=other)
    assert r.status_code == 422


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    token = CSRF.search(client.get("/login", headers=HTML).text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": "secret-pass", "csrf_token": token},
                    headers=HTML, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return CSRF.search(client.get(f"/admin/map?node={COMM}", headers=HTML).text).group(1)  # type: ignore[union-attr]


def _upload(client: TestClient, csrf: str, data: dict[str, Any], lang: str = "zh") -> Any:
    return client.post(f"/admin/map/preview?lang={lang}", data={"node": COMM, "csrf_token": csrf},
                       files={"file": ("grids.geojson", json.dumps(data).encode(), "application/geo+json")},
                       headers=HTML, follow_redirects=False)


def test_the_pages_preview_then_apply_and_say_why_a_file_is_refused(api: Api, api_engine: Engine) -> None:
    client, _, world = api
    csrf = _sign_in(client, "admin")
    page = client.get(f"/admin/map?node={COMM}", headers=HTML)
    assert page.status_code == 200 and 'id="upload-form"' in page.text
    r = _upload(client, csrf, GAP)
    assert r.status_code == 422 and 'data-kind="gap"' in r.text and "留有空隙" in r.text
    r = _upload(client, csrf, GAP, lang="en")
    assert "leave a gap" in r.text
    r = client.post("/admin/map/preview", data={"node": COMM, "csrf_token": csrf},
                    files={"file": ("x.geojson", b"{not json", "application/json")}, headers=HTML)
    assert r.status_code == 422 and 'data-error="not_json"' in r.text
    r = _upload(client, csrf, split_b())
    assert r.status_code == 200 and 'id="map-preview-data"' in r.text and 'data-state="new"' in r.text
    version = int(r.text.split('name="map_version" value="')[1].split('"')[0])
    assert grids(api_engine) == [f"{COMM}001", GRID_B]
    r = client.post("/admin/map/apply", data={"node": COMM, "csrf_token": csrf, "map_version": str(version),
                                              "geojson": json.dumps(split_b())}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and "done=applied" in r.headers["location"]
    assert grids(api_engine) == [f"{COMM}001", GRID_B, f"{COMM}003"]
    # the same preview again is stale now
    r = client.post("/admin/map/apply", data={"node": COMM, "csrf_token": csrf, "map_version": str(version),
                                              "geojson": json.dumps(split_b())}, headers=HTML)
    assert r.status_code == 422 and 'data-error="stale"' in r.text
    # a town officer is not an administrator
    csrf = _sign_in(client, "town")
    assert client.get(f"/admin/map?node={COMM}", headers=HTML).status_code == 403


def test_the_cli_previews_by_default_and_applies_when_told(fresh_engine: Engine, tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    from tests.cases.conftest import _reset_caches, build_world

    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    from huying.cli import app

    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_text(json.dumps(split_b()), encoding="utf-8")
    bad.write_text(json.dumps(GAP), encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["geo", "edit", str(good), "--parent", COMM, "--as", "admin"])
    assert r.exit_code == 0, r.output
    assert f"new {COMM}003" in r.output and "preview only" in r.output
    assert grids(fresh_engine) == [f"{COMM}001", GRID_B]
    r = runner.invoke(app, ["geo", "edit", str(bad), "--parent", COMM, "--as", "admin", "--apply"])
    assert r.exit_code == 1 and "gap" in r.output
    r = runner.invoke(app, ["geo", "edit", str(good), "--parent", COMM, "--as", "town", "--apply"])
    assert r.exit_code == 1 and "administrator" in r.output
    r = runner.invoke(app, ["geo", "edit", str(good), "--parent", COMM, "--as", "admin", "--apply"])
    assert r.exit_code == 0, r.output
    assert grids(fresh_engine) == [f"{COMM}001", GRID_B, f"{COMM}003"]
    r = runner.invoke(app, ["geo", "rename", COMM, "岗贝社区", "--name-en", "Gangbei", "--as", "admin"])
    assert r.exit_code == 0, r.output
    with Session(fresh_engine) as s:
        assert s.scalar(select(Node.name_zh).where(Node.code == COMM)) == "岗贝社区"
        assert s.scalar(select(User.id).where(User.username == "admin")) is not None
    _reset_caches()


TOWN = "441900101"
SPLIT = fc(feature(box(113.0, 23.0, 113.1, 23.2)), feature(box(113.1, 23.0, 113.2, 23.2), name="东社区", name_en="East"))
MERGED = fc(feature(box(113.0, 23.0, 113.2, 23.2)))
STRADDLE = fc(feature(box(113.0, 23.0, 113.05, 23.2), name="西社区"), feature(box(113.05, 23.0, 113.2, 23.2)))


def parent_of(engine: Engine, code: str) -> str:
    with Session(engine) as s:
        node = s.scalar(select(Node).where(Node.code == code))
        assert node is not None
        return str(s.scalar(select(Node.code).where(Node.id == node.parent_id)))


def test_communities_split_and_merge_with_their_grids_from_the_api(api: Api, api_engine: Engine) -> None:
    client, headers, world = api
    world.report("resident", lon=113.15, lat=23.1)
    world.session.commit()
    r = client.post(f"/api/v1/admin/map/{TOWN}/preview", json=STRADDLE, headers=headers["admin"])
    assert r.status_code == 422 and [(i["kind"], i["code"]) for i in r.json()["issues"]] == \
        [("grid_straddles", f"{COMM}001")]
    assert "redraw the grids first" in r.json()["detail"] and parent_of(api_engine, f"{COMM}001") == COMM
    other = town_admin_token(api_engine)  # an administrator of town 1 only
    r = client.post("/api/v1/admin/map/441900102/preview", json=fc(feature(box(113.2, 23.0, 113.4, 23.2))),
                    headers=other)
    assert r.status_code == 403
    r = client.post(f"/api/v1/admin/map/{TOWN}/preview", json=SPLIT, headers=other)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(g["code"], g["from_code"], g["to_code"]) for g in body["regrouped"]] == [(GRID_B, COMM, f"{TOWN}002")]
    assert len(body["cases"]) == 1 and body["cases"][0]["to_code"] == f"{TOWN}002"
    r = client.post(f"/api/v1/admin/map/{TOWN}/apply", json=SPLIT, headers=other)
    assert r.status_code == 200 and parent_of(api_engine, GRID_B) == f"{TOWN}002"
    r = client.post(f"/api/v1/admin/map/{TOWN}/apply", json=MERGED, headers=other)
    assert r.status_code == 200, r.text
    assert r.json()["retired"] == [{"code": f"{TOWN}002", "successor": COMM}]
    assert parent_of(api_engine, GRID_B) == COMM


def _upload_town(client: TestClient, csrf: str, data: dict[str, Any], lang: str = "zh") -> Any:
    return client.post(f"/admin/map/preview?lang={lang}", data={"node": TOWN, "csrf_token": csrf},
                       files={"file": ("communities.geojson", json.dumps(data).encode(), "application/geo+json")},
                       headers=HTML, follow_redirects=False)


def test_the_page_shows_the_grids_that_change_community_by_name_and_refuses_a_cut_grid(
        api: Api, api_engine: Engine) -> None:
    client, _, world = api
    world.report("resident", lon=113.15, lat=23.1)
    world.session.commit()
    csrf = _sign_in(client, "admin")
    assert 'id="map-regroup-hint"' in client.get(f"/admin/map?node={TOWN}", headers=HTML).text
    r = _upload_town(client, csrf, STRADDLE)
    assert r.status_code == 422 and 'data-kind="grid_straddles"' in r.text
    assert "测试1网格1" in r.text and "请先重划网格" in r.text
    r = _upload_town(client, csrf, SPLIT)
    assert r.status_code == 200, r.text[:500]
    table = r.text.split('id="map-regrouped"')[1].split("</table>")[0]
    assert "测试1网格2" in table and "测试1社区" in table and "东社区" in table
    assert table.count("<td>1</td>") == 1 and table.count("<td>0</td>") == 1  # one open case, no household
    assert "将调整所属村(社区)的网格：1 个" in r.text and "其中未办结的事件：1 件" in r.text
    version = int(r.text.split('name="map_version" value="')[1].split('"')[0])
    r = client.post("/admin/map/apply", data={"node": TOWN, "csrf_token": csrf, "map_version": str(version),
                                              "geojson": json.dumps(SPLIT)}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and "grids=1" in r.headers["location"]
    assert parent_of(api_engine, GRID_B) == f"{TOWN}002"
    assert "调整所属村(社区)的网格：1 个" in client.get(r.headers["location"], headers=HTML).text


def test_the_cli_splits_a_community_and_names_the_grids_that_move(fresh_engine: Engine, tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    from tests.cases.conftest import _reset_caches, build_world

    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    from huying.cli import app

    split, cut = tmp_path / "split.geojson", tmp_path / "cut.geojson"
    split.write_text(json.dumps(SPLIT), encoding="utf-8")
    cut.write_text(json.dumps(STRADDLE), encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["geo", "edit", str(cut), "--parent", TOWN, "--as", "admin", "--apply"])
    assert r.exit_code == 1 and f"grid {COMM}001" in r.output and "redraw the grids first" in r.output
    r = runner.invoke(app, ["geo", "edit", str(split), "--parent", TOWN, "--as", "admin", "--apply"])
    assert r.exit_code == 0, r.output
    assert f"grid {GRID_B} 测试1网格2: {COMM} → {TOWN}002 (code kept)" in r.output
    assert parent_of(fresh_engine, GRID_B) == f"{TOWN}002"
    _reset_caches()
