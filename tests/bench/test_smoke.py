"""Every benchmark runs at its smoke size (``--smoke``, seconds each), so that none rots.

The benchmarks are scripts; each runs in its own process, as ``make bench`` runs them, and
must exit 0 and print JSON lines with the common fields."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
#: Benchmarks whose smoke run already has its own test (not run twice in ``make test``).
OWN_TEST = {"locate.py": "tests/geo/test_bench_smoke.py", "triage.py": "tests/triage/test_bench.py",
            "intake.py": "tests/intake/test_bench.py", "coverage.py": "tests/bench/test_coverage_smoke.py",
            "soak.py": "tests/bench/test_soak_smoke.py"}
#: The benchmarks built on ``bench/_common.py`` (its ``--smoke`` convention and JSON line);
#: a script that is not (e.g. an evaluation with its own CLI) is not run here.
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name not in OWN_TEST
                 and re.search(r"^import _common\b", p.read_text(encoding="utf-8"), re.MULTILINE))
COMMON = {"name", "value", "unit", "baseline", "ratio", "sizes", "machine"}


def test_a_script_without_a_smoke_size_is_not_run() -> None:
    """A line of code, not a word of a docstring, puts a script here: demo_start.py (a clone,
    an install and the whole demo: 90 s) says in its docstring that it is not run, and its
    docstring's ``import _common`` had put it here."""
    names = {p.name for p in SCRIPTS}
    assert "demo_start.py" not in names and "intake_http.py" in names


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_the_benchmark_runs_at_smoke_size(script: Path) -> None:
    if script.name == "intake_http.py" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk): P1 cannot run")
    env = {**os.environ, "HUYING_SLA_SWEEP_INTERVAL": "0", "PYTHONPATH": str(BENCH.parent)}
    proc = subprocess.run([sys.executable, str(script), "--smoke"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=BENCH.parent)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert lines, proc.stdout + proc.stderr
    for line in lines:
        missing = COMMON - line.keys()
        assert not missing, f"{line.get('name')}: missing {missing}"


def test_the_benchmarks_with_their_own_smoke_test_have_it() -> None:
    root = BENCH.parent
    for script, test in OWN_TEST.items():
        if (BENCH / script).exists():
            assert (root / test).exists(), f"{script}: {test} is gone; run it here instead"
