"""``bench/soak.py`` at its smoke size: ``huying serve`` with 2 workers on PostgreSQL, 15 s of
the mixed load (reports, staff actions, figures, public pages). Every answer is the expected
one, every route of the mix is exercised, its p99 printed, the database holds exactly what
was acknowledged, and no worker was restarted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, Databases

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import soak  # noqa: E402


def test_the_soak_at_smoke_size_has_no_error_and_exercises_every_route(databases: Databases) -> None:
    reason = databases.pg_available()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--smoke", "--duration", "15"],
                          capture_output=True, text=True, timeout=170, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-4000:]
    lines = {x["name"]: x for x in (json.loads(s) for s in proc.stdout.splitlines() if s.startswith("{"))}
    run = lines["soak[postgresql] requests without error"]
    assert run["met"] and run["errors"] == 0, run["error_samples"]
    assert run["sizes"]["workers"] == 2 and not run["workers_restarted"]
    assert run["stored"]["consistent"] and run["stored"]["closed"] > 0, run["stored"]
    routes = run["routes"]
    assert set(soak.EXPECT) <= set(routes)
    for route in soak.EXPECT:
        assert routes[route]["n"] > 0, f"{route} was never asked"
        assert routes[route]["errors"] == 0 and routes[route]["p99_ms"] is not None
        assert f"`{route}`" in proc.stderr  # the table printed the route's line
    assert sum(d["n"] for d in routes.values()) == run["sizes"]["requests"]
    mem = lines["soak[postgresql] RSS slope after warm-up, largest worker"]["workers_memory"]
    assert len(mem) == 2 and all(m["end_mb"] > 0 for m in mem.values())
