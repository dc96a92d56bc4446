"""``docs/security.md`` cites a test for every requirement it calls met and for every probe of
issue 19; each cited ``tests/…py::name`` must exist (the file, and a test of that name in
it, at the top level or in a class), each cited ``tests/…`` path too, so that a renamed or
deleted test fails here instead of leaving a row that checks nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
#: ``tests/web/test_x.py::test_y`` (or a path alone) between backticks.
CITED = re.compile(r"`(tests/[\w/]+(?:\.py)?)(?:::(\w+))?`")


def defined_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.add(node.name)
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {f.name for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
    return names


def citations(text: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in CITED.finditer(text)]


def test_every_cited_test_exists() -> None:
    cited = citations(DOC.read_text(encoding="utf-8"))
    assert len([c for c in cited if c[1]]) >= 40, "the page cites its tests by file::name"
    missing = []
    for path, name in cited:
        target = ROOT / path
        if not target.exists():
            missing.append(path)
        elif name is not None and name not in defined_in(target):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/security.md cites tests that do not exist: {missing}"


def test_the_check_sees_a_missing_test(tmp_path: Path) -> None:
    """The parser finds the forms the page uses, and a name that is not a test is caught."""
    text = "| 7.4.1 | … | `tests/ops/test_security_doc.py::test_every_cited_test_exists`, `tests/ops` |"
    assert citations(text) == [("tests/ops/test_security_doc.py", "test_every_cited_test_exists"), ("tests/ops", None)]
    assert "test_no_such_test" not in defined_in(ROOT / "tests/ops/test_security_doc.py")
    assert "test_every_cited_test_exists" in defined_in(ROOT / "tests/ops/test_security_doc.py")


def test_nothing_met_is_also_open() -> None:
    """A requirement is met, open or not applicable, once."""
    text = DOC.read_text(encoding="utf-8")
    met = text.split("## Met, with the test that checks it")[1].split("## Open")[0]
    open_ = text.split("## Open (applies, not met yet)")[1].split("## Does not apply")[0]

    def ids(section: str) -> set[str]:
        rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| ") and "ASVS" not in line]
        return {i for r in rows if "(part" not in r for i in re.findall(r"\b\d+\.\d+\.\d+\b", r)}

    assert not ids(met) & ids(open_), ids(met) & ids(open_)
