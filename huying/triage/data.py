"""Reading residents' messages from CSV (the columns of the competition's ``labelled.csv``).

Errors name the file, the line and the field, so an operator can fix the file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

LABELLED_COLUMNS = ("id", "user", "subject", "time", "detail", "label")
TEXT_COLUMNS = ("subject", "detail")


class DataError(Exception):
    """A CSV that cannot be used, with the place of the problem in the message."""


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line in the file where the record starts (header is line 1)
    id: str
    subject: str
    detail: str
    label: str | None
    reply: str = ""  # the official reply, when the file has a ``reply`` column (replied.csv)

    @property
    def message(self) -> tuple[str, str]:
        return (self.subject, self.detail)


def read_messages(
    path: str | Path,
    *,
    require_label: bool,
    known_labels: Iterable[str] | None = None,
) -> list[Row]:
    """Rows of a messages CSV. ``require_label`` demands a non-empty ``label`` column;
    ``known_labels`` rejects labels outside that set (e.g. those a model cannot predict)."""
    path = Path(path)
    required: Sequence[str] = ("subject", "detail", "label") if require_label else TEXT_COLUMNS
    known = set(known_labels) if known_labels is not None else None
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    rows: list[Row] = []
    with fh:
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DataError(f"{path}: line 1: not a UTF-8 CSV file ({exc})") from exc
        if not header:
            raise DataError(f"{path}: empty file (expected a header with {', '.join(required)})")
        missing = [c for c in required if c not in header]
        if missing:
            raise DataError(
                f"{path}: line 1: missing column(s) {', '.join(missing)} "
                f"(found {', '.join(h for h in header if h)})"
            )
        end_of_previous = reader.line_num
        try:
            for rec in reader:
                line, end_of_previous = end_of_previous + 1, reader.line_num
                if None in rec:
                    raise DataError(f"{path}: line {line}: more fields than the header has")
                subject = (rec.get("subject") or "").strip()
                detail = (rec.get("detail") or "").strip()
                if not subject and not detail:
                    raise DataError(f"{path}: line {line}: field subject/detail: both are empty")
                label: str | None = None
                if "label" in header:
                    label = (rec.get("label") or "").strip() or None
                if require_label and label is None:
                    raise DataError(f"{path}: line {line}: field label: empty")
                if known is not None and label is not None and label not in known:
                    raise DataError(
                        f"{path}: line {line}: field label: unknown category {label!r} "
                        f"(the model knows {', '.join(sorted(known))})"
                    )
                reply = (rec.get("reply") or "").strip()
                rows.append(Row(line, (rec.get("id") or "").strip(), subject, detail, label, reply))
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
        except csv.Error as exc:
            raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from exc
    if not rows:
        raise DataError(f"{path}: no messages (only a header)")
    return rows


def messages_dir() -> Path | None:
    env = os.environ.get("HUYING_MESSAGES_DIR")
    if env:
        return Path(env) if Path(env, "labelled.csv").exists() else None
    for base in (Path.cwd(), Path(__file__).resolve()):
        for parent in [base, *base.parents]:
            cand = parent / "shared" / "data" / "messages"
            if (cand / "labelled.csv").exists():
                return cand
            cand = parent.parent / "shared" / "data" / "messages"
            if (cand / "labelled.csv").exists():
                return cand
    return None
