"""Every benchmark runs at its smoke size (``--smoke``, seconds each), so that none rots.

The benchmarks are scripts; each runs in its own process, as ``make bench`` runs them, and
must exit 0 and print JSON lines with the common fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))
COMMON = {"name", "value", "unit", "baseline", "ratio", "sizes", "machine"}


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_the_benchmark_runs_at_smoke_size(script: Path) -> None:
    env = {**os.environ, "HUYING_SLA_SWEEP_INTERVAL": "0", "PYTHONPATH": str(BENCH.parent)}
    proc = subprocess.run([sys.executable, str(script), "--smoke"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=BENCH.parent)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert lines, proc.stdout + proc.stderr
    for line in lines:
        missing = COMMON - line.keys()
        assert not missing, f"{line.get('name')}: missing {missing}"
