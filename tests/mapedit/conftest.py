"""The closed loop's small city (``tests/cases/conftest.py``): two towns, each a community of
two grids side by side (x0 … x0+0.1 and x0+0.1 … x0+0.2, latitude 23.0 … 23.2)."""

from tests.cases.conftest import api, api_db, api_engine, at, world  # noqa: F401 - fixtures
