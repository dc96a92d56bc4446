"""ASVS 5.0 level-2 requirements that had no test of their own (``docs/security.md`` cites
each): output encoding, parameterised queries, uploaded file names, a deactivated account's
sessions (``tests/web/test_sessions_and_csrf.py``), and credentials at rest."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import func, select

from huying.cases.models import Attachment, Case
from huying.orgs.models import ApiToken, User
from tests.api.conftest import Api
from tests.web.scene import HTML

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PLACE = {"description": "门口", "lon": 113.05, "lat": 23.05}


def test_markup_in_a_title_is_escaped_on_the_pages(api: Api) -> None:  # ASVS 1.2.1
    title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    r = api.client.post("/api/v1/cases", json={"title": title, **PLACE}, headers=api.h("resident"))
    assert r.status_code == 201, r.text
    page = api.client.get(f"/public/cases/{r.json()['code']}", headers=HTML).text
    assert "&lt;script&gt;" in page and "<script>alert" not in page and "<img src=x" not in page


def test_sql_in_text_is_stored_as_text(api: Api) -> None:  # ASVS 1.2.4
    title = "路灯'); DROP TABLE cases; -- ' OR '1'='1"
    with api.session() as s:
        before = s.scalar(select(func.count(Case.id)))
    r = api.client.post("/api/v1/cases", json={"title": title, **PLACE}, headers=api.h("resident"))
    assert r.status_code == 201, r.text
    assert api.client.get(f"/api/v1/cases/{r.json()['code']}", headers=api.h("resident")).json()["title"] == title
    with api.session() as s:
        assert s.scalar(select(func.count(Case.id))) == before + 1


def test_an_uploaded_file_name_never_chooses_where_it_is_stored(api: Api) -> None:  # ASVS 5.3.2
    photo = {"filename": "../../../../etc/cron.d/x.png", "content_base64": base64.b64encode(PNG).decode()}
    r = api.client.post("/api/v1/cases", json={"title": "井盖缺失", **PLACE, "photos": [photo]},
                        headers=api.h("resident"))
    assert r.status_code == 201, r.text
    with api.session() as s:
        att = s.scalars(select(Attachment).join(Case, Case.id == Attachment.case_id)
                        .where(Case.code == r.json()["code"])).one()
    assert ".." not in att.stored_path and att.stored_path.endswith(f"{hashlib.sha256(PNG).hexdigest()}.png")
    assert att.filename == "x.png"  # the name kept for display only, without its path


def test_passwords_and_api_tokens_are_kept_only_as_hashes(api: Api) -> None:  # ASVS 11.4.1, 11.4.2
    token = api.tokens["resident"]
    with api.session() as s:
        user = s.scalars(select(User).where(User.username == "resident")).one()
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert user.password_hash.startswith("$argon2id$")  # a memory-hard key derivation, salted
    assert "demo-resident" not in user.password_hash
    assert hashlib.sha256(token.encode()).hexdigest() in {t.token_hash for t in rows}
    assert all(token not in (t.token_hash, t.prefix) for t in rows)
