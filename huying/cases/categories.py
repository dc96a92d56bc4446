"""The category tree of a city: three levels, loaded from a CSV (``level1,level2,level3``),
editable afterwards. The default tree is the real one shipped in ``huying/data/taxonomy.csv``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases.models import Category

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
            rows.append(CategoryRow(*values))
    if not rows:
        raise CategoryFileError(f"{path}: no categories")
    return rows


def load_tree(session: Session, city_id: int, path: Path | None = None) -> int:
    """Create the city's category tree from a CSV (default: the shipped tree). Codes are
    ``NN`` / ``NN.MM`` / ``NN.MM.KKK`` in file order. Returns the number of categories."""
    rows = read_taxonomy(path or default_taxonomy_path())
    existing = session.scalar(select(Category.id).where(Category.city_id == city_id).limit(1))
    if existing is not None:
        raise CategoryFileError("this city already has a category tree")
    l1: dict[str, Category] = {}
    l2: dict[tuple[str, str], Category] = {}
    l3: set[tuple[str, str, str]] = set()
    count = 0
    for row in rows:
        if row.level1 not in l1:
            code = f"{len(l1) + 1:02d}"
            c = Category(city_id=city_id, code=code, level=1, path=f"/{code}/",
                         name_zh=row.level1, name_en=LEVEL1_EN.get(row.level1, ""))
            session.add(c)
            session.flush()
            l1[row.level1] = c
            count += 1
        parent = l1[row.level1]
        key2 = (row.level1, row.level2)
        if key2 not in l2:
            n = sum(1 for k in l2 if k[0] == row.level1) + 1
            code = f"{parent.code}.{n:02d}"
            c = Category(city_id=city_id, code=code, level=2, parent_id=parent.id,
                         path=f"{parent.path}{code}/", name_zh=row.level2, name_en="")
            session.add(c)
            session.flush()
            l2[key2] = c
            count += 1
        parent2 = l2[key2]
        key3 = (row.level1, row.level2, row.level3)
        if key3 in l3:
            continue
        l3.add(key3)
        n = sum(1 for k in l3 if k[:2] == key2)
        code = f"{parent2.code}.{n:03d}"
        session.add(Category(city_id=city_id, code=code, level=3, parent_id=parent2.id,
                             path=f"{parent2.path}{code}/", name_zh=row.level3, name_en=""))
        count += 1
    session.flush()
    return count


def get_by_code(session: Session, city_id: int, code: str) -> Category | None:
    return session.scalar(select(Category).where(Category.city_id == city_id, Category.code == code))


def find(session: Session, city_id: int, ref: str) -> Category | None:
    """A category by code, or by name (a level-1 or leaf name; first match in code order)."""
    cat = get_by_code(session, city_id, ref)
    if cat is not None:
        return cat
    return session.scalars(
        select(Category).where(Category.city_id == city_id, Category.name_zh == ref).order_by(Category.code)
    ).first()


def codes_of_path(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)
