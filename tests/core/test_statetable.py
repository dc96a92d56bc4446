"""The declared state table the domains' small workflows share: a sound table has no
problems, and each kind of unsound table is named."""

from __future__ import annotations

import pytest

from huying.errors import IllegalTransition, Refused
from huying.statetable import Move, Table

R = frozenset({"officer"})


def table(*moves: Move, guards: dict[str, object] | None = None) -> Table[int]:
    return Table("thing", moves, statuses=["start", "open", "done", "lost"], initial="start",
                 final=["done", "lost"], guards=guards or {})  # type: ignore[arg-type]


SOUND = (Move("start", "make", "open", R), Move("open", "finish", "done", R, "ready"),
         Move("open", "drop", "lost", R))


def test_a_sound_table_moves_and_says_what_is_allowed() -> None:
    t = table(*SOUND, guards={"ready": lambda n: None if n >= 3 else f"only {n} of 3"})
    assert t.problems() == []
    assert t.next("open", "finish", "officer", 3) == "done"
    assert t.allowed("open", "officer", 1) == ["drop"] and t.allowed("open", "officer") == ["finish", "drop"]
    with pytest.raises(Refused, match="only 1 of 3"):
        t.next("open", "finish", "officer", 1)
    with pytest.raises(IllegalTransition, match="allowed: finish, drop") as e:
        t.next("open", "make", "officer")
    assert e.value.allowed == ["finish", "drop"]
    with pytest.raises(IllegalTransition, match="allowed: nothing"):
        t.next("open", "finish", "resident")
    assert "open --> done: finish" in t.mermaid() and "done --> [*]" in t.mermaid()


@pytest.mark.parametrize(("extra", "problem"), [
    (Move("open", "drop", "done", R), "appears twice"),
    (Move("done", "reopen", "open", R), "leaves the final status done"),
    (Move("open", "wait", "open", frozenset()), "has no role"),
    (Move("open", "hold", "open", R, "no-such-guard"), "unknown guard"),
    (Move("open", "park", "parked", R), "unknown status"),
])
def test_an_unsound_table_is_named(extra: Move, problem: str) -> None:
    t = table(*SOUND, extra, guards={"ready": lambda n: None})
    assert any(problem in p for p in t.problems()), t.problems()


def test_unreachable_and_dead_end_statuses_are_named() -> None:
    t = Table("thing", [Move("start", "make", "open", R)], statuses=["start", "open", "done", "lost"],
              initial="start", final=["done"])
    problems = t.problems()
    assert "done cannot be reached" in problems and "lost cannot be reached" in problems
    assert "open cannot reach a final status" in problems
