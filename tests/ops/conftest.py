"""A committed database per backend with the API tests' small city (tokens, three cases in
known states): what backups, readiness and metrics are tried on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.db import Base, make_engine
from huying.orgs.models import User
from tests.api.conftest import populate
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
    url = databases.new_url(backend)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        _world, toks, cases, _notice = populate(s)
        s.commit()
        ids = {u.username: u.id for u in s.scalars(select(User))}
    engine.dispose()
    yield Filled(url, backend, toks, cases, ids)
