"""The outlines of towns, communities and grids, served per level, zoom and square of the map
(``/api/v1/geo/outlines/{level}/{z}/{x}/{y}``): only the features in the square, simplified
for the zoom, each with its names and a point inside it for the label; bounded in size;
cached by the browser and revalidated by tag."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import Point, box, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.geo.models import Level, Node
from huying.geo.outlines import TILE_PX, ZOOMS, tile_bounds, tile_of
from tests.web.scene import HUMEN_GRID

API = "/api/v1/geo/outlines"
#: The most a square may weigh (uncompressed; gzip takes it to about a fifth).
MAX_BYTES = 300_000


def node(session: Session, code: str) -> Node:
    n = session.scalar(select(Node).where(Node.code == code))
    assert n is not None
    return n


def get(client: TestClient, level: str, z: int, lon: float, lat: float) -> Any:
    x, y = tile_of(lon, lat, z)
    r = client.get(f"{API}/{level}/{z}/{x}/{y}")
    assert r.status_code == 200, r.text
    assert len(r.content) < MAX_BYTES, (level, z, len(r.content))
    return r


def test_a_square_holds_the_features_it_meets_with_names_and_a_label_inside(
        city_client: TestClient, city_session: Session) -> None:
    grid = node(city_session, HUMEN_GRID)
    community = node(city_session, grid.path.strip("/").split("/")[-2])
    lon, lat = grid.centroid_lon, grid.centroid_lat
    assert lon is not None and lat is not None
    for level, code, name in (("community", community.code, community.name_zh),
                              ("grid", grid.code, grid.name_zh)):
        z = ZOOMS[Level(level)].start
        fc = get(city_client, level, z, lon, lat).json()
        square = box(*tile_bounds(z, *tile_of(lon, lat, z)))
        feats = {f["properties"]["code"]: f for f in fc["features"]}
        mine = feats[code]
        assert mine["properties"]["name_zh"] == name and mine["properties"]["level"] == level
        assert shape(mine["geometry"]).buffer(1e-3).contains(Point(mine["properties"]["label"]))
        # only what meets the square (by its box)
        assert all(shape(f["geometry"]).envelope.intersects(square.buffer(1e-9)) for f in fc["features"])
        assert all(f["properties"]["level"] == level for f in fc["features"])


def test_the_outlines_are_simpler_when_zoomed_out(city_client: TestClient, city_session: Session) -> None:
    grid = node(city_session, HUMEN_GRID)
    community_code = grid.path.strip("/").split("/")[-2]
    lon, lat = grid.centroid_lon or 0, grid.centroid_lat or 0

    def points(z: int) -> int:
        fc = get(city_client, "community", z, lon, lat).json()
        f = next(f for f in fc["features"] if f["properties"]["code"] == community_code)
        return len(json.dumps(f["geometry"]["coordinates"]))

    assert points(11) < points(16)


def test_a_level_is_not_served_below_the_zoom_where_it_can_be_read(city_client: TestClient) -> None:
    for level, zooms in ZOOMS.items():
        below = zooms.start - 1
        x, y = tile_of(113.75, 22.95, below)
        assert city_client.get(f"{API}/{level.value}/{below}/{x}/{y}").status_code == 404
    # a square off the grid of its zoom
    assert city_client.get(f"{API}/town/10/{2 ** 10 * 256 // TILE_PX}/0").status_code == 404
    for z in (23, 9999, -1):  # the fuzzer's zoom of 2 ** huge overflowed into a 500
        assert city_client.get(f"{API}/town/{z}/0/0").status_code == 404


def test_a_phone_downloads_a_part_of_the_city_not_all_of_it(
        city_client: TestClient, city_session: Session) -> None:
    grid = node(city_session, HUMEN_GRID)
    lon, lat = grid.centroid_lon or 0, grid.centroid_lat or 0
    total = len(list(city_session.scalars(select(Node.code).where(Node.level == "grid"))))
    fc = get(city_client, "grid", 14, lon, lat).json()
    assert 0 < len(fc["features"]) < total


def test_squares_are_cached_and_revalidated_by_their_tag(city_client: TestClient) -> None:
    r = get(city_client, "town", 10, 113.75, 22.95)
    assert r.headers["cache-control"].startswith("public, max-age=")
    etag = r.headers["etag"]
    again = city_client.get(r.url.path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    gz = city_client.get(r.url.path, headers={"Accept-Encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip"
