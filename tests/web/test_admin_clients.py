"""An administrator creates an API client on its page: the key is shown once (only its
prefix afterwards), works for Open311 at once, and is refused at once when revoked. Others
may not open the page; a bad name is told, nothing stored."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huying.orgs.models import Role, User
from tests.web.scene import HTML, post, sign_in

V2 = "/open311/v2"


def _open311(client: TestClient, key: str) -> int:
    return client.post(f"{V2}/requests.json", data={
        "api_key": key, "service_code": "01.01.001", "description": "路灯不亮 客户端测试",
        "address_id": "441900121004001"}).status_code


def test_an_administrator_creates_and_revokes_a_client(city_client: TestClient, city_session: Session) -> None:
    sign_in(city_client, "admin")
    name = f"i东莞 {uuid.uuid4().hex[:4]}"
    r = post(city_client, "/admin/clients", {"name": name})
    assert r.status_code == 201, r.text
    key = re.search(r'id="key-value">([^<]+)<', r.text)
    assert key is not None
    key_value = key.group(1)
    assert _open311(city_client, key_value) == 200
    page = city_client.get("/admin/clients", headers=HTML).text
    assert name in page and key_value not in page and key_value[:10] in page  # the prefix only
    assert "接入应用" in page
    key_id = re.search(r'action="/admin/clients/keys/(\d+)/revoke"', page.split(name, 1)[1])
    assert key_id is not None
    r = post(city_client, f"/admin/clients/keys/{key_id.group(1)}/revoke")
    assert r.status_code == 303
    assert _open311(city_client, key_value) == 403
    # the same name twice, an empty one: told, nothing stored
    before = city_session.scalar(select(func.count()).select_from(User).where(User.role == Role.CLIENT.value))
    for bad, words in ((name, "已有同名"), ("   ", "请填写应用名称")):
        r = post(city_client, "/admin/clients", {"name": bad})
        assert r.status_code == 422 and words in r.text, r.text[-500:]
    assert city_session.scalar(select(func.count()).select_from(User).where(User.role == Role.CLIENT.value)) == before
    # a client is not made on the users' page
    r = post(city_client, "/admin/users", {"username": f"c{uuid.uuid4().hex[:6]}", "password": "a-long-passphrase-9",
                                            "role": "client", "node": "441900"})
    assert r.status_code == 422


def test_only_administrators_open_the_clients_page(city_client: TestClient) -> None:
    sign_in(city_client, "town")
    assert city_client.get("/admin/clients", headers=HTML).status_code == 403
    r = post(city_client, "/admin/clients", {"name": "偷偷建一个"})
    assert r.status_code == 403
