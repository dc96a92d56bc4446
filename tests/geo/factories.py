"""Small cities built through the service functions."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from sqlalchemy.orm import Session

from huying.geo import service
from huying.geo.models import City, Level, Node

CITY = "441900"
AREA = "441900-A1"
TOWN = "441900003"
COMMUNITY = "441900003001"
X0, Y0, STEP = 113.70, 22.90, 0.01


def grid_code(i: int, j: int) -> str:
    """Grid at column i, row j of the 3×3 city: codes 001…009 row by row from the south."""
    return f"{COMMUNITY}{j * 3 + i + 1:03d}"


def square(i: int, j: int) -> shapely.Polygon:
    return shapely.box(X0 + i * STEP, Y0 + j * STEP, X0 + (i + 1) * STEP, Y0 + (j + 1) * STEP)


@dataclass
class SquareCity:
    city: City
    town: Node
    community: Node
    grids: dict[str, Node]


def square_city(session: Session, code: str = CITY) -> SquareCity:
    """A city whose only community is a 3×3 block of square grids, 0.01° a side."""
    outline = shapely.box(X0, Y0, X0 + 3 * STEP, Y0 + 3 * STEP)
    city = service.create_city(session, code, "测试市", "Test City", geometry=outline)
    root = service.get_node(session, city.id, code)
    area = service.add_node(session, city, Level.AREA, f"{code}-A1", root, "一片区", "Area 1")
    town = service.add_node(
        session, city, Level.TOWN, f"{code}003", area, "测试镇", "Test Town", outline
    )
    comm = service.add_node(
        session, city, Level.COMMUNITY, f"{code}003001", town, "测试社区", "Test Community", outline
    )
    grids = {}
    for j in range(3):
        for i in range(3):
            gc = f"{code}003001{j * 3 + i + 1:03d}"
            grids[gc] = service.add_node(
                session,
                city,
                Level.GRID,
                gc,
                comm,
                f"网格{j * 3 + i + 1}",
                f"Grid {j * 3 + i + 1}",
                square(i, j),
            )
    session.flush()
    return SquareCity(city, town, comm, grids)
