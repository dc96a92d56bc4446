"""An administrator edits the category tree: codes follow the parent's, three levels at
most, names unique among siblings; a disabled category (and its subtree) is not given to
new reports while old cases keep it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from huying.cityconfig import categories
from huying.cityconfig.models import Category
from huying.errors import InvalidInput, SettingError
from tests.cases.conftest import World


def test_codes_follow_the_parent_and_number_on(world: World) -> None:
    s, city = world.session, world.city_id
    top = categories.add_category(s, city, None, "", "社区治理", "Community governance")
    assert (top.code, top.level, top.path) == ("16", 1, "/16/")  # the shipped tree has 15
    mid = categories.add_category(s, city, "16", "", "楼道管理")
    assert (mid.code, mid.level, mid.path) == ("16.01", 2, "/16/16.01/")
    leaf = categories.add_category(s, city, "16.01", "", "楼道堆物")
    assert (leaf.code, leaf.path) == ("16.01.001", "/16/16.01/16.01.001/")
    named = categories.add_category(s, city, "16.01", "X9", "楼道照明")
    assert named.code == "16.01.X9"
    assert categories.add_category(s, city, "16.01", "", "楼道消防").code == "16.01.002"


@pytest.mark.parametrize(("parent", "suffix", "name", "reason"), [
    ("01.01.001", "", "第四级", "depth"),
    ("01", "01", "新类别", "taken"),
    ("01", "a/b", "新类别", "code"),
    ("01", "", " ", "name_missing"),
    ("", "", "城乡建设", "name_taken"),
])
def test_a_bad_category_is_refused(world: World, parent: str, suffix: str, name: str, reason: str) -> None:
    with pytest.raises(SettingError) as caught:
        categories.add_category(world.session, world.city_id, parent, suffix, name)
    assert caught.value.reason == reason


def test_a_disabled_category_is_not_given_to_new_reports_and_old_cases_keep_it(world: World) -> None:
    s, city = world.session, world.city_id
    old = world.report(category="01.01")
    subtree = s.scalar(select(func.count()).select_from(Category).where(
        Category.city_id == city, Category.path.startswith("/01/01.01/")))
    assert subtree and subtree > 1
    assert categories.set_active(s, city, "01.01", False) == subtree  # it and everything below it
    s.expire_all()
    assert old.category_id == categories.get_by_code(s, city, "01.01").id  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="category"):
        world.report(category="01.01")
    with pytest.raises(InvalidInput, match="category"):
        world.report(category="01.01.001")
    # Nothing can be added below it, and its children do not come back alone.
    with pytest.raises(SettingError) as caught:
        categories.add_category(s, city, "01.01", "", "新类别")
    assert caught.value.reason == "parent_disabled"
    with pytest.raises(SettingError) as caught:
        categories.set_active(s, city, "01.01.001", True)
    assert caught.value.reason == "parent_disabled"
    assert categories.set_active(s, city, "01.01", True) == subtree
    assert world.report(category="01.01").category_id == old.category_id


def test_a_rename_keeps_the_code(world: World) -> None:
    s, city = world.session, world.city_id
    cat = categories.rename(s, city, "01.01", "新名称", "New name")
    assert (cat.code, cat.name_zh, cat.name_en) == ("01.01", "新名称", "New name")
    with pytest.raises(SettingError) as caught:  # a sibling's name
        categories.rename(s, city, "01.01", categories.get_by_code(s, city, "01.02").name_zh)  # type: ignore[union-attr]
    assert caught.value.reason == "name_taken"


def test_a_case_shows_the_new_name_in_the_session_that_renamed_its_category(world: World) -> None:
    """The names a session holds for a case's page (``categories.shown_of``) are dropped at a
    rename, as everything else it remembers of the tree."""
    s, city = world.session, world.city_id
    case = world.report(category="01.01")
    assert categories.shown_of(s, case.category_id)[0] == "01.01"  # type: ignore[index]
    categories.rename(s, city, "01.01", "改过的名称", "Renamed")
    assert categories.shown_of(s, case.category_id) == ("01.01", "改过的名称", "Renamed")
