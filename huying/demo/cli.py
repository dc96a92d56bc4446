"""``huying demo``: build the synthetic demo city."""

from __future__ import annotations

import typer

from huying.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.callback()
def demo() -> None:
    """The synthetic demo city of Dongguan: real towns, generated everything below them."""


@app.command("build")
def build_command(
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same city."),
    reset: bool = typer.Option(False, "--reset", help="Delete the demo city first if it exists."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
) -> None:
    """Build the demo city of Dongguan (441900) into the configured database."""
    from huying.demo.build import CITY_CODE, DEMO_ACCOUNTS, build, city_exists, delete_city

    with session_scope() as session:
        if city_exists(session):
            if not reset:
                typer.echo(
                    f"error: the demo city {CITY_CODE} already exists in this database; "
                    "run again with --reset to delete and rebuild it",
                    err=True,
                )
                raise typer.Exit(code=1)
            delete_city(session)
            typer.echo(f"deleted the existing city {CITY_CODE}")
        summary = build(session, seed, progress=progress)
        session.commit()
    typer.echo(summary.render())
    typer.echo("demo accounts (username / password):")
    for acc in DEMO_ACCOUNTS:
        typer.echo(f"  {acc.username:<11} {acc.password:<16} {acc.role.value:<19} {acc.note}")
