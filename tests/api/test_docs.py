"""The README's curl session runs: its ``bash`` blocks, in order, as one bash script against a
live server on a fresh SQLite database with the demo accounts (and the demo Open311 key)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.api.open311 import install_demo_api_key
from huying.cases.models import Case
from huying.db import Base, make_engine
from tests.api.conftest import NOW, live_server, populate
from tests.conftest import Databases

DOC = Path(__file__).resolve().parents[2] / "README.md"


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


@pytest.mark.skipif(not shutil.which("curl") or not shutil.which("jq"), reason="needs curl and jq")
def test_the_curl_session_of_the_readme_runs(databases: Databases, tmp_path: Path) -> None:
    blocks = shell_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    url = databases.new_url("sqlite")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        world, *_ = populate(s)
        install_demo_api_key(s, world.city_id, now=NOW)
        s.commit()
    script = "set -euo pipefail\n" + "\n".join(blocks)
    with live_server(url, tmp_path) as base:
        env = {**os.environ, "HY": base, "HUYING_DATABASE_URL": url, "HUYING_DATA_DIR": str(tmp_path),
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        run = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert re.search(r"reported (\S+) \(the retry returned \1\)", out)
    assert '"status":"closed"' in out and '"service_request_id"' in out
    assert "<service_requests>" in out
    with Session(engine) as s:
        code = re.search(r"reported (\S+)", out).group(1)  # type: ignore[union-attr]
        assert s.scalar(select(Case.status).where(Case.code == code)) == "closed"
        assert s.scalar(select(Case.channel).where(Case.channel == "open311")) == "open311"
    engine.dispose()
