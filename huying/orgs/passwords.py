"""The password a person may choose (NIST SP 800-63B §5.1.1.2, as ASVS 6.2 asks): at least
:data:`MIN_LENGTH` characters (any characters, spaces and Chinese included, no composition
rules), at most :data:`MAX_LENGTH`, not only spaces, not the username, and not one of the
passwords attackers try first (``common_passwords.txt``: the most frequent passwords of
public leak lists, including the Chinese favourites such as ``woaini1314`` and
``5201314``, compared without case and surrounding spaces)."""

from __future__ import annotations

import functools
from importlib import resources

MIN_LENGTH = 8
MAX_LENGTH = 128


@functools.cache
def common() -> frozenset[str]:
    text = resources.files("huying.orgs").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be chosen (a short English reason), or None."""
    if len(password) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must have at most {MAX_LENGTH} characters"
    if not password.strip():
        return "password must not be only spaces"
    plain = password.strip().lower()
    if username and plain == username.strip().lower():
        return "password must not be the username"
    if plain in common():
        return "password is one of the most common passwords"
    return None
