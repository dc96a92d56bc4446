"""Personal data typed into a title is hidden wherever the public reads it (issue 19): the
one rule (``huying.cases.redact.public_text``) over real-looking patterns, full-width
digits included, and nothing else in the text touched."""

from __future__ import annotations

import pytest

from huying.cases.redact import MASK, found, public_text


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
    out = public_text(text)
    assert out is not None and MASK in out
    assert kind in found(text)
    digits = [c for c in out if c.isdigit()]
    assert len(digits) < 6, out  # no long run of the number is left
    assert out.startswith(text[:2])  # the words around it stay


@pytest.mark.parametrize("text", [
    "东门路灯晚上不亮", "2026年12月6日下午3点楼道灯坏了", "3号楼2单元1502室漏水", "第12路公交车站牌倒了",
    "垃圾桶满了已经3天", "案件441900-2026-000123还没处理", "", None,
])
def test_ordinary_text_is_left_alone(text: str | None) -> None:
    assert public_text(text) == text
    assert found(text) == []
