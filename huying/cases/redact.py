"""Personal data typed into free text, hidden wherever the public reads it.

A resident writes "楼下路灯坏了，有事打我 138 1234 5678" and the title goes on the public map,
the public API and Open311. :func:`public_text` is the one rule every public surface calls:
mobile and landline numbers (with +86, spaces, dashes or full-width digits), identity
numbers (18 digits with a check character, or the old 15), bank card numbers and e-mail
addresses become :data:`MASK`. :func:`found` says which kinds a text holds, so that the
reporter can be told what the public will not see.

Names of people are not detected here (the register's names would be needed); the
description, the address and the contact are never public anyway (``present``)."""

from __future__ import annotations

import re
import unicodedata

MASK = "***"

# Longest first: an identity number contains a run that looks like a phone number.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("id_number", re.compile(r"(?<!\d)(?:\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                             r"|\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![\dXx])")),
    ("bank_card", re.compile(r"(?<!\d)(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)(?!\d)")),
    ("phone", re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")),
    ("landline", re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[ -]?)?[2-8]\d{2,3}[ -]?\d{4}(?!\d)")),
)


def _normal(text: str) -> str:
    """Full-width digits, letters and signs as ASCII (NFKC), so that ＂１３８…＂ is caught."""
    return unicodedata.normalize("NFKC", text)


def public_text(text: str | None) -> str | None:
    """``text`` as the public may read it: personal numbers and addresses masked."""
    if not text:
        return text
    out = _normal(text)
    for _, pattern in _PATTERNS:
        out = pattern.sub(MASK, out)
    return out if out != _normal(text) else text


def found(text: str | None) -> list[str]:
    """The kinds of personal data in ``text`` (e.g. ``["phone"]``), in the order checked."""
    if not text:
        return []
    rest = _normal(text)
    kinds = []
    for kind, pattern in _PATTERNS:
        if pattern.search(rest):
            kinds.append(kind)
            rest = pattern.sub(MASK, rest)
    return kinds
