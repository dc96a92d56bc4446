"""``huying admin`` (issue 22), on SQLite and PostgreSQL: the operator deactivates an account
(its token refused at once), issues a reset code, imports organisations with bad rows named
``FILE:LINE: FIELD: REASON`` and nothing stored, dissolves a unit with its open cases handed
to the successor, and reads the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huying.cases.models import Case
from huying.cli import app
from huying.orgs.models import Organisation
from tests.api.conftest import T2_URBAN, Api, reset_caches


def test_the_operator_administers_from_the_command_line(api: Api, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUYING_DATABASE_URL", api.url)
    reset_caches()
    runner = CliRunner()
    try:
        assert api.client.get("/api/v1/me", headers=api.h("town2")).status_code == 200
        r = runner.invoke(app, ["admin", "deactivate", "town2"])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["tokens_revoked"] == 1
        assert api.client.get("/api/v1/me", headers=api.h("town2")).status_code == 401
        r = runner.invoke(app, ["admin", "deactivate", "town2"])
        assert r.exit_code == 2 and "already inactive" in r.stderr
        r = runner.invoke(app, ["admin", "reset", "community2"])
        assert r.exit_code == 0 and json.loads(r.stdout)["link"].startswith("/reset/")
        bad = tmp_path / "orgs.csv"
        bad.write_text("code,name_zh,kind,node\n441900102-x,某单位,enterprise,441900102\n441900102-y,,enterprise,441900102\n",
                       encoding="utf-8")
        r = runner.invoke(app, ["admin", "import", "organisations", str(bad)])
        assert r.exit_code == 2 and f"{bad}:3: name_zh:" in r.stderr and "nothing was stored" in r.stderr
        assert json.loads(r.stdout)["stored"] is False
        with api.session() as s:
            assert s.scalar(select(Organisation.id).where(Organisation.code == "441900102-x")) is None
        r = runner.invoke(app, ["admin", "dissolve", T2_URBAN, "--successor", "441900102-dept-housing"])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["cases"] == [api.cases["c2"]]
        with api.session() as s:
            c2 = s.scalar(select(Case).where(Case.code == api.cases["c2"]))
            heir = s.scalar(select(Organisation.id).where(Organisation.code == "441900102-dept-housing"))
            assert c2 is not None and c2.unit_id == heir
        r = runner.invoke(app, ["admin", "audit", "--subject", "organisation"])
        assert r.exit_code == 0
        [row] = json.loads(r.stdout)["items"]
        assert row["action"] == "dissolve" and row["actor"] == "" and row["after"] == {"active": False}
    finally:
        reset_caches()
