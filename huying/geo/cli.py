"""``huying geo``: locate a point, import and export polygons."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from huying.db import session_scope
from huying.geo import service
from huying.geo.models import Level

app = typer.Typer(help="The city map: locate, import, export.", no_args_is_help=True)

CityOpt = typer.Option(None, "--city", help="City code (default: the only city).")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@app.command()
def locate(
    lon: float = typer.Argument(..., help="Longitude, in the city's CRS."),
    lat: float = typer.Argument(..., help="Latitude, in the city's CRS."),
    city: str | None = CityOpt,
) -> None:
    """Print the path city → … → grid of the point as one JSON object."""
    with session_scope() as session:
        try:
            c = service.get_city(session, city)
            path = service.locate(session, c.id, lon, lat)
        except service.GeoError as exc:
            raise _fail(f"error: {exc}") from None
        out = {
            "lon": lon,
            "lat": lat,
            "path": [{"code": n.code, "name": n.name_zh, "level": n.level} for n in path],
        }
    typer.echo(json.dumps(out, ensure_ascii=False))


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A GeoJSON file."),
    level: Level = typer.Option(..., "--level", help="Level of the new nodes."),
    parent: str = typer.Option(..., "--parent", help="Code of their parent node."),
    city: str | None = CityOpt,
    tolerance: float = typer.Option(1.0, help="Metres of sliver forgiven (outside, overlap)."),
) -> None:
    """Check every feature and import them all, or nothing when one is bad."""
    with session_scope() as session:
        try:
            c = service.get_city(session, city)
            report = service.import_geojson(session, c.id, file, level, parent, tolerance)
        except service.ImportRejected as exc:
            for line in exc.report.lines():
                typer.echo(line, err=True)
            raise typer.Exit(1) from None
        except service.GeoError as exc:
            raise _fail(f"error: {exc}") from None
        session.commit()
    for line in report.lines():
        typer.echo(line)


@app.command()
def export(
    level: Level | None = typer.Option(None, "--level", help="Only this level."),
    under: str | None = typer.Option(None, "--under", help="Only the nodes below this code."),
    out: Path | None = typer.Option(None, "--out", help="Write here (default: standard output)."),
    city: str | None = CityOpt,
) -> None:
    """Write the nodes' polygons as a GeoJSON FeatureCollection."""
    with session_scope() as session:
        try:
            c = service.get_city(session, city)
            fc = service.export_geojson(session, c.id, level, under)
        except service.GeoError as exc:
            raise _fail(f"error: {exc}") from None
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"{len(fc['features'])} feature(s) written to {out}", err=True)
