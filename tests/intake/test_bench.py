"""bench/intake.py --smoke runs (in-process and over HTTP) and prints its JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_prints_json_lines() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "intake.py"), "--smoke"],
                         capture_output=True, text=True, timeout=180, check=False, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [x["name"] for x in lines] == ["intake_reports_per_s", "http_reports_per_s"]
    for x in lines:
        assert {"value", "unit", "baseline", "ratio", "sizes", "machine"} <= set(x)
        assert x["value"] > 0 and x["baseline"] > 0
