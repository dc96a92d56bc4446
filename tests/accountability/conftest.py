"""The API client of the closed loop's small city (``tests.cases.conftest.api``) for these tests too."""

from tests.cases.conftest import api  # noqa: F401
