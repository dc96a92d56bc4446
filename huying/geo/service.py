"""The public face of the city map: the tree (``tree``), locating a point (``locate``) and
the map in and out as GeoJSON (``geojson``). It holds no rule of its own."""

from huying.geo.geojson import ImportRejected, ImportReport, Issue, export_geojson, import_geojson
from huying.geo.locate import (
    clear_index_cache,
    grid_index,
    grid_paths,
    locate,
    locate_grid,
    locate_many,
    map_token,
    warm,
)
from huying.geo.tree import (
    CityNotFound,
    GeoError,
    InvalidNode,
    NodeNotFound,
    OutsideCity,
    add_node,
    ancestors,
    bump_map_version,
    children,
    code_problem,
    create_city,
    descendants_query,
    get_city,
    get_node,
    node_count,
    path_codes,
)

__all__ = [
    "CityNotFound", "GeoError", "ImportRejected", "ImportReport", "InvalidNode", "Issue",
    "NodeNotFound", "OutsideCity", "add_node", "ancestors", "bump_map_version", "children",
    "clear_index_cache", "code_problem", "create_city", "descendants_query", "export_geojson",
    "get_city", "get_node", "grid_index", "grid_paths", "import_geojson", "locate", "locate_grid",
    "locate_many", "map_token", "node_count", "path_codes", "warm",
]
