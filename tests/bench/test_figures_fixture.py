"""The P3 fixture (``bench/figures.py``): its cases follow the workflow table, its events
are in time order, its rollup is the one ``rollup.rebuild`` computes from its events, and a
cached fixture is built once and rebuilt when its identity changes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from huying.cases.workflow import TRANSITIONS, Action, Status

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _figures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_figures", BENCH / "figures.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_figures"] = mod
    spec.loader.exec_module(mod)
    return mod


F = _figures()


def test_every_generated_life_is_a_walk_through_the_workflow_table() -> None:
    ends = []
    for tpl in F.TEMPLATES:
        status = Status.START
        for k in tpl:
            action, frm, to = F.EVTYPES[k]
            assert (frm or "start") == status.value, (tpl, action)
            status = TRANSITIONS[(status, Action(action))].target
            assert status.value == to, (tpl, action)
        ends.append(status)
    assert set(ends) == {Status.CLOSED}


def test_the_generated_cases_are_the_same_for_a_seed_and_their_events_in_time_order() -> None:
    a = list(F.chunks(80, 20, 3_000, seed=7))
    b = list(F.chunks(80, 20, 3_000, seed=7))
    assert all(np.array_equal(x.ev_at_us, y.ev_at_us) and np.array_equal(x.tpl, y.tpl) for x, y in zip(a, b, strict=True))
    for ch in a:
        assert np.all(np.diff(ch.ev_at_us) >= 0)  # written as the service writes them
        assert ch.ev_at_us.max() < F._NOW_US  # nothing after NOW
        assert np.array_equal(np.bincount(ch.ev_case, minlength=ch.m), ch.n_ev)  # version == events
        assert np.all(ch.created_us == np.array([ch.ev_at_us[ch.ev_case == i].min() for i in range(ch.m)]))
        # open: cases in flight (a life is at most 11 steps of 30 h), in the status their last event left
        assert np.all(ch.created_us[ch.open] > F._NOW_US - 11 * 30 * 3600e6)
        assert set(F._EV_TO[ch.last_type[ch.open]]) <= {b"new", b"dispatched", b"in_progress", b"handled", b"followed_up"}
    tpl = np.concatenate([c.tpl for c in a])
    assert 0.07 < np.mean(tpl == 0) < 0.13  # fixed on the spot
    backlog = np.concatenate([c.open for c in a])
    assert 0 < backlog.sum() < 0.05 * len(backlog)  # the cases in flight, not a share of history


def test_a_cached_fixture_is_built_once_and_rebuilt_when_its_identity_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, built = F.cached_fixture("sqlite", 600, 3, True, tmp_path)
    assert not built["reused"] and built["cases"] == 600 and built["events"] > 3_000
    assert F.verify_rollup_equals_rebuild(url) == built["rollup_rows"]
    again, built2 = F.cached_fixture("sqlite", 600, 3, True, tmp_path)
    assert again == url and built2["reused"] and built2["events"] == built["events"]
    assert F.cached_fixture("sqlite", 600, 4, True, tmp_path)[0] != url  # another seed: another file
    monkeypatch.setattr(F, "GEN_VERSION", F.GEN_VERSION + 1)  # the generator changed
    assert not F.cached_fixture("sqlite", 600, 3, True, tmp_path)[1]["reused"]


def test_the_fixture_schema_hash_does_not_depend_on_what_the_process_imported() -> None:
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import figures; print(figures._schema_hash())"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert fresh.stdout.strip() == F._schema_hash()
