"""``bench/coverage.py`` at its smoke size: it runs, and its checks hold (the MILP at a 0% gap
and equal to brute force, greedy not above it, the multi-source walks equal to one Dijkstra per
centre)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_coverage_benchmark_runs_at_smoke_size_and_its_checks_hold() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "coverage.py"), "--smoke"], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    lines = {x["name"]: x for x in (json.loads(s) for s in proc.stdout.splitlines() if s.startswith("{"))}
    assert len(lines) == 5
    exact = next(v for k, v in lines.items() if "exact" in k)
    assert exact["optimal"] and exact["gap"] == 0.0
    assert all(v.get("agree", True) for v in lines.values())
    greedy = next(v for k, v in lines.items() if "greedy" in k)
    assert greedy["baseline"]["value"] <= greedy["value"]
