"""Safe by default (issue 19): no server runs on a secret anyone knows, and signing out
ends the session everywhere.

- Without ``HUYING_SECRET_KEY`` a server on the loopback interface generates its own secret
  into the data directory (mode 0600, kept across restarts); ``huying serve`` on any other
  address refuses to start; a published or short secret stops the start-up.
- A session cookie forged with the secret huying once shipped opens nothing.
- After sign-out, a copy of the old cookie is anonymous (the account's session generation
  moved on); signing in again works."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying import config
from huying.config import SecretError, Settings, require_secret_for, secret_key
from tests.web.scene import HTML, post, sign_in

runner = CliRunner()
OLD_DEFAULT = "dev-secret-change-me"


@pytest.fixture(autouse=True)
def _forget_secrets() -> None:
    config._secrets.clear()


def test_a_loopback_server_generates_its_own_secret_once(tmp_path: Path) -> None:
    s = Settings(secret_key="", data_dir=tmp_path)
    first = secret_key(s)
    path = tmp_path / config.SECRET_FILE
    assert len(first) >= config.MIN_SECRET and first not in config.KNOWN_SECRETS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config._secrets.clear()  # a restart reads the same secret back
    assert secret_key(Settings(secret_key="", data_dir=tmp_path)) == first
    assert secret_key(Settings(secret_key="", data_dir=tmp_path / "other")) != first


@pytest.mark.parametrize("value", [OLD_DEFAULT, "changeme", "short-secret"])
def test_a_published_or_short_secret_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(SecretError, match="HUYING_SECRET_KEY"):
        secret_key(Settings(secret_key=value, data_dir=tmp_path))


def test_serving_beyond_loopback_needs_a_set_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unset = Settings(secret_key="", data_dir=tmp_path)
    with pytest.raises(SecretError, match="0.0.0.0"):
        require_secret_for("0.0.0.0", unset)
    assert require_secret_for("127.0.0.1", unset)  # generated
    assert require_secret_for("0.0.0.0", Settings(secret_key="x" * 40, data_dir=tmp_path)) == "x" * 40
    # the command says so and exits before binding anything
    import uvicorn

    from huying.cli import app

    ran: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: ran.append(a))
    monkeypatch.setenv("HUYING_SECRET_KEY", "")
    monkeypatch.setenv("HUYING_DATA_DIR", str(tmp_path))
    config.get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    finally:
        monkeypatch.undo()
        config.get_settings.cache_clear()
    assert result.exit_code == 2 and "HUYING_SECRET_KEY" in result.output and not ran


def test_the_app_does_not_start_on_the_old_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from huying.app import create_app

    monkeypatch.setenv("HUYING_SECRET_KEY", OLD_DEFAULT)
    config.get_settings.cache_clear()
    try:
        with pytest.raises(SecretError):
            create_app()
    finally:
        monkeypatch.undo()
        config.get_settings.cache_clear()


def _forged_admin_cookie(user_id: int) -> str:
    """What the probe did: a session for the admin signed with the once-shipped secret."""
    import base64
    import hashlib
    import hmac
    import json
    import time

    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    key = hmac.new(OLD_DEFAULT.encode(), b"session", hashlib.sha256).digest()
    body = b64(json.dumps({"sid": "x" * 24, "uid": user_id, "ep": 0, "iat": int(time.time())},
                          separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


@pytest.fixture
def no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server as shipped: no ``HUYING_SECRET_KEY`` (before the client is made)."""
    monkeypatch.setenv("HUYING_SECRET_KEY", "")
    config.get_settings.cache_clear()


def test_a_cookie_signed_with_the_old_default_opens_nothing(no_secret: None, city_client: TestClient,
                                                            city_session: Session) -> None:
    assert config.get_settings().secret_key == ""
    from sqlalchemy import select

    from huying.orgs.models import User

    admin_id = city_session.scalar(select(User.id).where(User.username == "admin"))
    city_client.cookies.set("huying_session", _forged_admin_cookie(admin_id))
    r = city_client.get("/admin/users", headers=HTML, follow_redirects=False)
    assert r.status_code in (303, 401, 403) and "用户与角色" not in r.text


def test_signing_out_ends_the_session_everywhere(city_client: TestClient) -> None:
    sign_in(city_client, "community")
    stolen = city_client.cookies.get("huying_session")
    assert city_client.get("/work", headers=HTML, follow_redirects=False).status_code == 200
    r = post(city_client, "/logout")
    assert r.status_code == 303
    city_client.cookies.clear()
    city_client.cookies.set("huying_session", stolen)
    r = city_client.get("/work", headers=HTML, follow_redirects=False)
    assert r.status_code in (303, 401), "the copied cookie still works after sign-out"
    sign_in(city_client, "community")  # and a new sign-in works
    assert city_client.get("/work", headers=HTML, follow_redirects=False).status_code == 200


@pytest.fixture
def forget_failures(city_db: str) -> Iterator[None]:
    """The failures written here are forgotten afterwards (other tests sign in as town)."""
    from tests.web.conftest import forget_login_failures

    yield
    forget_login_failures(city_db)


def test_an_account_is_locked_after_many_failures_from_many_addresses(city_session: Session,
                                                                      forget_failures: None) -> None:
    import datetime as dt

    from huying.web.ratelimit import LoginLimiter

    lim = LoginLimiter(per_user=5, per_address=30, per_account=20)
    now = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
    for i in range(19):  # one failure each from 19 addresses: no address reaches its own limit
        lim.failed(city_session, f"10.0.0.{i}", "Town", now=now)
        assert lim.retry_after(city_session, f"10.0.0.{i}", "town", now=now) == 0
    assert lim.account_wait(city_session, "town", now=now) == 0
    lim.failed(city_session, "10.0.1.1", "town", now=now)
    wait = lim.account_wait(city_session, " TOWN ", now=now)
    assert 0 < wait <= lim.window + 1
    assert lim.account_wait(city_session, "town", now=now + dt.timedelta(seconds=lim.window + 1)) == 0
    assert lim.account_wait(city_session, "community", now=now) == 0  # other accounts unaffected


def test_the_sign_in_page_says_the_account_is_locked(city_client: TestClient, city_session: Session,
                                                     forget_failures: None) -> None:
    from huying.web.ratelimit import LoginLimiter

    lim = LoginLimiter()
    for i in range(lim.per_account):
        lim.failed(city_session, f"10.1.0.{i}", "town")
    r = post(city_client, "/login", {"username": "town", "password": "demo-town"})
    assert r.status_code == 429 and 'data-error="locked"' in r.text and int(r.headers["retry-after"]) > 0


@pytest.mark.parametrize(("password", "detail"), [
    ("short1", "short"), ("12345678", "common"), ("WoAiNi1314", "common"), ("        ", "spaces"),
    ("web-officer-9", "username"), ("x" * 129, "long")])
def test_a_weak_password_is_refused_with_its_reason(city_client: TestClient, password: str, detail: str) -> None:
    from huying.orgs import passwords

    sign_in(city_client, "admin")
    r = post(city_client, "/admin/users", {"username": "web-officer-9", "password": password,
                                           "role": "community_officer", "node": "441900121004"})
    assert r.status_code == 422 and 'data-field="password"' in r.text
    assert passwords.problem(password, "web-officer-9") is not None
    assert {"short": "至少", "common": "攻击者", "spaces": "空格", "username": "用户名", "long": "太长"}[detail] in r.text
