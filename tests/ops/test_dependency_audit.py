"""The dependency audit of `make test` (scripts/audit_deps.py) fails on a known vulnerability,
honours the ignore list only with a reason, and skips with a visible line, never silently,
when the vulnerability service cannot be asked. pip-audit is replaced by a fake here; the
real one runs in `make test`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_deps.py"

FAKE = '''
import json, os, sys, time
mode = os.environ["FAKE_MODE"]
out = sys.argv[sys.argv.index("--output") + 1]
if mode == "offline":
    sys.stderr.write("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', "
                     "port=443): Max retries exceeded (NameResolutionError)\\n")
    sys.exit(1)
if mode == "hang":
    time.sleep(30)
if mode == "broken":
    sys.stderr.write("ValueError: something else\\n")
    sys.exit(1)
json.dump(json.loads(os.environ["FAKE_REPORT"]), open(out, "w"))
sys.exit(1 if "vulns\\": [{" in os.environ["FAKE_REPORT"] else 0)
'''

CLEAN = {"dependencies": [{"name": "jinja2", "version": "3.1.6", "vulns": []},
                          {"name": "fastapi", "version": "0.165.0", "vulns": []}], "fixes": []}
VULNERABLE = {"dependencies": [
    {"name": "jinja2", "version": "3.1.6", "vulns": [
        {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1234"], "fix_versions": ["3.1.7"], "description": "x"}]},
    {"name": "fastapi", "version": "0.165.0", "vulns": []}], "fixes": []}
UNKNOWN = {"dependencies": [{"name": "jinja2", "skip_reason": "Dependency not found on PyPI"},
                            {"name": "fastapi", "skip_reason": "Dependency not found on PyPI"}]}


def _audit(tmp_path: Path, mode: str, report: object = None, ignore: str = "",
           budget: str = "20") -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "fake_pip_audit.py"
    fake.write_text(FAKE)
    (tmp_path / "ignore.txt").write_text(ignore)
    env = {**os.environ, "PIP_AUDIT": f"{sys.executable} {fake}", "FAKE_MODE": mode,
           "FAKE_REPORT": json.dumps(report or {})}
    return subprocess.run([sys.executable, str(SCRIPT), "--ignore-file", str(tmp_path / "ignore.txt"),
                           "--budget", budget], env=env, capture_output=True, text=True, timeout=60)


def test_it_passes_when_nothing_is_known(tmp_path: Path) -> None:
    done = _audit(tmp_path, "report", CLEAN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 packages audited, no known vulnerability" in done.stdout


def test_it_fails_with_the_list_on_a_known_vulnerability(tmp_path: Path) -> None:
    done = _audit(tmp_path, "report", VULNERABLE)
    assert done.returncode == 1
    assert "jinja2 3.1.6: PYSEC-2099-1 (CVE-2099-1234); fixed in 3.1.7" in done.stdout


def test_an_ignored_vulnerability_needs_and_prints_its_reason(tmp_path: Path) -> None:
    done = _audit(tmp_path, "report", VULNERABLE, ignore="# ours\nCVE-2099-1234  sandbox not used\n")
    assert done.returncode == 0, done.stdout
    assert "ignoring jinja2 PYSEC-2099-1: sandbox not used" in done.stdout
    done = _audit(tmp_path, "report", VULNERABLE, ignore="CVE-2099-1234\n")
    assert done.returncode == 2
    assert "line 1: CVE-2099-1234 needs a reason" in done.stderr


def test_offline_it_skips_with_a_visible_reason(tmp_path: Path) -> None:
    done = _audit(tmp_path, "offline")
    assert done.returncode == 0
    assert done.stdout.startswith("pip-audit skipped: vulnerability service unreachable")


def test_a_service_that_knows_no_package_is_a_skip_not_a_pass(tmp_path: Path) -> None:
    done = _audit(tmp_path, "report", UNKNOWN)
    assert done.returncode == 0
    assert done.stdout.startswith("pip-audit skipped: the vulnerability service knew none of the 2")


def test_a_slow_service_is_a_skip_within_the_budget(tmp_path: Path) -> None:
    done = _audit(tmp_path, "hang", budget="1")
    assert done.returncode == 0
    assert "pip-audit skipped: no answer from the vulnerability service within 1 s" in done.stdout


def test_any_other_failure_fails(tmp_path: Path) -> None:
    done = _audit(tmp_path, "broken")
    assert done.returncode == 2
    assert "ValueError: something else" in done.stderr
