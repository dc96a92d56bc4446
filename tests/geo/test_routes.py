"""``/api/v1/geo``: layers, locate, nodes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from huying.deps import get_session
from huying.geo import service
from huying.geo.models import Level
from huying.geo.routes import router
from tests.geo.factories import COMMUNITY, X0, Y0, grid_code, square, square_city


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    square_city(session)
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as c:
        yield c


def test_a_layer_is_a_feature_collection_of_that_level(client: TestClient) -> None:
    res = client.get("/api/v1/geo/layers/grid", headers={"Accept-Encoding": "identity"})
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/geo+json"
    fc = res.json()
    assert fc["type"] == "FeatureCollection" and fc["huying:crs"] == "GCJ-02"
    assert len(fc["features"]) == 9
    assert fc["features"][0]["properties"] == {
        "code": grid_code(0, 0),
        "level": "grid",
        "name_zh": "网格1",
        "name_en": "Grid 1",
        "parent_code": COMMUNITY,
    }


def test_a_layer_is_served_gzipped_and_cached_until_the_map_changes(
    client: TestClient, session: Session
) -> None:
    res = client.get("/api/v1/geo/layers/grid", headers={"Accept-Encoding": "gzip"})
    assert res.status_code == 200 and res.headers["content-encoding"] == "gzip"
    etag = res.headers["etag"]
    assert client.get("/api/v1/geo/layers/grid", headers={"If-None-Match": etag}).status_code == 304
    city = service.get_city(session)
    comm = service.get_node(session, city.id, COMMUNITY)
    service.add_node(
        session, city, Level.GRID, f"{COMMUNITY}010", comm, "网格10", "G10", square(3, 0)
    )
    res = client.get("/api/v1/geo/layers/grid", headers={"If-None-Match": etag})
    assert res.status_code == 200 and res.headers["etag"] != etag
    assert len(res.json()["features"]) == 10
    # httpx undoes the gzip: the same document either way.
    gz = client.get("/api/v1/geo/layers/grid", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/api/v1/geo/layers/grid", headers={"Accept-Encoding": "identity"})
    assert gz.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert gz.json() == plain.json() == res.json()


def test_an_unknown_level_is_422(client: TestClient) -> None:
    assert client.get("/api/v1/geo/layers/street").status_code == 422


def test_locate_returns_the_path(client: TestClient) -> None:
    res = client.get("/api/v1/geo/locate", params={"lon": X0 + 0.005, "lat": Y0 + 0.025})
    assert res.status_code == 200
    path = res.json()["path"]
    assert [p["level"] for p in path] == ["city", "area", "town", "community", "grid"]
    assert path[-1]["code"] == grid_code(0, 2)


def test_locate_outside_is_422_outside_city(client: TestClient) -> None:
    res = client.get("/api/v1/geo/locate", params={"lon": 100.0, "lat": 30.0})
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert detail["reason"] == "outside_city" and "(100.0, 30.0)" in detail["message"]


def test_a_node_with_its_path_and_children(client: TestClient) -> None:
    res = client.get(f"/api/v1/geo/nodes/{COMMUNITY}")
    assert res.status_code == 200
    body = res.json()
    assert body["level"] == "community" and body["parent_code"] == "441900003"
    assert [p["code"] for p in body["path"]][-2:] == ["441900003", COMMUNITY]
    assert body["children"] == [grid_code(i, j) for j in range(3) for i in range(3)]
    assert json.dumps(body)
    assert client.get("/api/v1/geo/nodes/441900999").status_code == 404
