"""Personal data typed into a title is hidden wherever the public reads it (issue 19): the
one rule (``huying.cases.redact.public_text``) over real-looking patterns, full-width
digits and the register's names included, and nothing else in the text touched."""

from __future__ import annotations

import pytest

from huying.cases.redact import COMMON_WORDS, MASK, NO_NAMES, Names, found, public_text

#: A register as a city's would hold it: common names, a compound surname, a transcribed name
#: with its dot, a name that is also an everyday word, one character, and rubbish.
REGISTER = Names(["张伟明", "李娜", "欧阳志明", "买买提·艾力", "马路", "王", "", "Wang Wei", "陈 晓",
                  "司马光明", "李娜娜"])


@pytest.mark.parametrize(("text", "kind"), [
    ("路灯坏了，联系我13812345678", "phone"),
    ("路灯坏了，电话 138 1234 5678", "phone"),
    ("路灯坏了，电话138-1234-5678", "phone"),
    ("请回电 +86 139 0000 1111", "phone"),
    ("请回电 008613900001111", "phone"),
    ("全角号码１３８１２３４５６７８也要隐去", "phone"),
    ("座机0769-22334455有人接", "landline"),
    ("座机（0769）22334455", "landline"),
    ("我的身份证号441900199001011234", "id_number"),
    ("身份证44190019900101123X丢了", "id_number"),
    ("老身份证441900900101123", "id_number"),
    ("退款到卡 6222 0212 3456 7890 123", "bank_card"),
    ("邮件 zhang.san@example.com 联系", "email"),
])
def test_personal_data_is_masked(text: str, kind: str) -> None:
    out = public_text(text, NO_NAMES)
    assert out is not None and MASK in out
    assert kind in found(text, NO_NAMES)
    digits = [c for c in out if c.isdigit()]
    assert len(digits) < 6, out  # no long run of the number is left
    assert out.startswith(text[:2])  # the words around it stay


@pytest.mark.parametrize("text", [
    "东门路灯晚上不亮", "2026年12月6日下午3点楼道灯坏了", "3号楼2单元1502室漏水", "第12路公交车站牌倒了",
    "垃圾桶满了已经3天", "案件441900-2026-000123还没处理", "", None,
])
def test_ordinary_text_is_left_alone(text: str | None) -> None:
    assert public_text(text, NO_NAMES) == text
    assert found(text, NO_NAMES) == []
    assert public_text(text, REGISTER) == text  # no registered name in it either
    assert found(text, REGISTER) == []


@pytest.mark.parametrize(("text", "masked"), [
    ("张伟明家门口的路灯坏了", "张**家门口的路灯坏了"),
    ("请联系李娜处理", "请联系李*处理"),
    ("请联系李娜娜处理", "请联系李**处理"),  # the longer registered name wins over its start
    ("欧阳志明反映楼道堵塞", "欧***反映楼道堵塞"),
    ("买买提·艾力的店门口积水", "买*****的店门口积水"),
    ("买买提・艾力的店门口积水", "买*****的店门口积水"),  # another dot
    ("找司马光明或者张伟明", "找司***或者张**"),
    ("张伟明，电话１３８１２３４５６７８", "张**,电话***"),  # full-width digits and comma (NFKC)
])
def test_a_registered_name_is_masked(text: str, masked: str) -> None:
    assert public_text(text, REGISTER) == masked
    assert "name" in found(text, REGISTER)
    assert public_text(text, NO_NAMES) == text or "name" not in found(text, NO_NAMES)


@pytest.mark.parametrize("text", [
    "马路上有个大坑",  # 马路 is registered, but an everyday word is never a name
    "王先生家漏水",  # one character is never a name
    "张伟家门口",  # a name that is not registered (张伟明 is)
    "李家村口垃圾",  # 李 and a word
    "Wang Wei 的车", "陈 晓说",  # registered rows that are not names
])
def test_words_that_are_no_registered_full_name_stay(text: str) -> None:
    assert public_text(text, REGISTER) == text
    assert "name" not in found(text, REGISTER)


def test_the_register_keeps_only_names_of_two_characters_or_more() -> None:
    assert REGISTER.size == 6  # 张伟明 李娜 欧阳志明 买买提·艾力 司马光明 李娜娜
    assert "马路" in COMMON_WORDS and "马路" not in REGISTER and "王" not in REGISTER
    assert NO_NAMES.size == 0 and "李娜" not in NO_NAMES


def test_a_large_register_is_rebuilt_in_the_background_while_the_old_names_serve(
        fresh_engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A changed register of ``BACKGROUND_ABOVE`` names or more: the next public request gets
    the names held so far at once (no request waits for a million names to be read), and the
    new names once the thread has read them; a small register is rebuilt in line."""
    from sqlalchemy.orm import Session

    from huying.cases import redact
    from huying.geo.models import City
    from huying.orgs.models import Person

    with Session(fresh_engine) as s:
        city = City(code="RED001", name_zh="测试市", name_en="Test")
        s.add(city)
        s.flush()
        s.add_all([Person(city_id=city.id, name=n) for n in ("张伟明", "李娜")])
        s.commit()
        cid = city.id
    redact.forget()
    with Session(fresh_engine) as s:
        first = redact.register_names(s, cid)
        assert "张伟明" in first and "欧阳志明" not in first

    # small (below the bound): a change is seen by the very next call
    with Session(fresh_engine) as s:
        s.add(Person(city_id=cid, name="欧阳志明"))
        s.commit()
        assert "欧阳志明" in redact.register_names(s, cid)

    monkeypatch.setattr(redact, "BACKGROUND_ABOVE", 1)
    with Session(fresh_engine) as s:
        s.add(Person(city_id=cid, name="司马光明"))
        s.commit()
        held = redact.register_names(s, cid)
        assert "欧阳志明" in held and "司马光明" not in held  # the old names, at once
        thread = redact._rebuilding.get(cid)
        if thread is not None:
            thread.join(30)
        assert "司马光明" in redact.register_names(s, cid)
        assert redact.public_text("司马光明家门口的路灯坏了", redact.register_names(s, cid)) == "司***家门口的路灯坏了"
