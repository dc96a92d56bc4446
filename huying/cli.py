"""The ``huying`` command. Each domain contributes a sub-command group from its ``cli.py``."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from huying.config import get_settings

app = typer.Typer(help="huying (呼应): grid-based grassroots governance.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _settings_first() -> None:
    """huying (呼应): grid-based grassroots governance."""
    # every command reads the HUYING_* settings: a bad one is named here, not in a traceback
    from huying.config import SettingsError

    try:
        get_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply the Alembic migrations up to REVISION (default: head)."""
    from huying import migrate

    url = get_settings().resolved_database_url
    migrate.upgrade(url, revision)
    typer.echo(f"database at {url.split('@')[-1]} is at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="A revision such as 0003, or -1 for one step.")) -> None:
    """Step the schema back to REVISION (to go back to an older release: take a backup first)."""
    from huying import migrate

    url = get_settings().resolved_database_url
    migrate.downgrade(url, revision)
    typer.echo(f"database at {url.split('@')[-1]} went down to {revision}")


@app.command("backup")
def backup_cmd(file: Path = typer.Argument(..., help="Where to write the backup.")) -> None:
    """Back up the database (SQLite: online backup API; PostgreSQL: pg_dump custom format)."""
    from huying.ops import backup

    try:
        backup.backup(get_settings().resolved_database_url, file)
    except backup.BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"backed up to {file} ({file.stat().st_size} bytes)")


@app.command("restore")
def restore_cmd(
    file: Path = typer.Argument(..., help="A file written by `huying backup`."),
    force: bool = typer.Option(False, "--force", help="Replace a database that has tables."),
) -> None:
    """Restore a backup into the configured database (refuses a non-empty one without --force)."""
    from huying.ops import backup

    try:
        backup.restore(get_settings().resolved_database_url, file, force=force)
    except backup.BackupError as exc:
        typer.echo(f"restore refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {file}")


@app.command()
def serve(
    host: str = typer.Option(None, help="Bind address (default HUYING_HOST)."),
    port: int = typer.Option(None, help="Port (default HUYING_PORT)."),
    workers: int = typer.Option(None, help="Worker processes (default HUYING_WORKERS)."),
) -> None:
    """Serve the web application and the APIs with uvicorn."""
    import uvicorn

    from huying.config import SecretError, require_secret_for
    from huying.serving import metrics_dir, nodelay_listener
    from huying.spawning import light_main

    nodelay_listener()
    s = get_settings()
    try:
        require_secret_for(host or s.host, s)
    except SecretError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    metrics_dir(s.data_dir / "metrics", workers or s.workers)
    # each worker imports the web application, not every command group of this script (a
    # worker restarted under load would otherwise miss uvicorn's health check, bench/soak.py)
    with light_main():
        uvicorn.run(
            "huying.app:create_app",
            factory=True,
            host=host or s.host,
            port=port or s.port,
            workers=workers or s.workers,
            log_level=s.log_level.lower(),
            log_config=None,  # the app logs JSON lines through the root logger (structlog)
            access_log=False,  # one line per request comes from huying.http.observe
        )


# Domain command groups: (module, name, help). A module that does not exist yet is skipped.
_GROUPS = [
    ("huying.geo.cli", "geo", "The city map: locate, import, export."),
    ("huying.demo.cli", "demo", "Build the synthetic demo city."),
    ("huying.orgs.cli", "token", "API tokens: create, revoke."),
    ("huying.cases.cli", "case", "Cases: report, act, show, list."),
    ("huying.cases.sla_cli", "sla", "SLA sweeps and the holiday calendar."),
    ("huying.triage.cli", "triage", "Classification models: train, eval."),
    ("huying.intake.cli", "import", "Bulk import."),
    ("huying.contact.cli", "register", "The register: address → grid, households' moves."),
    ("huying.contact.walk_cli", "walk", "Inspection walks: plan, start, record a problem, end, list."),
    ("huying.community.exchange_cli", "exchange", "Public-welfare projects: post, claim, pledge, agree, progress."),
    ("huying.contact.link_cli", "links", "Member–household links (党员联户): solve, leave, list."),
    ("huying.contact.deploy_cli", "deploy", "Emergency deployments: three-person teams sent to the grids."),
    ("huying.community.circle_cli", "circle", "The 10-minute service circle: coverage, new sites, the walking network."),
    ("huying.community.onestop_cli", "onestop", "One-stop acceptance at a centre: accept, list."),
    ("huying.community.lists_cli", "community", "Community resources: councils, the three lists, matches."),
    ("huying.accountability.cli", "indicators", "The indicator catalogue and its values per node."),
    ("huying.accountability.duty_cli", "accountability",
     "Responsibility lists, yearly reviews (述职评议), weak organisations (软弱涣散)."),
    ("huying.admin.cli", "admin",
     "Administration: accounts, organisations, people, bulk import, the audit trail."),
]

for _module, _name, _help in _GROUPS:
    try:
        _mod = importlib.import_module(_module)
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:
            raise
        continue
    app.add_typer(_mod.app, name=_name, help=_help)

from huying.orgs.cli import clients_app as _clients_app  # noqa: E402

app.add_typer(_clients_app, name="client", help="API clients (Open311 keys): create, list, add-key, revoke.")

# ``huying case report`` goes through intake (classify, duplicates, route): its command lives
# there and joins the ``case`` group here.
from huying.cases.cli import app as _case_app  # noqa: E402
from huying.intake.cli import report_case as _report_case  # noqa: E402

_case_app.command("report")(_report_case)

try:
    from huying.metrics.cli import stats as _stats

    app.command("stats")(_stats)
except ModuleNotFoundError as _exc:
    if _exc.name != "huying.metrics.cli":
        raise

# ``huying geo edit`` / ``rename`` / ``divisions``: the map's edits live above the map (they move
# cases and households), their commands join the ``geo`` group here.
from huying.geo.cli import app as _geo_app  # noqa: E402
from huying.mapedit.cli import edit as _geo_edit  # noqa: E402
from huying.mapedit.cli import rename as _geo_rename  # noqa: E402
from huying.mapedit.division_cli import divisions_command as _geo_divisions  # noqa: E402

_geo_app.command("edit")(_geo_edit)
_geo_app.command("rename")(_geo_rename)
_geo_app.command("divisions")(_geo_divisions)

# ``huying report``: the report of a node (issue #18), rendered by the web layer's template
from huying.web.report_cli import report_command as _report_command  # noqa: E402

app.command("report")(_report_command)


if __name__ == "__main__":
    app()
