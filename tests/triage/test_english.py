"""English and mixed reports: English terms are written in Chinese before classification."""

from __future__ import annotations

from dataclasses import replace

from huying.triage.classifier import default_classifier
from huying.triage.glossary import to_chinese


def test_whole_english_terms_become_chinese_longest_first() -> None:
    assert to_chinese("Street  light broken") == "路灯 坏了"
    assert to_chinese("小区的street light坏了") == "小区的路灯坏了"
    assert to_chinese("the bus stop moved") == "the 公交站 moved"  # not 公交车 + stop
    assert to_chinese("busy roads") == "busy 道路"  # bus inside busy is not a term


def test_chinese_text_is_returned_unchanged() -> None:
    text = "A市A3区东门路灯晚上不亮"
    assert to_chinese(text) is text


def test_an_english_report_is_classified_like_its_chinese() -> None:
    clf = default_classifier()
    en = ("Kindergarten charges extra tuition fees", "The private kindergarten raised its school fees again")
    assert clf.predict([en])[0].label == clf.predict_one("幼儿园乱收费", "民办幼儿园学费又涨了").label == "教育文体"
    plain = replace(clf, config=replace(clf.config, english_glossary=False))
    assert plain.predict([en])[0].confidence < clf.predict([en])[0].confidence
