"""``huying report`` on both databases: one node's PDF and HTML files, a batch of a level
writes one file per node, and a bad period or node is refused naming the option."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huying.cli import app
from tests.accountability.conftest import T25, T26, closed_case
from tests.cases.conftest import _reset_caches, build_world

runner = CliRunner()
NOW = "2026-11-30T10:00:00+08:00"


@pytest.fixture
def cli(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _reset_caches()
    with Session(fresh_engine, expire_on_commit=False) as s:
        w = build_world(s)
        closed_case(w, T25)
        closed_case(w, T26)
        s.commit()
    monkeypatch.setenv("HUYING_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    _reset_caches()
    yield
    _reset_caches()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, ["report", *args, "--now", NOW])
    return r.exit_code, r.stdout, r.stderr


def test_one_node_as_pdf_and_as_html(cli: None, tmp_path: Path) -> None:
    code, out, err = run("--node", "441900101", "--period", "2026", "--format", "pdf", "--out", str(tmp_path / "t.pdf"))
    assert code == 0, err
    assert (tmp_path / "t.pdf").read_bytes().startswith(b"%PDF")
    code, out, err = run("--node", "441900101", "--period", "2026Q1", "--format", "html",
                         "--out", str(tmp_path / "t.html"))
    assert code == 0, err
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "测试1镇" in html and "2026年第1季度" in html and "减负强能" in html


def test_a_batch_of_a_level_writes_one_file_per_node(cli: None, tmp_path: Path) -> None:
    code, out, err = run("--level", "town", "--period", "2026", "--format", "html", "--out-dir", str(tmp_path),
                         "--workers", "1")
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["441900101-测试1镇2026年工作报告.html", "441900102-测试2镇2026年工作报告.html"], names
    assert "wrote 2 reports" in out


BAD = [
    (("--node", "441900101", "--period", "2026X"), "--period"),
    (("--node", "441900101", "--period", "2026Q5"), "--period"),
    (("--node", "441900101", "--from", "2026-02-30", "--to", "2026-03-01"), "--from"),
    (("--node", "441900101", "--from", "2026-03-01"), "--period"),
    (("--node", "nowhere", "--period", "2026"), "--node"),
    (("--node", "441900101", "--format", "docx"), "--format"),
    (("--level", "street", "--period", "2026"), "--level"),
    (("--period", "2026",), "--node"),
]


def test_bad_input_is_refused_naming_the_option(cli: None) -> None:
    for args, named in BAD:
        code, out, err = run(*args)
        assert code == 2, (args, code, out, err)
        assert named in err, (args, err)
