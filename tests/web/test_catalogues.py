"""The message catalogues: every message of the templates is translated into Chinese, and
the compiled ``.mo`` files match their ``.po`` sources."""

from __future__ import annotations

import gettext
import re

import pytest

from huying.web import i18n
from huying.web.templating import TEMPLATE_DIR

MSG = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"\s*\)|_\(\s*'((?:[^'\\]|\\.)*)'\s*\)""")


def template_messages() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATE_DIR.rglob("*.html"):
        for a, b in MSG.findall(path.read_text(encoding="utf-8")):
            found.add(a or b)
    return found


def test_the_templates_have_messages() -> None:
    assert len(template_messages()) > 20


@pytest.mark.parametrize("message", sorted(template_messages()))
def test_every_template_message_has_a_chinese_translation(message: str) -> None:
    zh = i18n.translations("zh")
    assert isinstance(zh, gettext.GNUTranslations)
    assert zh.gettext(message) != message, f"not translated in zh: {message!r}"


def test_english_shows_the_message_itself() -> None:
    assert i18n.translations("en").gettext("Where is this?") == "Where is this?"


def test_compiled_catalogues_match_their_sources() -> None:
    babel = pytest.importorskip("babel.messages.pofile", reason="Babel (a dev dependency)")
    for lang in i18n.LANGUAGES:
        po_path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as f:
            po = babel.read_po(f)
        mo = i18n.translations(lang)
        for m in po:
            if isinstance(m.id, tuple):  # a plural entry: each form through ngettext
                if any(m.string):
                    assert not m.fuzzy, (lang, m.id)
                    for n, form in ((1, m.string[0]), (2, m.string[-1])):
                        assert mo.ngettext(m.id[0], m.id[1], n) == form, lang
            elif m.id and m.string:
                assert not m.fuzzy, (lang, m.id)
                assert mo.gettext(str(m.id)) == m.string, f"{lang}: run scripts/i18n.sh compile"
