"""Chinese addresses: parsing with noise, full-width digits and Chinese numerals; exact,
fuzzy, ambiguous and unknown matches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huying.contact.address import AddressIndex, AddressParts, chinese_to_int, normalise, parse


@pytest.mark.parametrize(("text", "value"), [("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105),
                                             ("两千", 2000), ("一二零一", 1201), ("三", 3)])
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


def test_it_reads_every_part_of_a_noisy_address() -> None:
    got = parse("广东省东莞市 虎门镇岗贝社区 人民路１２号，金色华庭十二栋2单元一二零一室")
    assert got == AddressParts("虎门镇", "岗贝社区", "人民路", "12", "金色华庭", "12", "2", "1201")


@pytest.mark.parametrize(("text", "expected"), [
    ("东城街道花园新村社区居民委员会东城大道3之2号A座1205",
     AddressParts("东城街道", "花园新村社区", "东城大道", "3-2", None, "A", None, "1205")),
    ("虎门镇 白沙村 沿河路 8 号 3-2-201",
     AddressParts("虎门镇", "白沙村", "沿河路", "8", None, "3", "2", "201")),
    ("长安镇乌沙社区振兴路100号5号楼3楼301房",
     AddressParts("长安镇", "乌沙社区", "振兴路", "100", None, "5", None, "301")),
    ("莞城街道新村路5号b-1203", AddressParts("莞城街道", None, "新村路", "5", None, "B", None, "1203")),
    ("石龙镇中山东路十二号", AddressParts("石龙镇", None, "中山东路", "12")),
    ("东莞大道8号", AddressParts(None, None, "东莞大道", "8")),
    ("岗贝社区人民路012号", AddressParts(None, "岗贝社区", "人民路", "12")),
])
def test_it_reads_the_usual_forms(text: str, expected: AddressParts) -> None:
    assert parse(text) == expected


def test_what_it_cannot_read_is_kept() -> None:
    assert parse("虎门镇人民路12号旁边小卖部").rest == "旁边小卖部"


@given(st.integers(1, 9999))
def test_full_width_and_chinese_numbers_give_the_same_key(n: int) -> None:
    digits = str(n)
    full = digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    cn = "".join("零一二三四五六七八九"[int(d)] for d in digits)
    keys = {parse(f"虎门镇人民路{x}号{x}栋{x}室").key() for x in (digits, full, cn)}
    assert len(keys) == 1


def test_normalise_drops_spaces_and_punctuation() -> None:
    assert normalise(" 虎门镇，人民路 （12）号 ") == "虎门镇人民路12号"


REGISTER = [
    (1, "虎门镇岗贝社区人民路12号3栋201室", "G-HM-1"),
    (2, "虎门镇岗贝社区人民路12号3栋202室", "G-HM-1"),
    (3, "长安镇乌沙社区人民路12号1栋101室", "G-CA-7"),
    (4, "虎门镇白沙村沿河路8号", "G-HM-3"),
    (5, "东城街道岗贝社区东城大道100号A座1205", "G-DC-2"),
    (6, "东城街道岗贝社区东城大道100号A座1205", "G-DC-9"),  # a duplicate in the register
]


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex(REGISTER)


def test_the_same_address_written_differently_is_exact(index: AddressIndex) -> None:
    for text in ("虎门镇岗贝社区人民路12号3栋201室", "虎门镇 岗贝社区 人民路 １２号 三栋 二零一",
                 "广东省东莞市虎门镇岗贝社区人民路十二号3幢201房"):
        m = index.match(text)
        assert (m.kind, m.grid_code, m.candidates[0].address_id) == ("exact", "G-HM-1", 1), text


def test_a_less_specific_address_in_one_grid_is_a_fuzzy_match(index: AddressIndex) -> None:
    m = index.match("虎门镇人民路12号")
    assert (m.kind, m.grid_code) == ("fuzzy", "G-HM-1")
    assert {c.address_id for c in m.candidates} == {1, 2}


def test_a_town_without_its_suffix_is_read(index: AddressIndex) -> None:
    m = index.match("长安人民路12号")
    assert (m.kind, m.grid_code, m.parts.town) == ("fuzzy", "G-CA-7", "长安镇")


def test_a_misspelt_road_still_finds_its_address(index: AddressIndex) -> None:
    m = index.match("虎门镇岗贝社区人民璐12号3栋201")
    assert (m.kind, m.grid_code, m.candidates[0].address_id) == ("fuzzy", "G-HM-1", 1)
    assert m.candidates[0].score < 1


def test_an_address_in_two_towns_is_ambiguous_and_lists_both(index: AddressIndex) -> None:
    m = index.match("人民路12号")
    assert m.kind == "ambiguous" and m.grid_code is None
    assert {c.grid_code for c in m.candidates} == {"G-HM-1", "G-CA-7"}


def test_a_duplicate_in_two_grids_is_ambiguous_even_when_exact(index: AddressIndex) -> None:
    m = index.match("东城街道岗贝社区东城大道100号A座1205")
    assert m.kind == "ambiguous" and {c.grid_code for c in m.candidates} == {"G-DC-2", "G-DC-9"}


def test_a_conflicting_part_rules_an_address_out(index: AddressIndex) -> None:
    # 人民路12号 3栋 is in 虎门 only, and 长安's 人民路12号 has building 1: nothing fits
    assert index.match("长安镇人民路12号3栋201室").kind == "unknown"
    assert index.match("长安镇人民路12号1栋").grid_code == "G-CA-7"
    m = index.match("东城街道人民路99号")
    assert (m.kind, m.candidates) == ("unknown", [])


def test_a_community_named_like_a_town_is_read_as_a_community() -> None:
    index = AddressIndex([
        (1, "塘厦镇塘厦社区幸福路1号", "G-TX-1"),
        (2, "高埗镇塘厦村和平路76号28栋2303室", "G-GB-4"),
        (3, "樟木头镇圩镇社区振兴路31号", "G-ZMT-2"),
    ])
    assert index.match("塘厦村和平路76号28栋2303室").grid_code == "G-GB-4"
    assert index.match("圩镇社区振兴路31号").grid_code == "G-ZMT-2"
    assert index.match("塘厦幸福路1号").grid_code == "G-TX-1"


def test_a_misspelt_road_of_four_characters_is_found() -> None:
    index = AddressIndex([(1, "东城街道东城大道100号", "G-DC-2"), (2, "南城街道鸿福路100号", "G-NC-1")])
    m = index.match("东城街道东成大道100号")
    assert (m.kind, m.grid_code) == ("fuzzy", "G-DC-2")
    assert index.match("东城街道东城大遒100号").grid_code == "G-DC-2"


def test_a_misspelling_that_is_another_registered_road_is_still_found() -> None:
    index = AddressIndex([(1, "寮步镇下岭贝村创业路214号1栋2001室", "G-LB-1"),
                          (2, "常平镇袁山贝村兴业路104号", "G-CP-2")])
    m = index.match("寮步镇下岭贝村兴业路214号1栋2001室")
    assert (m.kind, m.grid_code) == ("fuzzy", "G-LB-1")
