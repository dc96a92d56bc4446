"""Idempotent creation over HTTP: the ``Idempotency-Key`` header a client sends with a
create, and the fingerprint of the request it names. A key is kept with what it created
(``huying.intake.create`` for reports): a retry with the same key and the same request gets
the same answer; the same key with another request is refused."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from huying.errors import InvalidInput

KEY_MAX = 200


def fingerprint(*parts: Any) -> str:
    """A stable digest of a request's meaningful content."""
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise InvalidInput(f"must be 1 to {KEY_MAX} printable characters", "Idempotency-Key")
    return key
