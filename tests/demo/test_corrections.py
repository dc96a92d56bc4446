"""The demo city's staff correct the classifier, and ``huying triage retrain`` learns from them:
the labelled messages are classified by a model that has never seen them (the taxonomy's names
alone), and the dispatcher corrects what it gets wrong with the real category."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import huying.db
from huying.cases.models import Case, CaseEvent
from huying.cli import app
from huying.config import get_settings
from huying.db import make_engine
from huying.demo.cases import demo_end, run_cases
from huying.orgs.models import User
from huying.triage.corrections import Correction, corrections
from huying.triage.data import messages_dir
from huying.triage.versions import forget_served
from tests.conftest import Databases
from tests.demo.test_cases import _small_city

END = demo_end(dt.date(2026, 11, 20))
#: Cases of the year, every one through the service: about 30 of them tell a labelled message.
N = 600


@pytest.fixture(scope="module")
def city(backend: str, databases: Databases) -> Iterator[tuple[str, list[Correction]]]:
    if messages_dir() is None:
        pytest.skip("the residents' messages are not beside the checkout: no labelled message to correct")
    url = _small_city(backend, databases)
    run_cases(url, 1, 7, n=N, end=END)
    engine = make_engine(url)
    with Session(engine) as s:
        found = corrections(s, 1)
    engine.dispose()
    yield url, found


def test_the_dispatchers_correct_the_classifiers_first_level_with_the_real_one(
        city: tuple[str, list[Correction]]) -> None:
    url, found = city
    changed = [c for c in found if c.corrected != c.predicted]
    assert changed, "no correction changed the classifier's category"
    assert len(changed) < len(found) / 4  # most of what people classify, they take as suggested
    engine = make_engine(url)
    with Session(engine) as s:
        for c in changed:
            note, role = s.execute(
                select(CaseEvent.note, User.role).join(Case, Case.id == CaseEvent.case_id)
                .join(User, User.id == CaseEvent.actor_id)
                .where(Case.code == c.case_code, CaseEvent.action == "classify")).one()
            assert (note, role) == ("更正分类", "community_officer")  # a staff command, an event
    engine.dispose()


def test_retraining_the_demo_city_learns_from_its_corrections(
        city: tuple[str, list[Correction]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, found = city
    engine = make_engine(url)
    real_scope = huying.db.session_scope

    def scope() -> AbstractContextManager[Session]:
        return real_scope(engine)

    monkeypatch.setattr(huying.db, "session_scope", scope)
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    forget_served()
    try:
        res = CliRunner().invoke(app, ["triage", "retrain", "--city", "441900", "--now", "2026-11-21T09:00:00+08:00"])
    finally:
        engine.dispose()
        forget_served()
    assert res.exit_code == 0, res.output
    saved = json.loads((tmp_path / "models" / "triage" / "441900" / "20261121T010000Z.json").read_text())
    changed = sum(c.corrected != c.predicted for c in found)
    assert saved["n_corrections"] == len(found) > 0 and saved["n_changed"] == changed > 0
    assert saved["previous"]["version"] == "default-2026-01-01" and saved["previous"]["cv_macro_f1"] > 0.8
    assert 0 <= saved["changed_cv_right"] <= changed and saved["cv_folds"] == 3
    assert '"n_changed"' in res.output and '"cv_macro_f1"' in res.output  # said, not only written

