"""Intake runs in the closed loop's small city (tests/cases/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from huying.config import get_settings
from huying.geo import service as geo
from huying.triage.versions import forget_served
from tests.cases.conftest import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    geo.clear_index_cache()
    return build_world(session)


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Retrained models and attachments go to a folder of the test's own."""
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    forget_served()
    yield tmp_path / "data"
    forget_served()
