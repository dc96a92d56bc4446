"""A committed database per backend with the API tests' small city (tokens, three cases in
known states): what backups, readiness and metrics are tried on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.api.conftest import filled_url
from tests.conftest import Databases


@dataclass
class Filled:
    url: str
    backend: str
    tokens: dict[str, str]
    cases: dict[str, str]
    user_ids: dict[str, int]


@pytest.fixture
def filled(backend: str, databases: Databases) -> Iterator[Filled]:
    url, known = filled_url(backend, databases)
    yield Filled(url, backend, dict(known["tokens"]), dict(known["cases"]), dict(known["user_ids"]))
    databases.release(url)
