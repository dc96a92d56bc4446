from tests.cases.conftest import T0, World, api, at, world  # noqa: F401
