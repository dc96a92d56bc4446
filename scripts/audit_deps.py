"""Audit the installed, pinned dependencies for known vulnerabilities with pip-audit.

    .venv/bin/python scripts/audit_deps.py            # `make test` runs it before pytest

It audits the virtual environment that `make install` built from pyproject.toml's pins
(huying itself, installed editable, is left out), asking PyPI's vulnerability data with a
short timeout per request and a bound on the whole run (``--budget``, 50 s).

- A vulnerability found: the list (package, version, id, fixed versions) and exit 1,
  unless its id or one of its aliases is in ``audit-ignore.txt`` with a reason
  (``ID  reason``, one a line, ``#`` comments; a line without a reason is an error).
- Offline, the service unreachable or too slow, or no package known to it: one visible line
  ``pip-audit skipped: <reason>`` and exit 0, so a machine without the network still tests.
- Any other failure of pip-audit (or pip-audit missing): exit 2 with its message.

``PIP_AUDIT`` names another pip-audit command (the tests use a fake one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Messages of pip-audit (requests / urllib3 underneath) that mean "no network" or "no answer".
UNREACHABLE = ("ConnectionError", "NameResolutionError", "Name or service not known", "Max retries exceeded",
               "Temporary failure in name resolution", "Network is unreachable", "Connection refused",
               "ReadTimeout", "ConnectTimeout", "timed out", "SSLError", "ProxyError")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fixes: tuple[str, ...]

    def line(self) -> str:
        fix = ", ".join(self.fixes) or "no fixed version yet"
        alias = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"  {self.package} {self.version}: {self.id}{alias}; fixed in {fix}"


class AuditError(Exception):
    """pip-audit could not run for a reason that is not the network: a real failure."""


def read_ignores(path: Path) -> dict[str, str]:
    """``{id: reason}`` from the ignore file (missing file: nothing ignored)."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        vid, _, reason = line.partition(" ")
        if not reason.strip():
            raise AuditError(f"{path.name} line {n}: {vid} needs a reason after the id")
        out[vid.strip()] = reason.strip()
    return out


def unreachable(message: str) -> str | None:
    """A short reason when ``message`` says the service could not be reached, else None."""
    if not any(marker in message for marker in UNREACHABLE):
        return None
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else message.strip()
    return "vulnerability service unreachable (" + last[:200] + ")"


def run_pip_audit(command: list[str], budget: float) -> tuple[dict[str, object] | None, str | None]:
    """pip-audit's JSON report, or None with the reason it is skipped."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        args = [*command, "--skip-editable", "--progress-spinner", "off", "--format", "json",
                "--output", str(report), "--timeout", "10"]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=budget, check=False)
        except FileNotFoundError as exc:
            raise AuditError(f"pip-audit is not installed ({exc}); run `make install`") from exc
        except subprocess.TimeoutExpired:
            return None, f"no answer from the vulnerability service within {budget:g} s"
        if report.exists() and report.stat().st_size:
            return json.loads(report.read_text(encoding="utf-8")), None
        message = (done.stderr or "") + (done.stdout or "")
        reason = unreachable(message)
        if reason:
            return None, reason
        raise AuditError(f"pip-audit failed (exit {done.returncode}): {message.strip()[-2000:]}")


def findings(report: dict[str, object]) -> tuple[list[Finding], list[str], int]:
    """The vulnerabilities, the packages that could not be audited, the number audited."""
    found: list[Finding] = []
    unaudited: list[str] = []
    audited = 0
    deps = report.get("dependencies", [])
    assert isinstance(deps, list)
    for dep in deps:
        if dep.get("skip_reason"):
            unaudited.append(str(dep.get("name")))
            continue
        audited += 1
        for v in dep.get("vulns", []):
            found.append(Finding(str(dep["name"]), str(dep.get("version", "")), str(v["id"]),
                                 tuple(v.get("aliases", [])), tuple(v.get("fix_versions", []))))
    return found, unaudited, audited


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ignore-file", type=Path, default=ROOT / "audit-ignore.txt")
    parser.add_argument("--budget", type=float, default=50.0, help="seconds for the whole audit")
    opts = parser.parse_args(argv)
    command = os.environ.get("PIP_AUDIT", "").split() or [str(Path(sys.executable).parent / "pip-audit")]
    try:
        ignores = read_ignores(opts.ignore_file)
        report, skipped = run_pip_audit(command, opts.budget)
    except AuditError as exc:
        print(f"pip-audit error: {exc}", file=sys.stderr)
        return 2
    if report is None:
        print(f"pip-audit skipped: {skipped}")
        return 0
    found, unaudited, audited = findings(report)
    if audited == 0:
        print(f"pip-audit skipped: the vulnerability service knew none of the {len(unaudited)} installed "
              "packages (a mirror without PyPI's vulnerability data?)")
        return 0
    ignored = [f for f in found if f.id in ignores or any(a in ignores for a in f.aliases)]
    open_ = [f for f in found if f not in ignored]
    for f in ignored:
        reason = ignores.get(f.id) or next(ignores[a] for a in f.aliases if a in ignores)
        print(f"pip-audit: ignoring {f.package} {f.id}: {reason}")
    note = f"; {len(unaudited)} not known to the service: {', '.join(unaudited)}" if unaudited else ""
    if open_:
        print(f"pip-audit: {len(open_)} known vulnerabilities in the pinned dependencies{note}")
        for f in open_:
            print(f.line())
        print(f"Upgrade the pin in pyproject.toml, or list the id in {opts.ignore_file.name} with a reason.")
        return 1
    print(f"pip-audit: {audited} packages audited, no known vulnerability{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
