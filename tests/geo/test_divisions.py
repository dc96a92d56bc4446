"""The shipped division list (Dongguan's 609 communities and villages) and its rules: the
name people use and the English label."""

from __future__ import annotations

import pytest

from huying.geo.divisions import english_name, kind_en, load_shipped, short_name
from tests.conftest import SHARED_DATA


def test_the_shipped_list_is_the_shared_one_with_the_articles_four() -> None:
    units = load_shipped()
    assert len(units) == 609 and len({u.code for u in units}) == 609
    assert all(len(u.code) == 12 and u.code.startswith(u.town_code) for u in units)
    by_code = {u.code: u for u in units}
    assert [by_code[c].short for c in ("441900003001", "441900005003", "441900103002", "441900123200")] \
        == ["岗贝社区", "石美社区", "茶山圩社区", "中围村"]
    shared = SHARED_DATA / "dongguan-communities.csv"
    if shared.exists():  # the package's copy is the attributed source, unchanged
        from importlib import resources

        assert resources.files("huying").joinpath("data", "dongguan-communities.csv").read_bytes() \
            == shared.read_bytes()


@pytest.mark.parametrize(("full", "short", "kind"), [
    ("岗贝社区居民委员会", "岗贝社区", "Community"),
    ("中围村村民委员会", "中围村", "Village"),
    ("茶溪社区", "茶溪社区", "Community"),
    ("黄旗生活区", "黄旗生活区", "Residential Area"),
    ("新村社区居委会", "新村社区", "Community"),
    ("居民委员会", "居民委员会", "Community"),  # a suffix alone is a name, not nothing
])
def test_the_name_people_use_drops_the_committee(full: str, short: str, kind: str) -> None:
    assert short_name(f" {full} ") == short and kind_en(short) == kind


def test_the_english_label_is_the_town_the_kind_and_the_code() -> None:
    assert english_name("Dongcheng Subdistrict", "441900003001", "岗贝社区") == "Dongcheng Community 001"
    assert english_name("Shatian Town", "441900123200", "中围村") == "Shatian Village 200"
    assert english_name("Songshan Lake", "441900401498", "松山湖虚拟社区") == "Songshan Lake Community 498"
