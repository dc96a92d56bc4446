"""The five steps a resident follows come from one mapping of the status (present.progress)."""

from __future__ import annotations

from huying.cases.present import Progress, Step, progress
from huying.cases.workflow import Status

EXPECTED = {
    Status.START: (Step.RECEIVED, 0, None),
    Status.NEW: (Step.RECEIVED, 0, None),
    Status.DISPATCHED: (Step.DISPATCHED, 1, None),
    Status.IN_PROGRESS: (Step.HANDLING, 2, None),
    Status.EXTENSION_REQUESTED: (Step.HANDLING, 2, None),
    Status.HANDLED: (Step.FOLLOW_UP, 3, None),
    Status.FOLLOWED_UP: (Step.CLOSED, 4, None),
    Status.CLOSED: (Step.CLOSED, 5, None),
    Status.REJECTED: (Step.RECEIVED, 1, "rejected"),
    Status.MERGED: (Step.DISPATCHED, 1, "merged"),
    # a service request's own statuses
    Status.AWAITING_MATERIALS: (Step.HANDLING, 2, None),
    Status.READY: (Step.FOLLOW_UP, 3, None),
    Status.DELIVERED: (Step.CLOSED, 4, None),
}


def test_every_status_has_its_step() -> None:
    assert set(EXPECTED) == set(Status)
    for status, (step, done, ended) in EXPECTED.items():
        p = progress(status)
        assert isinstance(p, Progress)
        assert (p.step, p.steps_done, p.ended) == (step, done, ended), status
        assert progress(status.value) == p  # a status as stored (a string) reads the same


def test_the_steps_only_move_forward_along_the_loop() -> None:
    loop = [Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.HANDLED, Status.FOLLOWED_UP,
            Status.CLOSED]
    done = [progress(s).steps_done for s in loop]
    assert done == sorted(done) and done[0] == 0 and done[-1] == len(Step)
    assert [s.name for s in Step] == ["RECEIVED", "DISPATCHED", "HANDLING", "FOLLOW_UP", "CLOSED"]
