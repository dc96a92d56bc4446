"""``huying geo edit`` and ``huying geo rename``: the map's edits from the command line (the
same service, checks and audit as the web and the API). ``edit`` previews by default; with
``--apply`` it writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from huying.db import session_scope
from huying.errors import CaseError
from huying.geo import service as geo
from huying.mapedit import service
from huying.orgs.actor import actor_for
from huying.orgs.service import AccountError

app = typer.Typer(help="Edit the map: redraw a node's children, rename a node.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@app.command()
def edit(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A GeoJSON FeatureCollection."),
    parent: str = typer.Option(..., "--parent", help="Code of the node whose children are redrawn."),
    as_user: str = typer.Option(..., "--as", help="Username of the administrator acting."),
    apply: bool = typer.Option(False, "--apply", help="Write the change (default: preview only)."),
    tolerance: float = typer.Option(1.0, help="Metres of sliver forgiven (outside, overlap, gap)."),
) -> None:
    """Redraw some or all children of a node (split, merge, redraw, add): codes kept by
    overlap, open cases and households of redrawn grids moved with their events; the grids
    of merged or split communities go, with their codes, to the community that holds them."""
    with session_scope() as session:
        try:
            actor = actor_for(session, as_user)
            data = service.load_geojson_text(file.read_text(encoding="utf-8-sig"))
            if apply:
                done = service.apply(session, actor, parent, data, now=dt.datetime.now(dt.UTC), tolerance=tolerance)
                pv = done.preview
            else:
                pv = service.preview(session, actor, parent, data, tolerance)
        except geo.ImportRejected as exc:
            for line in exc.report.lines():
                typer.echo(line, err=True)
            raise typer.Exit(1) from None
        except (CaseError, AccountError, UnicodeDecodeError) as exc:
            raise _fail(f"error: {exc}") from None
    for k in pv.plan.kept:
        typer.echo(f"kept {k.node.code} (overlap {k.iou:.0%})")
    for a in pv.plan.added:
        typer.echo(f"new {a.code} {a.feature.name}")
    for r in pv.plan.retired:
        typer.echo(f"retired {r.node.code} → {r.successor}")
    for g in pv.plan.regrouped:
        typer.echo(f"grid {g.grid.code} {g.grid.name_zh}: {g.from_code} → {g.to_code} (code kept)")
    for m in pv.cases + pv.households:
        typer.echo(f"{m.kind} {m.code}: {m.from_code} → {m.to_code}")
    typer.echo(f"{len(pv.cases)} case(s) and {len(pv.households)} household(s) "
               + ("moved" if apply else "would move; preview only: add --apply to write"))


@app.command()
def rename(
    code: str = typer.Argument(..., help="Code of the node."),
    name_zh: str = typer.Argument(..., help="Its Chinese name."),
    name_en: str = typer.Option("", "--name-en", help="Its English name."),
    as_user: str = typer.Option(..., "--as", help="Username of the administrator acting."),
) -> None:
    """Rename a node (Chinese and English names)."""
    with session_scope() as session:
        try:
            node = service.rename(session, actor_for(session, as_user), code, name_zh, name_en,
                                  now=dt.datetime.now(dt.UTC))
        except (CaseError, AccountError) as exc:
            raise _fail(f"error: {exc}") from None
        typer.echo(f"{node.code}: {node.name_zh} / {node.name_en}")
