"""Identity numbers (居民身份证号码) in the register: checked, stored as a keyed hash
(HMAC-SHA256 under ``HUYING_ID_HASH_KEY``) with a masked display (``4419**********1234``),
never as the number itself. The number is only ever held in memory while a row is read;
no message of this module repeats it."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from huying.config import get_settings
from huying.errors import InvalidInput
from huying.orgs.models import Person

_FORM = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def clean(number: str) -> str:
    """Spaces removed, a final ``x`` upper-cased."""
    return re.sub(r"\s+", "", number).upper()


def problem(number: str) -> str | None:
    """Why ``number`` is not a mainland identity number (GB 11643: 17 digits and a check
    character), or None. The reason never contains the number."""
    n = clean(number)
    if not _FORM.match(n):
        return f"not an identity number: {len(n)} characters, 18 expected (17 digits and a digit or X)"
    total = sum(int(d) * w for d, w in zip(n[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != n[17]:
        return "the check character does not match the other 17 (a mistyped digit?)"
    return None


def mask(number: str) -> str:
    """``4419**********1234``: the first four (the prefecture) and the last four characters."""
    n = clean(number)
    return n[:4] + "*" * (len(n) - 8) + n[-4:]


class NoIdKey(InvalidInput):
    """No key is configured: identity numbers cannot be stored."""

    def __init__(self) -> None:
        super().__init__("HUYING_ID_HASH_KEY is not set: identity numbers cannot be stored", "id_number")


def key() -> bytes:
    """The configured key (``HUYING_ID_HASH_KEY``); :class:`NoIdKey` when there is none."""
    k = get_settings().id_hash_key
    if not k:
        raise NoIdKey
    return k.encode()


def digest(number: str, key_bytes: bytes | None = None) -> str:
    """The keyed hash of ``number`` (hex): equal numbers give equal hashes under one key, so
    a person is found by number without storing it."""
    return hmac.new(key_bytes if key_bytes is not None else key(), clean(number).encode(),
                    hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """``张*`` / ``欧阳**``: the family name kept, the given name masked."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * max(1, len(name) - keep)


def heads(session: Session, household_ids: Sequence[int]) -> dict[int, str]:
    """Each household's head as shown in lists: the first person registered, masked."""
    out: dict[int, str] = {}
    if not household_ids:
        return out
    for hid, name in session.execute(select(Person.household_id, Person.name)
                                     .where(Person.household_id.in_(household_ids)).order_by(Person.id)):
        if hid is not None and hid not in out:
            out[hid] = mask_name(name)
    return out
