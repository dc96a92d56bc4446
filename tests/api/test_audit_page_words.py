"""The audit page reads as words (issue 22), on SQLite and PostgreSQL: a reset link's expiry
in the city's time like every time on the pages (not ISO text in UTC), the tokens a
deactivation revoked under their label, an organisation's kind in words; the API keeps the
raw values for machines."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select

from huying.config import get_settings
from huying.geo.models import Node
from huying.orgs import accounts
from tests.api.conftest import NOW, Api

HTML = {"accept": "text/html"}
PASSWORD = "a-long-passphrase-9"


def _city_admin_signed_in(api: Api) -> None:
    name = f"w{uuid.uuid4().hex[:8]}"
    with api.session() as s:
        accounts.create(s, None, username=name, password=PASSWORD, role="admin",
                        node=s.scalar(select(Node).where(Node.code == "441900")), now=NOW, must_change=False)  # type: ignore[arg-type]
        s.commit()
    api.client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', api.client.get("/login", headers=HTML).text)
    assert csrf
    r = api.client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf.group(1)},
                        headers=HTML, follow_redirects=False)
    assert r.status_code == 303


def test_the_audit_page_shows_words_and_local_times_and_the_api_the_raw_values(api: Api) -> None:
    h = api.h("admin")
    with api.session() as s:
        town2 = s.scalar(select(accounts.User.id).where(accounts.User.username == "town2"))
    r = api.client.post(f"/api/v1/admin/accounts/{town2}/reset", headers=h)
    assert r.status_code in (200, 201), r.text
    expires = dt.datetime.fromisoformat(r.json()["expires_at"])
    assert api.client.post(f"/api/v1/admin/accounts/{town2}/deactivate", headers=h).status_code == 200
    r = api.client.post("/api/v1/admin/organisations/441900101-dept-housing/kind", headers=h,
                        json={"kind": "public_institution"})
    assert r.status_code == 200, r.text
    raw = api.client.get("/api/v1/admin/audit?subject=user", headers=h).json()["items"]
    assert any("T" in str(i["extra"].get("expires_at", "")) for i in raw)  # machines read ISO
    _city_admin_signed_in(api)
    page = api.client.get("/admin/audit", headers=HTML).text
    local = expires.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")
    assert f">{local}</time>" in page and " UTC" not in page  # the city's time, as L.when shows it
    assert "吊销的令牌" in page and "tokens_revoked" not in page and "request_id" not in page
    assert "事业单位" in page and "public_institution" not in page and "部门" in page
