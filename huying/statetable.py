"""A declared state table (after python-statemachine): moves ``(source, action) → target``
with the roles that may take them and an optional guard; the one implementation of looking
a move up, the actions a role has now, the table's shape checks and its Mermaid diagram, for
the domains' small workflows (a match of the lists, a public-welfare project). The closed
loop's own table (:mod:`huying.cases.workflow`) has more to it (kinds, facts, audiences)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from huying.errors import IllegalTransition, Refused

StateT = TypeVar("StateT")


@dataclass(frozen=True)
class Move:
    source: str
    action: str
    target: str
    roles: frozenset[str]
    #: The name of a guard (a function of the row's state giving the reason it may not, or None).
    guard: str | None = None


class Table(Generic[StateT]):
    """Moves over ``statuses`` from ``initial``; nothing leaves a ``final`` status."""

    def __init__(self, what: str, moves: Iterable[Move], *, statuses: Iterable[str], initial: str,
                 final: Iterable[str], guards: Mapping[str, Callable[[StateT], str | None]] | None = None,
                 illegal: type[IllegalTransition] = IllegalTransition) -> None:
        self.what, self.moves = what, tuple(moves)
        self.statuses, self.initial, self.final = tuple(statuses), initial, frozenset(final)
        self.guards = dict(guards or {})
        self.illegal = illegal
        self._by_key: dict[tuple[str, str], Move] = {}
        self._twice = [m for m in self.moves if self._by_key.setdefault((m.source, m.action), m) is not m]
        self.actions = tuple(dict.fromkeys(m.action for m in self.moves))

    def move(self, status: str, action: str) -> Move | None:
        return self._by_key.get((str(status), str(action)))

    def _stops(self, move: Move, state: StateT | None) -> str | None:
        return None if move.guard is None or state is None else self.guards[move.guard](state)

    def allowed(self, status: str, role: str, state: StateT | None = None) -> list[str]:
        """The actions ``role`` may take from ``status`` now (the buttons a page shows)."""
        return [m.action for m in self.moves if m.source == str(status) and str(role) in m.roles
                and self._stops(m, state) is None]

    def next(self, status: str, action: str, role: str, state: StateT | None = None) -> str:
        """The status after ``action``: the table's ``illegal`` error (409, listing what is
        allowed) when there is no such move for the role; :class:`Refused` with the guard's
        reason when its guard says no."""
        move = self.move(status, action)
        if move is None or str(role) not in move.roles:
            raise self.illegal(str(status), str(action), str(role), self.allowed(status, role))
        reason = self._stops(move, state)
        if reason:
            raise Refused(reason)
        return move.target

    def _reach(self, start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            s = todo.pop()
            for m in self.moves:
                if m.source == s and m.target not in seen:
                    seen.add(m.target)
                    todo.append(m.target)
        return seen

    def problems(self) -> list[str]:
        """The definition checks: no move twice, every move has a role and a known guard,
        nothing leaves a final status, every status is reachable from the initial one and
        can reach a final one. Empty when the table is sound."""
        out = [f"{m.source}/{m.action} appears twice" for m in self._twice]
        out += [f"{m.source}/{m.action} has no role" for m in self.moves if not m.roles]
        out += [f"{m.source}/{m.action}: unknown guard {m.guard}" for m in self.moves
                if m.guard is not None and m.guard not in self.guards]
        out += [f"{m.action} leaves the final status {m.source}" for m in self.moves if m.source in self.final]
        known = set(self.statuses)
        out += [f"{m.source}/{m.action} names an unknown status" for m in self.moves
                if m.source not in known or m.target not in known]
        reached = self._reach(self.initial)
        out += [f"{s} cannot be reached" for s in self.statuses if s not in reached]
        out += [f"{s} cannot reach a final status" for s in self.statuses
                if s not in self.final and not self._reach(s) & self.final]
        return out

    def mermaid(self) -> str:
        """The table as a Mermaid state diagram."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        lines += [f"    {m.source} --> {m.target}: {m.action}" for m in self.moves]
        lines += [f"    {s} --> [*]" for s in sorted(self.final)]
        return "\n".join(lines)

