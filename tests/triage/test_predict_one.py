"""A report is classified alone on intake's hot path (``predict_one``, without the batch's
sparse matrices): it must say exactly what the batch says about the same message."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from huying.triage.classifier import default_classifier
from tests.conftest import SHARED_DATA

MESSAGES = SHARED_DATA / "messages" / "unlabelled.csv"
MADE_UP = [("小区电梯坏了", "3栋电梯停运一周无人维修"), ("路灯不亮", ""), ("", "垃圾堆在门口没人清理"),
           ("Street light broken", "the lamp at gate 3 is out"), ("１２３４５", "！！！"), ("", "")]


def _messages() -> list[tuple[str, str]]:
    if not MESSAGES.exists():
        return MADE_UP
    with MESSAGES.open(encoding="utf-8-sig") as fh:
        rows = [(r["subject"], r["detail"] or "") for r in csv.DictReader(fh)]
    return MADE_UP + rows[:400]


def test_one_message_alone_gets_the_batch_prediction() -> None:
    clf = default_classifier()
    msgs = _messages()
    batch = clf.predict(msgs, k=3)
    for msg, want in zip(msgs, batch, strict=True):
        got = clf.predict_one(*msg, k=3)
        assert [label for label, _ in got.top] == [label for label, _ in want.top], msg
        assert got.confidence == pytest.approx(want.confidence, abs=1e-5), msg
        assert np.allclose([p for _, p in got.top], [p for _, p in want.top], atol=1e-5), msg
