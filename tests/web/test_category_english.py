"""Every category of the shipped tree has an English name (read from the data file), and the
English pages show it: in the pickers at every level and as a case's category."""

from __future__ import annotations

import csv
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.cases import service as svc
from huying.cityconfig.categories import default_taxonomy_path, fill_english_names
from huying.cityconfig.models import Category
from tests.web.scene import HTML, actor, report, sign_in, utcnow

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_every_category_in_the_data_file_has_an_english_name() -> None:
    with default_taxonomy_path().open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 500
    names: dict[str, set[str]] = {}
    for row in rows:
        for level in ("level1", "level2", "level3"):
            en = row[f"{level}_en"].strip()
            assert en and not CJK.search(en), (row[level], en)
            names.setdefault(row[level], set()).add(en)
    # one Chinese name, one English name, wherever it appears in the tree
    assert {zh: en for zh, en in names.items() if len(en) > 1} == {}


def test_the_city_tree_carries_the_english_names(city_session: Session) -> None:
    missing = city_session.scalars(select(Category.code).where(Category.name_en == "")).all()
    assert missing == []


def test_a_case_and_the_picker_show_english_names_in_english(
        city_client: TestClient, city_session: Session) -> None:
    case = report(city_session, title="路灯不亮")
    leaf = city_session.scalar(select(Category).where(Category.level == 3, Category.active.is_(True))
                               .order_by(Category.code).limit(1))
    assert leaf is not None
    svc.classify(city_session, case, actor(city_session, "community"), category=leaf.code, now=utcnow())
    city_session.commit()
    sign_in(city_client, "resident")
    page = city_client.get(f"/cases/{case.code}?lang=en", headers=HTML).text
    shown = re.search(r'<dd translate="no" id="case-category">(.*?)</dd>', page)
    assert shown and shown.group(1) == leaf.name_en
    form = city_client.get("/report?lang=en", headers=HTML).text
    level2 = city_session.scalar(select(Category).where(Category.level == 2).order_by(Category.code).limit(1))
    assert level2 is not None and level2.name_en in form and level2.name_zh not in form
    public = city_client.get(f"/public/cases/{case.code}?lang=en", headers=HTML).text
    assert f'id="case-category">{leaf.name_en}</dd>' in public


def test_a_city_loaded_without_english_names_gets_them_from_the_file(city_session: Session) -> None:
    cats = list(city_session.scalars(select(Category).order_by(Category.code).limit(40)))
    before = {c.id: c.name_en for c in cats}
    kept = cats[0]
    for c in cats:
        c.name_en = ""
    kept.name_en = "Set by hand"
    city_session.flush()
    assert fill_english_names(city_session, kept.city_id) == len(cats) - 1
    assert kept.name_en == "Set by hand"
    assert {c.id: c.name_en for c in cats[1:]} == {k: v for k, v in before.items() if k != kept.id}
    city_session.rollback()
