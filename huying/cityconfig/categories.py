"""The category tree of a city: three levels, loaded from a CSV (``level1,level2,level3``,
optionally with their English names ``level1_en,level2_en,level3_en``),
editable afterwards on the administration pages (:func:`add_category`, :func:`rename`,
:func:`set_active`). The default tree is the real one shipped in ``huying/data/taxonomy.csv``.

A category's code is its parent's code, a dot and a suffix (``01``, ``01.02``,
``01.02.003``): the routing rules read a category's depth from its code. A disabled
category is no longer given to new reports (:func:`find`), nor offered to choose; the cases
that have it keep it."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from huying.cityconfig import config_cache
from huying.cityconfig.models import Category
from huying.db import read
from huying.errors import NotVisible, SettingError

LEVEL1_EN = {
    "交通运输": "Transport",
    "党务政务": "Party and government affairs",
    "农村农业": "Rural affairs and agriculture",
    "劳动和社会保障": "Labour and social security",
    "卫生计生": "Health and family planning",
    "商贸旅游": "Commerce and tourism",
    "国土资源": "Land and resources",
    "城乡建设": "Urban and rural construction",
    "政法": "Law and public security",
    "教育文体": "Education, culture and sports",
    "民政": "Civil affairs",
    "环境保护": "Environmental protection",
    "科技与信息产业": "Science, technology and IT",
    "纪检监察": "Discipline inspection",
    "经济管理": "Economic management",
}


class CategoryFileError(ValueError):
    """A bad line in a category CSV; the message names the line and field."""


@dataclass(frozen=True)
class CategoryRow:
    level1: str
    level2: str
    level3: str
    #: The English names (empty when the file has none; level 1 then falls back on
    #: :data:`LEVEL1_EN`).
    level1_en: str = ""
    level2_en: str = ""
    level3_en: str = ""


def default_taxonomy_path() -> Path:
    return Path(str(resources.files("huying") / "data" / "taxonomy.csv"))


def read_taxonomy(path: Path) -> list[CategoryRow]:
    rows: list[CategoryRow] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"level1", "level2", "level3"} - set(reader.fieldnames or [])
        if missing:
            raise CategoryFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for lineno, raw in enumerate(reader, start=2):
            values = []
            for field in ("level1", "level2", "level3"):
                value = (raw.get(field) or "").strip()
                if not value:
                    raise CategoryFileError(f"{path}:{lineno}: field {field!r} is empty")
                if len(value) > 60:
                    raise CategoryFileError(f"{path}:{lineno}: field {field!r} is longer than 60 characters")
                values.append(value)
            english = [(raw.get(f"{field}_en") or "").strip()[:120] for field in ("level1", "level2", "level3")]
            rows.append(CategoryRow(*values, *english))
    if not rows:
        raise CategoryFileError(f"{path}: no categories")
    return rows


def english_names(rows: list[CategoryRow]) -> dict[tuple[str, ...], str]:
    """The English name of each place of a tree file, by its Chinese names from level 1 down
    (the first row that names it; level 1 falls back to :data:`LEVEL1_EN`)."""
    english: dict[tuple[str, ...], str] = {}
    for row in rows:
        english.setdefault((row.level1,), row.level1_en or LEVEL1_EN.get(row.level1, ""))
        english.setdefault((row.level1, row.level2), row.level2_en)
        english.setdefault((row.level1, row.level2, row.level3), row.level3_en)
    return english


def load_tree(session: Session, city_id: int, path: Path | None = None) -> int:
    """Create the city's category tree from a CSV (default: the shipped tree). Codes are
    ``NN`` / ``NN.MM`` / ``NN.MM.KKK`` in file order. Returns the number of categories."""
    rows = read_taxonomy(path or default_taxonomy_path())
    existing = session.scalar(select(Category.id).where(Category.city_id == city_id).limit(1))
    if existing is not None:
        raise CategoryFileError("this city already has a category tree")
    # the codes in file order first, then one flush a level (each level needs its parents'
    # ids): three batched inserts instead of a flush for every level-1 and level-2 name
    l1: dict[str, str] = {}
    l2: dict[tuple[str, str], str] = {}
    l3: dict[tuple[str, str, str], str] = {}
    children: dict[str, int] = {}
    for row in rows:
        code1 = l1.setdefault(row.level1, f"{len(l1) + 1:02d}")
        key2 = (row.level1, row.level2)
        if key2 not in l2:
            children[code1] = children.get(code1, 0) + 1
            l2[key2] = f"{code1}.{children[code1]:02d}"
        key3 = (*key2, row.level3)
        if key3 not in l3:
            code2 = l2[key2]
            children[code2] = children.get(code2, 0) + 1
            l3[key3] = f"{code2}.{children[code2]:03d}"
    english = english_names(rows)
    made: dict[str, Category] = {}
    for level, codes in ((1, {(k,): v for k, v in l1.items()}), (2, l2), (3, l3)):
        for names, code in codes.items():
            parent = made[code.rpartition(".")[0]] if level > 1 else None
            made[code] = Category(city_id=city_id, code=code, level=level,
                                  parent_id=parent.id if parent else None,
                                  path=f"{parent.path if parent else '/'}{code}/",
                                  name_zh=names[-1], name_en=english[names])
        session.add_all(made[code] for code in codes.values())
        session.flush()
    count = len(made)
    forget(session)
    config_cache.bump(session, city_id, config_cache.CATEGORIES)
    return count


def fill_english_names(session: Session, city_id: int, path: Path | None = None) -> int:
    """Give the city's categories that have no English name the one of the same place in a
    tree file (default: the shipped tree): a category is matched by its Chinese names from
    level 1 down. Names set by hand are kept. Returns how many were filled (flushed, the caller
    commits). For a city loaded before the shipped tree had English names."""
    english = english_names(read_taxonomy(path or default_taxonomy_path()))
    cats = list(session.scalars(select(Category).where(Category.city_id == city_id)
                                .order_by(Category.level)))
    names: dict[int, tuple[str, ...]] = {}
    filled = 0
    for c in cats:
        key = (*names.get(c.parent_id, ()), c.name_zh) if c.parent_id else (c.name_zh,)
        names[c.id] = key
        if not c.name_en and english.get(key):
            c.name_en = english[key]
            filled += 1
    if filled:
        session.flush()
        forget(session)
        config_cache.bump(session, city_id, config_cache.CATEGORIES)
    return filled


#: Statements of the hot path (every report), built once.
_BY_CODE = select(Category).where(Category.city_id == bindparam("city"), Category.code == bindparam("code"))
_PATH = select(Category.path).where(Category.id == bindparam("id"))


def get_by_code(session: Session, city_id: int, code: str) -> Category | None:
    return session.scalar(_BY_CODE, {"city": city_id, "code": code})


def find(session: Session, city_id: int, ref: str) -> Category | None:
    """An active category by code, or by name (a level-1 or leaf name; first match in code
    order): the category a new report or a classification may be given. Remembered by the
    session (a request; long-lived sessions such as the demo's reuse it)."""
    found: dict[tuple[int, str], Category | None] = session.info.setdefault("huying.categories", {})
    key = (city_id, ref)
    if key not in found:
        found[key] = _find(session, city_id, ref)
    return found[key]


def forget(session: Session) -> None:
    """Drop what the session remembers of the tree (``huying.categories*`` entries of its
    info: :func:`find`'s and intake's); every edit below calls it."""
    for key in [k for k in session.info if str(k).startswith("huying.categories")]:
        del session.info[key]


def _find(session: Session, city_id: int, ref: str) -> Category | None:
    cat = get_by_code(session, city_id, ref)
    if cat is not None:
        return cat if cat.active else None
    return session.scalars(
        select(Category).where(Category.city_id == city_id, Category.name_zh == ref,
                               Category.active.is_(True)).order_by(Category.code)
    ).first()


# --------------------------------------------------------------------------- editing

MAX_DEPTH = 3
MAX_NAME_ZH = 60
MAX_NAME_EN = 120
#: The part of a code its level adds: letters and digits, at most 8.
_SUFFIX = re.compile(r"[0-9A-Za-z]{1,8}")


def _require(session: Session, city_id: int, code: str) -> Category:
    cat = get_by_code(session, city_id, code.strip())
    if cat is None:
        raise NotVisible(f"no category {code!r}")
    return cat


def _names(session: Session, city_id: int, parent: Category | None, name_zh: str, name_en: str,
           *, other_than: int | None = None) -> tuple[str, str]:
    name_zh, name_en = name_zh.strip(), name_en.strip()
    if not name_zh:
        raise SettingError("a category needs a Chinese name", "name_zh", "name_missing")
    if len(name_zh) > MAX_NAME_ZH or len(name_en) > MAX_NAME_EN:
        raise SettingError(f"names have at most {MAX_NAME_ZH} (Chinese) and {MAX_NAME_EN} "
                           "(English) characters", "name_zh", "name_long")
    siblings = select(Category.id).where(
        Category.city_id == city_id, Category.name_zh == name_zh,
        Category.parent_id == parent.id if parent else Category.parent_id.is_(None))
    if other_than is not None:
        siblings = siblings.where(Category.id != other_than)
    if session.scalar(siblings.limit(1)) is not None:  # routing rules name categories by path
        raise SettingError(f"{name_zh!r} is taken under the same parent", "name_zh", "name_taken")
    return name_zh, name_en


def _next_suffix(session: Session, city_id: int, parent: Category | None) -> str:
    """One more than the largest numeric suffix among the siblings, with their width."""
    codes = session.scalars(select(Category.code).where(
        Category.city_id == city_id,
        Category.parent_id == parent.id if parent else Category.parent_id.is_(None)))
    suffixes = [c.rsplit(".", 1)[-1] for c in codes]
    numbers = [int(x) for x in suffixes if x.isdigit()]
    width = 3 if parent is not None and parent.level == 2 else 2
    return f"{max(numbers, default=0) + 1:0{width}d}"


def add_category(session: Session, city_id: int, parent_code: str | None, suffix: str,
                 name_zh: str, name_en: str = "") -> Category:
    """Add a category under ``parent_code`` (None or "": a new level 1) with the code
    ``<parent code>.<suffix>`` (``suffix`` empty: the next free number). Raises
    :class:`SettingError` (reasons ``depth``, ``parent_disabled``, ``code``, ``taken``,
    ``name_missing``, ``name_long``, ``name_taken``) with nothing stored."""
    parent_code = (parent_code or "").strip()
    parent = _require(session, city_id, parent_code) if parent_code else None
    if parent is not None and parent.level >= MAX_DEPTH:
        raise SettingError(f"the tree has {MAX_DEPTH} levels: nothing goes under a level-{parent.level} "
                           "category", "parent", "depth")
    if parent is not None and not parent.active:
        raise SettingError("enable the parent category first", "parent", "parent_disabled")
    suffix = suffix.strip()
    if suffix and not _SUFFIX.fullmatch(suffix):
        raise SettingError("the code's own part is 1 to 8 letters or digits", "code")
    name_zh, name_en = _names(session, city_id, parent, name_zh, name_en)
    suffix = suffix or _next_suffix(session, city_id, parent)
    code = f"{parent.code}.{suffix}" if parent else suffix
    if get_by_code(session, city_id, code) is not None:
        raise SettingError(f"the code {code} is taken", "code", "taken")
    cat = Category(city_id=city_id, code=code, level=parent.level + 1 if parent else 1,
                   parent_id=parent.id if parent else None,
                   path=f"{parent.path if parent else '/'}{code}/", name_zh=name_zh, name_en=name_en,
                   active=True)
    session.add(cat)
    forget(session)
    config_cache.bump(session, city_id, config_cache.CATEGORIES)
    session.commit()
    return cat


#: Called with (session, city id) before a category's names change, in its transaction.
BEFORE_RENAME: list[Callable[[Session, int], object]] = []


def rename(session: Session, city_id: int, code: str, name_zh: str, name_en: str = "") -> Category:
    """Give a category new names (its code, and so its cases and rules, stay)."""
    cat = _require(session, city_id, code)
    parent = session.get(Category, cat.parent_id) if cat.parent_id else None
    name_zh, name_en = _names(session, city_id, parent, name_zh, name_en, other_than=cat.id)
    # The shipped routing rules name categories by their names: a city still on them gets
    # them as its own rows (by code) before a name changes, so its routing stays the same
    # (huying.triage.routing subscribes here).
    for hook in BEFORE_RENAME:
        hook(session, city_id)
    cat.name_zh, cat.name_en = name_zh, name_en
    forget(session)
    config_cache.bump(session, city_id, config_cache.CATEGORIES)
    session.commit()
    return cat


def set_active(session: Session, city_id: int, code: str, active: bool) -> int:
    """Disable (or enable again) a category and everything below it; returns how many
    categories changed. A category under a disabled one cannot be enabled alone
    (:class:`SettingError`, reason ``parent_disabled``)."""
    cat = _require(session, city_id, code)
    if active and cat.parent_id is not None:
        parent = session.get(Category, cat.parent_id)
        if parent is not None and not parent.active:
            raise SettingError("enable the parent category first", "code", "parent_disabled")
    below = list(session.scalars(select(Category).where(
        Category.city_id == city_id, Category.path.startswith(cat.path), Category.active.is_(not active))))
    for c in below:
        c.active = active
    forget(session)
    config_cache.bump(session, city_id, config_cache.CATEGORIES)
    session.commit()
    return len(below)


def active_below(session: Session, city_id: int, cats: Sequence[Category]) -> dict[str, int]:
    """How many active categories lie below each of ``cats`` (what disabling it would also
    disable, see :func:`set_active`), by code."""
    out: dict[str, int] = {}
    for c in cats:
        n = session.scalar(select(func.count()).select_from(Category).where(
            Category.city_id == city_id, Category.path.startswith(c.path), Category.id != c.id,
            Category.active.is_(True)))
        out[c.code] = int(n or 0)
    return out


def codes_of_path(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def category_path(session: Session, category_id: int | None) -> str | None:
    """The category's path (cached for the session's life: paths never change)."""
    if category_id is None:
        return None
    cache: dict[int, str | None] = session.info.setdefault(_PATHS, {})
    if category_id not in cache:
        cache[category_id] = read(session, _PATH, {"id": category_id}).scalar()
    return cache[category_id]


def remember_path(session: Session, category_id: int, path: str,
                  shown: tuple[str, str, str] | None = None) -> None:
    """Tell the session a category's path (and ``shown``: its code and names) that the caller
    has just read (intake, from the tree it classified into), so that :func:`category_path`
    and :func:`shown_of` need not read them again."""
    session.info.setdefault(_PATHS, {})[category_id] = path
    if shown is not None:
        session.info.setdefault(_SHOWN, {})[category_id] = shown


_SHOWN_OF = select(Category.code, Category.name_zh, Category.name_en).where(Category.id == bindparam("id"))


def shown_of(session: Session, category_id: int | None) -> tuple[str, str, str] | None:
    """A category's code, Chinese and English names (what a case's page shows), read once in
    the session. A report's answer is built after its commit: without this, on PostgreSQL,
    reading them again took a transaction of its own."""
    if category_id is None:
        return None
    cache: dict[int, tuple[str, str, str] | None] = session.info.setdefault(_SHOWN, {})
    if category_id not in cache:
        row = read(session, _SHOWN_OF, {"id": category_id}).first()
        cache[category_id] = (row[0], row[1], row[2] or "") if row is not None else None
    return cache[category_id]


_PATHS = "huying.category_paths"
#: names can change: under the prefix that :func:`forget` drops at every edit
_SHOWN = "huying.categories.shown"
