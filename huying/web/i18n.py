"""Languages and message catalogues.

Chinese first, English as a switch. The messages live in gettext catalogues under
``locale/<lang>/LC_MESSAGES/messages.po`` (compiled ``.mo`` beside them, committed), written
in English in the templates and translated in the ``zh`` catalogue. ``scripts/i18n.sh``
extracts, updates and compiles them.

The language of a request comes from ``?lang=`` (which also sets the ``lang`` cookie), else
the ``lang`` cookie, else :data:`DEFAULT`.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT = "zh"
COOKIE = "lang"
#: ``<html lang>`` of each language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_current: ContextVar[gettext.NullTranslations | None] = ContextVar(
    "huying_translations", default=None
)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English falls back to the msgids themselves)."""
    if lang not in LANGUAGES:
        lang = DEFAULT
    return gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=lang == "en"
    )


def pick(query: str | None, cookie: str | None) -> tuple[str, bool]:
    """The language of a request and whether the cookie must be (re)set."""
    if query in LANGUAGES:
        return query, query != cookie
    if cookie in LANGUAGES:
        return cookie, False
    return DEFAULT, False


def cookie_lang(cookies: Mapping[str, str]) -> str | None:
    return cookies.get(COOKIE)


@contextmanager
def active(lang: str) -> Iterator[None]:
    """Make ``lang`` the language of the gettext calls inside the block (template rendering)."""
    token = _current.set(translations(lang))
    try:
        yield
    finally:
        _current.reset(token)


def _t() -> gettext.NullTranslations:
    return _current.get() or translations(DEFAULT)


def gettext_(message: str) -> str:
    return _t().gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return _t().ngettext(singular, plural, n)


def pgettext_(context: str, message: str) -> str:
    return _t().pgettext(context, message)


def npgettext_(context: str, singular: str, plural: str, n: int) -> str:
    return _t().npgettext(context, singular, plural, n)
