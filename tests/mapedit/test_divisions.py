"""A division list (code, name, town_code, town_name) renames communities, lists the new codes
that need a polygon, and refuses bad rows by line and field with nothing stored: from the
service, the API, the pages and the CLI, within the administrator's scope."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.audit import AdminEvent
from huying.errors import NotPermitted
from huying.geo.models import MapVersion, Node
from huying.intake.rows import Mode
from huying.mapedit import divisions
from huying.orgs.actor import Actor
from huying.orgs.models import Role
from huying.orgs.service import create_user
from tests.cases.conftest import T0, World
from tests.mapedit.test_surfaces import _sign_in, audits, town_admin_token
from tests.web.scene import CSRF, HTML

Api = tuple[TestClient, dict[str, dict[str, str]], World]
HEADER = "code,name,town_code,town_name\n"
#: 测试1社区 becomes 岗贝社区 (its committee's full name, as the statistical list writes it);
#: 测试2社区 keeps its name; 441900101002 is new.
GOOD = (HEADER + "441900101001,岗贝社区居民委员会,441900101,测试1镇\n"
        "441900102001,测试2社区,441900102,测试2镇\n"
        "441900101002,中围村村民委员会,441900101,测试1镇\n")


def rows(text: str) -> list[tuple[int, dict[str, str]]]:
    return divisions.read_upload(text.encode(), "list.csv")


def name_of(engine_or_session: Engine | Session, code: str) -> str | None:
    if isinstance(engine_or_session, Session):
        return engine_or_session.scalar(select(Node.name_zh).where(Node.code == code))
    with Session(engine_or_session) as s:
        return s.scalar(select(Node.name_zh).where(Node.code == code))


def test_a_list_renames_a_community_with_its_audit_and_only_lists_a_new_code(world: World) -> None:
    s = world.session
    admin = world.actors["admin"]
    preview = divisions.check(s, admin, rows(GOOD))
    assert [(r.code, r.before_zh, r.after_zh) for r in preview.renames] == [("441900101001", "测试1社区", "岗贝社区")]
    assert name_of(s, "441900101001") == "测试1社区"  # a preview writes nothing
    version = s.scalar(select(MapVersion.version))
    rep = divisions.apply(s, admin, rows(GOOD), now=T0)
    assert rep.stored and rep.imported == 1 and rep.unchanged == 1 and not rep.problems
    assert [(n.line, n.code, n.name) for n in rep.new] == [(4, "441900101002", "中围村")]
    assert "redraw the communities of 441900101" in rep.as_dict()["new"][0]["hint"]
    assert name_of(s, "441900101001") == "岗贝社区"
    assert name_of(s, "441900101002") is None  # a community is a place: nothing without a polygon
    event = s.scalars(select(AdminEvent).where(AdminEvent.action == "rename")).one()
    assert event.detail["before"] == {"name_zh": "测试1社区"} and event.detail["after"] == {"name_zh": "岗贝社区"}
    assert event.detail["source"] == "division list" and event.detail["code"] == "441900101001"
    assert s.scalar(select(MapVersion.version)) == version + 1  # the outlines carry the names
    again = divisions.apply(s, admin, rows(GOOD), now=T0)
    assert not again.stored and again.unchanged == 2 and not again.renames


def test_every_refused_row_is_named_by_line_and_field_and_nothing_is_stored(world: World) -> None:
    s = world.session
    text = (HEADER + "441900101001,岗贝社区,441900101,测试1镇\n"  # good
            "4419001010,短码社区,441900101,测试1镇\n"  # 3: not 12 digits
            "441900102009,错镇社区,441900101,测试1镇\n"  # 4: not its town's code
            "441900109001,无镇社区,441900109,测试9镇\n"  # 5: no such town
            "441900101001,岗贝社区,441900101,测试1镇\n"  # 6: twice
            "441900102001,,441900102,测试2镇\n"  # 7: no name
            "441900102001,测试2社区,44190010x,测试2镇,extra\n")  # 8: extra value, bad town code
    rep = divisions.apply(s, world.actors["admin"], rows(text), now=T0)
    found = [(p.line, p.field, p.kind) for p in rep.problems]
    assert found == [(3, "code", "bad_code"), (4, "code", "other_town"), (5, "town_code", "no_town"),
                     (6, "code", "duplicate"), (7, "name", "no_name"), (8, "row", "extra_values")]
    assert rep.bad_lines == [3, 4, 5, 6, 7, 8] and not rep.stored and rep.imported == 0
    assert name_of(s, "441900101001") == "测试1社区"
    assert s.scalar(select(AdminEvent.id).where(AdminEvent.action == "rename")) is None
    # the same file storing the good rows
    rep = divisions.apply(s, world.actors["admin"], rows(text), now=T0, mode=Mode.SKIP_BAD)
    assert rep.stored and rep.imported == 1 and name_of(s, "441900101001") == "岗贝社区"


def test_an_administrator_renames_only_inside_their_town_and_others_are_refused(world: World) -> None:
    s = world.session
    town1 = s.scalar(select(Node).where(Node.code == "441900101"))
    user = create_user(s, username="admin_town1", password="", password_hash="x", role=Role.ADMIN, node=town1)
    s.commit()
    local = Actor.of(s, user)
    text = HEADER + "441900101001,岗贝社区,441900101,测试1镇\n441900102001,别处社区,441900102,测试2镇\n"
    rep = divisions.apply(s, local, rows(text), now=T0)
    assert [(p.line, p.field, p.kind) for p in rep.problems] == [(3, "town_code", "outside_scope")]
    assert not rep.stored and name_of(s, "441900102001") == "测试2社区"
    for persona in ("town", "community", "resident"):
        with pytest.raises(NotPermitted):
            divisions.check(s, world.actors[persona], rows(text))


def test_the_english_label_follows_a_rename_only_when_it_was_the_generated_one(world: World) -> None:
    s = world.session
    comm = s.scalar(select(Node).where(Node.code == "441900101001"))
    assert comm is not None
    comm.name_en = "Town 1 Community 001"  # the label the demo gives (town, kind, code)
    s.commit()
    rep = divisions.apply(s, world.actors["admin"], rows(HEADER + "441900101001,中围村,441900101,\n"), now=T0)
    assert rep.stored and comm.name_zh == "中围村" and comm.name_en == "Town 1 Village 001"
    comm.name_en = "Zhongwei"  # a name someone gave: kept
    s.commit()
    divisions.apply(s, world.actors["admin"], rows(HEADER + "441900101001,中围社区,441900101,\n"), now=T0)
    assert comm.name_zh == "中围社区" and comm.name_en == "Zhongwei"


def _multipart(text: str | bytes, name: str = "list.csv") -> dict[str, Any]:
    return {"file": (name, text.encode() if isinstance(text, str) else text, "text/csv")}


def test_the_api_previews_applies_and_refuses(api: Api, api_engine: Engine) -> None:
    client, headers, _ = api
    base = "/api/v1/admin/divisions"
    r = client.post(f"{base}/preview", files=_multipart(GOOD), headers=headers["admin"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["renamed"] == 1 and body["needs_polygon"] == 1 and body["stored"] is False
    assert body["renames"][0]["after_zh"] == "岗贝社区" and name_of(api_engine, "441900101001") == "测试1社区"
    before = audits(api_engine)
    bad = GOOD + "441900102009,错镇社区,441900101,测试1镇\n"
    r = client.post(f"{base}/apply", files=_multipart(bad), headers=headers["admin"])
    assert r.status_code == 422 and r.json()["problems"] == [
        {"line": 5, "field": "code", "reason": "441900102009 does not begin with its town's code 441900101",
         "kind": "other_town"}]
    assert name_of(api_engine, "441900101001") == "测试1社区" and audits(api_engine) == before
    r = client.post(f"{base}/apply", files=_multipart(b"\xff\xfe not text"), headers=headers["admin"])
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = client.post(f"{base}/apply", files=_multipart("名字\n岗贝\n"), headers=headers["admin"])
    assert r.status_code == 422 and "missing column" in r.json()["detail"]
    r = client.post(f"{base}/apply", files=_multipart(GOOD), headers=headers["town"])
    assert r.status_code == 403
    other = town_admin_token(api_engine)  # the administrator of town 1: town 2's row is refused
    r = client.post(f"{base}/apply?mode=skip-bad", files=_multipart(GOOD), headers=other)
    assert r.status_code == 200 and r.json()["stored"] is True and r.json()["bad_rows"] == 1
    assert name_of(api_engine, "441900101001") == "岗贝社区" and audits(api_engine) == before + 1


def test_the_page_previews_then_applies_and_says_why_rows_are_refused(api: Api, api_engine: Engine) -> None:
    client, _, _ = api
    csrf = _sign_in(client, "admin")
    page = client.get("/admin/divisions", headers=HTML)
    assert page.status_code == 200 and 'id="divisions-upload"' in page.text
    bad = GOOD + "441900102009,错镇社区,441900101,测试1镇\n"
    r = client.post("/admin/divisions/preview", data={"csrf_token": csrf}, files=_multipart(bad), headers=HTML)
    assert r.status_code == 200 and 'data-kind="other_town"' in r.text and "开头" in r.text
    assert 'id="divisions-apply"' not in r.text and 'id="divisions-blocked"' in r.text
    r = client.post("/admin/divisions/preview", data={"csrf_token": csrf}, files=_multipart(b"\x00\xff"),
                    headers=HTML)
    assert r.status_code == 422 and 'data-error="unreadable"' in r.text
    r = client.post("/admin/divisions/preview?lang=en", data={"csrf_token": csrf}, files=_multipart(GOOD),
                    headers=HTML)
    assert r.status_code == 200 and "need a polygon" in r.text and "/admin/map?node=441900101" in r.text
    data = re.search(r'name="data" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    assert name_of(api_engine, "441900101001") == "测试1社区"
    csrf = CSRF.search(r.text).group(1)  # type: ignore[union-attr]
    r = client.post("/admin/divisions/apply", data={"csrf_token": csrf, "data": data, "filename": "list.csv",
                                                    "mode": "all-or-nothing"}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/divisions?done=1"
    assert name_of(api_engine, "441900101001") == "岗贝社区"
    r = client.post("/admin/divisions/apply", data={"csrf_token": csrf, "data": "not base64!",
                                                    "filename": "list.csv"}, headers=HTML)
    assert r.status_code == 422
    _sign_in(client, "town")
    assert client.get("/admin/divisions", headers=HTML).status_code == 403


def test_the_cli_previews_by_default_and_applies_when_told(fresh_engine: Engine, tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    from tests.cases.conftest import _reset_caches, build_world

    with Session(fresh_engine, expire_on_commit=False) as s:
        build_world(s)
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    from huying.cli import app

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD + "441900102009,错镇社区,441900101,测试1镇\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["geo", "divisions", str(good), "--as", "admin"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["renamed"] == 1 and summary["applied"] is False and summary["new"][0]["code"] == "441900101002"
    assert name_of(fresh_engine, "441900101001") == "测试1社区"
    r = runner.invoke(app, ["geo", "divisions", str(bad), "--as", "admin", "--apply"])
    assert r.exit_code == 2 and f"{bad}:5: code:" in r.output and "nothing was stored" in r.output
    r = runner.invoke(app, ["geo", "divisions", str(good), "--as", "town", "--apply"])
    assert r.exit_code == 1 and "administrator" in r.output
    r = runner.invoke(app, ["geo", "divisions", str(good), "--as", "admin", "--apply"])
    assert r.exit_code == 0, r.output
    assert name_of(fresh_engine, "441900101001") == "岗贝社区"
    _reset_caches()
