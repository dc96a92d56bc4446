"""bench/triage.py --smoke runs and prints its JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.triage.conftest import MESSAGES, labelled_rows

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_prints_json_lines() -> None:
    labelled_rows()  # skips without the shared data
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "triage.py"), "--smoke", "--data", str(MESSAGES)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["name"] for x in lines] == ["classify_msgs_per_s", "train_smoke_s"]
    for x in lines:
        assert {"value", "unit", "baseline", "ratio", "sizes", "machine"} <= set(x)
        assert x["value"] > 0
