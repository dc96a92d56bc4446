"""A server worker's start-up: what it built is frozen out of the garbage collector's sight,
so that no request pays for a full collection walking it (docs/performance.md, P1)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from huying.app import create_app
from huying.config import get_settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_start_up_freezes_what_it_built(unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "gc_freeze", True)
    assert gc.get_freeze_count() == 0
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, the app and its routes at least
        assert len(gc.get_objects()) < frozen  # a full collection walks the rest only


def test_the_freeze_can_be_turned_off(unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "gc_freeze", False)
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("setting", "expected"), [(0, 4), (3, 3)])
def test_a_worker_runs_as_many_requests_at_once_as_its_threads(
        unfrozen: None, monkeypatch: pytest.MonkeyPatch, setting: int, expected: int) -> None:
    import anyio
    import anyio.to_thread

    monkeypatch.setattr(get_settings(), "gc_freeze", False)
    monkeypatch.setattr(get_settings(), "threads", setting)

    async def started() -> float:
        app = create_app()
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as own:  # a loop of its own (another test's may run in this thread)
        assert own.submit(anyio.run, started).result() == expected
