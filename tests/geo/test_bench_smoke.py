"""``bench/locate.py --smoke`` runs and prints its JSON lines, in agreement with the
baselines (PostGIS's too, where it is installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "locate.py"


def test_the_locate_benchmark_runs_in_smoke_mode() -> None:
    res = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    # 3 lines per dataset, and a PostGIS line each where PostGIS is installed (else skipped)
    postgis = [line for line in lines if "PostGIS" in line["name"]]
    assert len(lines) == 6 + len(postgis) and len(postgis) in (0, 2)
    assert all(line["agreement_postgis"] == 1.0 for line in postgis)
    for line in lines:
        assert {"name", "value", "unit", "baseline", "ratio", "sizes", "machine"} <= set(line)
    agreements = [line for line in lines if line["name"].startswith("agreement")]
    assert [a["value"] for a in agreements] == [1.0, 1.0]
    assert [a["baseline"]["value"] for a in agreements] == [1.0, 1.0]
    speeds = [line for line in lines if "STRtree" in line["name"]]
    assert all(line["value"] > line["baseline"]["value"] for line in speeds)
