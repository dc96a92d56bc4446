"""`huying triage train` / `eval`: the evaluation interface, exactly as written in issue 7."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from huying.triage.classifier import TextClassifier
from huying.triage.cli import app
from tests.triage.conftest import COLUMNS, tiny_rows, write_csv

runner = CliRunner()


def _train(data: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["train", "--data", str(data), "--out", str(out), *extra])


def test_train_then_eval_round_trip_ends_with_macro_f1_line(tiny_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    res = _train(tiny_csv, model, "--trained-at", "2026-02-03")
    assert res.exit_code == 0, res.output
    assert model.exists()
    res = runner.invoke(app, ["eval", "--model", str(model), "--data", str(tiny_csv)])
    assert res.exit_code == 0, res.output
    lines = res.output.rstrip("\n").splitlines()
    assert re.fullmatch(r"macro_f1=[01]\.\d{4}", lines[-1])
    assert "accuracy=" in res.output and "confusion matrix" in res.output
    assert "教育文体" in res.output  # per-class F1 names the classes
    assert float(lines[-1].split("=")[1]) > 0.9  # it learnt its own training data


def test_train_accepts_unlabelled_messages_for_self_training(tiny_csv: Path, tmp_path: Path) -> None:
    pool = write_csv(tmp_path / "pool.csv", [
        {"id": "1", "subject": "初中入学", "detail": "学校学位紧张，孩子上学难"},
        {"id": "2", "subject": "工资拖欠", "detail": "老板不发工资，也不缴社保"},
    ], columns=["id", "subject", "detail"])
    res = _train(tiny_csv, tmp_path / "m.npz", "--unlabelled", str(pool))
    assert res.exit_code == 0, res.output
    assert "pseudo-labelled" in res.output


def test_eval_rejects_a_label_the_model_does_not_know(tiny_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    assert _train(tiny_csv, model).exit_code == 0
    rows = tiny_rows(1)
    rows[4]["label"] = "外星事务"
    bad = write_csv(tmp_path / "bad.csv", rows)
    res = runner.invoke(app, ["eval", "--model", str(model), "--data", str(bad)])
    assert res.exit_code != 0
    assert "bad.csv: line 6: field label: unknown category '外星事务'" in res.output
    assert "Traceback" not in res.output


def test_train_names_the_missing_column(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "nolabel.csv", tiny_rows(1), columns=COLUMNS[:-1])
    res = _train(bad, tmp_path / "m.npz")
    assert res.exit_code != 0
    assert "nolabel.csv: line 1: missing column(s) label" in res.output


def test_train_rejects_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    res = _train(empty, tmp_path / "m.npz")
    assert res.exit_code != 0
    assert "empty.csv: empty file" in res.output


def test_train_rejects_a_header_without_rows(tmp_path: Path) -> None:
    only = write_csv(tmp_path / "header.csv", [])
    res = _train(only, tmp_path / "m.npz")
    assert res.exit_code != 0
    assert "header.csv: no messages" in res.output


def test_train_names_the_line_of_an_empty_label(tmp_path: Path) -> None:
    rows = tiny_rows(1)
    rows[2]["label"] = ""
    res = _train(write_csv(tmp_path / "gap.csv", rows), tmp_path / "m.npz")
    assert res.exit_code != 0
    assert "gap.csv: line 4: field label: empty" in res.output


def test_eval_reports_an_unreadable_model(tiny_csv: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a model")
    res = runner.invoke(app, ["eval", "--model", str(junk), "--data", str(tiny_csv)])
    assert res.exit_code != 0
    assert "junk.npz: not a huying triage model" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["eval", "--model", str(tmp_path / "nope.npz"), "--data", str(tiny_csv)])
    assert res.exit_code != 0
    assert "nope.npz: no such model file" in res.output


def test_eval_reports_a_missing_data_file(tiny_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    assert _train(tiny_csv, model).exit_code == 0
    res = runner.invoke(app, ["eval", "--model", str(model), "--data", str(tmp_path / "x.csv")])
    assert res.exit_code != 0
    assert "x.csv: cannot read" in res.output


def test_train_takes_several_unlabelled_files_after_one_option(
    tiny_csv: Path, tmp_path: Path
) -> None:
    pools = [write_csv(tmp_path / f"pool{i}.csv", [
        {"id": "1", "subject": s, "detail": d}], columns=["id", "subject", "detail"])
        for i, (s, d) in enumerate([("初中入学", "学校学位紧张"), ("工资拖欠", "老板不发工资")])]
    res = runner.invoke(app, ["train", "--data", str(tiny_csv), "--unlabelled", str(pools[0]),
                              str(pools[1]), "--out", str(tmp_path / "m.npz")])
    assert res.exit_code == 0, res.output
    meta = TextClassifier.load(tmp_path / "m.npz").metadata
    assert meta["unlabelled"] == [str(p) for p in pools] and meta["n_pool"] == 2


def test_train_rejects_a_stray_argument_without_unlabelled(tiny_csv: Path, tmp_path: Path) -> None:
    res = _train(tiny_csv, tmp_path / "m.npz", "stray.csv")
    assert res.exit_code == 2
    assert "unexpected argument stray.csv" in res.output
