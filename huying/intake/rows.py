"""The row-level import contract shared by every importer (reports, history, the
register): reading a CSV or XLSX file row by row with its line numbers, every bad row named
by line, field and reason (:class:`Problem`), the two modes, and the summary
(:class:`Outcome`). It imports no domain service, so any domain's importer may use it."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

from huying.errors import InvalidInput, NotPermitted, NotVisible, SettingError

COLUMNS = ("title", "detail", "lon", "lat", "address", "category", "priority", "channel",
           "anonymous", "contact", "reported_at")
REQUIRED = ("title",)
#: Accepted header aliases (Chinese headers of a typical ledger export).
ALIASES = {"标题": "title", "主题": "title", "subject": "title", "内容": "detail", "详情": "detail",
           "description": "detail", "经度": "lon", "纬度": "lat", "地址": "address", "类别": "category",
           "分类": "category", "优先级": "priority", "渠道": "channel", "匿名": "anonymous",
           "联系方式": "contact", "上报时间": "reported_at", "time": "reported_at"}


class Mode(enum.StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    SKIP_BAD = "skip-bad"


class FileError(ValueError):
    """The file as a whole cannot be read (format, header). ``key`` says which way, for the
    pages to word it (``format``, ``encoding``, ``csv``, ``xlsx``, ``header``, ``empty``,
    ``too_large``); ``missing``: the required columns a header lacks."""

    def __init__(self, message: str, key: str = "format", missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key, self.missing = key, missing


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str
    #: the refusal's short key (a ``SettingError``'s reason, ``scope``, ``not_found``), which
    #: the pages word in the person's language; "" when the importer gave none
    key: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


def problem_of(line: int, exc: Exception) -> Problem:
    """A refusal of the service as the problem of a line (its field, the reason without it)."""
    fld = exc.field if isinstance(exc, InvalidInput) and exc.field else "row"
    msg = str(exc)
    if msg.startswith(f"{fld}: "):
        msg = msg[len(fld) + 2:]
    key = (exc.reason if isinstance(exc, SettingError) else "scope" if isinstance(exc, NotPermitted)
           else "not_found" if isinstance(exc, NotVisible) else "")
    return Problem(line, fld, msg, key)


@dataclass
class Outcome:
    """What an import did (both importers): rows read, imported, stored or not, problems."""

    rows: int = 0
    imported: int = 0
    stored: bool = False
    mode: str = Mode.ALL_OR_NOTHING.value
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})

    def details(self) -> dict[str, Any]:
        """The importer's own figures in the summary."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "imported": self.imported, "stored": self.stored,
                "mode": self.mode, "bad_rows": len(self.bad_lines), **self.details(),
                "problems": [{"line": p.line, "field": p.field, "reason": p.reason, "key": p.key}
                             for p in self.problems]}


# --------------------------------------------------------------------------- reading


CSV_SUFFIXES = (".csv", ".txt", "")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_table(path: Path, *, columns: tuple[str, ...] = COLUMNS, aliases: dict[str, str] | None = None,
               required: tuple[str, ...] = REQUIRED, place: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) of each data row of a CSV (UTF-8, BOM allowed) or XLSX
    file (first sheet; needs openpyxl). The header is line 1; ``columns`` are the names
    understood (besides ``ALIASES`` and ``aliases``), ``required`` those that must be there;
    ``place``: the file must have lon/lat or address columns (reports)."""
    names = Columns(columns, {**ALIASES, **(aliases or {})}, required, place)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        yield from _read_xlsx(path, str(path), names)
        return
    if suffix not in CSV_SUFFIXES:
        raise FileError(f"{path}: use a .csv (UTF-8) or .xlsx file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"{path}: {exc.strerror or exc}") from None
    yield from _read_csv(data, str(path), names)


def read_upload(data: bytes, filename: str, *, columns: tuple[str, ...], aliases: dict[str, str] | None = None,
                required: tuple[str, ...] = (), place: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an uploaded file (its bytes; ``filename`` tells CSV from XLSX), as
    :func:`read_table` reads a file on disk."""
    names = Columns(columns, {**ALIASES, **(aliases or {})}, required, place)
    suffix = PurePath(filename).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        yield from _read_xlsx(io.BytesIO(data), filename, names)
    elif suffix in CSV_SUFFIXES:
        yield from _read_csv(data, filename, names)
    else:
        raise FileError(f"{filename}: use a .csv (UTF-8) or .xlsx file")


def _read_csv(data: bytes, name: str, names: Columns) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(f"{name}: not UTF-8 text (byte {exc.start}); save the file as CSV UTF-8",
                        "encoding") from None
    if "\x00" in text:
        raise FileError(f"{name}: not a text file (it holds NUL bytes)", "format")
    # a field as long as the file may be read (it is in memory already): a huge field is then
    # one row's problem, named by the row's checks, not the whole file's traceback
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        cols = _header(header or [], name, names)
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            row = {c: (values[i] if i < len(values) else "") for i, c in enumerate(cols) if c}
            if len(values) > len(cols):
                row["__extra__"] = str(len(values) - len(cols))
            yield line, row
    except csv.Error as exc:
        raise FileError(f"{name}: line {reader.line_num}: not readable as CSV ({exc})", "csv") from None


def _read_xlsx(source: Path | IO[bytes], name: str, names: Columns) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ModuleNotFoundError:
        raise FileError(f"{name}: reading XLSX needs openpyxl, which is not installed; "
                        "save the sheet as CSV (UTF-8) and import that", "xlsx") from None
    try:
        wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure of the workbook
        raise FileError(f"{name}: not a readable XLSX file ({exc.__class__.__name__})", "xlsx") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    cols = _header(["" if v is None else str(v) for v in header or []], name, names)
    for line, values in enumerate(rows, start=2):
        texts = ["" if v is None else (v.isoformat() if isinstance(v, dt.datetime) else str(v))
                 for v in values]
        if not any(t.strip() for t in texts):
            continue
        yield line, {c: (texts[i] if i < len(texts) else "") for i, c in enumerate(cols) if c}
    wb.close()


@dataclass(frozen=True)
class Columns:
    """The columns a kind of file has: names understood, header aliases, required ones."""

    names: tuple[str, ...]
    aliases: dict[str, str]
    required: tuple[str, ...]
    place: bool = True


def _header(header: list[str], path: str, names: Columns) -> list[str]:
    cols = []
    for h in header:
        name = h.strip().lower()
        name = names.aliases.get(h.strip(), names.aliases.get(name, name))
        cols.append(name if name in names.names else "")
    missing = [c for c in names.required if c not in cols]
    if missing:
        raise FileError(f"{path}: line 1: missing column(s) {', '.join(missing)} "
                        f"(columns: {', '.join(names.names)})", "header", tuple(missing))
    if names.place and not any(c in cols for c in ("lon", "address")):
        raise FileError(f"{path}: line 1: give lon and lat columns (or address)", "header", ("lon", "lat"))
    return cols


def read_float(raw: dict[str, str], name: str, lo: float, hi: float, line: int,
           problems: list[Problem]) -> float | None:
    """The number in column ``name`` of a row within [lo, hi], None when the cell is empty; a
    cell that is not such a number adds its problem (line, column, reason)."""
    text = (raw.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(line, name, f"{text!r} is not a number"))
        return None
    if not lo <= value <= hi:
        problems.append(Problem(line, name, f"{value} is outside [{lo}, {hi}]"))
        return None
    return value


#: The earliest moment an imported row may carry: earlier is a typing error (a year 0001
#: date, a spreadsheet's zero), not history.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def read_moment(raw: dict[str, str], name: str, line: int, problems: list[Problem], *,
                now: dt.datetime, naive: dt.tzinfo | None = None) -> dt.datetime | None:
    """The ISO date-time in column ``name`` (``/`` allowed for ``-``) as an aware UTC time,
    between :data:`EARLIEST` and ``now``; None when the cell is empty or bad (the problem
    added). Without an offset it is refused, unless ``naive`` says which zone it is in."""
    text = (raw.get(name) or "").strip()
    if not text:
        return None
    try:
        at = dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        problems.append(Problem(line, name, f"{text[:40]!r} is not an ISO date-time"))
        return None
    if at.tzinfo is None:
        if naive is None:
            problems.append(Problem(line, name, "needs a time zone offset (e.g. +08:00)"))
            return None
        at = at.replace(tzinfo=naive)
    try:
        at = at.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+08:00
        at = dt.datetime.min.replace(tzinfo=dt.UTC)
    if at < EARLIEST:
        problems.append(Problem(line, name, f"is before {EARLIEST.year}"))
        return None
    if at > now:
        problems.append(Problem(line, name, "is in the future"))
        return None
    return at


def counting(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None]:
    """A step callback for an importer: ``step(k)`` after k more rows tells ``progress``
    (done, total), when there is one."""
    done = 0

    def step(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(done, total)

    return step
