"""The ``huying`` command imports only the group it runs (``make demo`` starts three commands;
every group's domain cost 3 s of CPU each start), and still offers every command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from huying import cli


def test_the_command_needs_only_the_group_it_names() -> None:
    assert cli._needed(["/venv/bin/huying", "db", "upgrade"]) == set()
    assert cli._needed(["/venv/bin/huying", "serve"]) == set()
    assert cli._needed(["/venv/bin/huying", "demo", "build"]) == {"demo"}
    assert cli._needed(["/venv/bin/huying", "report", "--node", "X"]) == {"report"}
    # help, an unknown word, or the module imported by another program: every group
    assert cli._needed(["/venv/bin/huying"]) is None
    assert cli._needed(["/venv/bin/huying", "--help"]) is None
    assert cli._needed(["/venv/bin/huying", "nosuch"]) is None
    assert cli._needed(["pytest", "db"]) is None


def test_imported_by_a_program_the_command_is_whole() -> None:
    names = {g.name for g in cli.app.registered_groups} | {c.name or c.callback.__name__ for c in cli.app.registered_commands if c.callback}
    assert {name for _m, name, _h in cli._GROUPS} | {"db", "client", "stats", "report", "serve"} <= names


@pytest.mark.parametrize(("argv", "loaded", "not_loaded"), [
    (["huying", "db", "--help"], [], ["huying.triage.cli", "huying.demo.cli", "huying.web.report_cli"]),
    (["huying", "geo", "--help"], ["huying.geo.cli", "huying.mapedit.cli"], ["huying.demo.cli"]),
])
def test_a_started_command_imports_its_group_only(argv: list[str], loaded: list[str], not_loaded: list[str]) -> None:
    code = (f"import sys; sys.argv = {argv!r}; import huying.cli as c; "
            "print(','.join(m for m in sys.modules if m.startswith('huying.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    modules = set(out.strip().split(","))
    assert set(loaded) <= modules and not set(not_loaded) & modules, modules


def test_the_console_command_still_runs_a_group() -> None:
    r = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['huying', 'geo', 'edit', '--help']; "
                        "from huying.cli import app; app()"], capture_output=True, text=True)
    assert r.returncode == 0 and "--parent" in r.stdout, r.stdout + r.stderr
