"""Photos and documents of a case: checked by their bytes, stored by their digest under the
data directory, recorded with the seq of the event they belong to."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from huying.cases.models import Attachment, Case
from huying.config import get_settings
from huying.errors import InvalidInput

ALLOWED_IMAGE_TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"GIF87a": ("image/gif", "gif"),
    b"GIF89a": ("image/gif", "gif"),
}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def store_uploads(case: Case, seq: int, uploads: Iterable[Upload]) -> list[Attachment]:
    """Check and store the files; the rows to add in the command's transaction."""
    settings = get_settings()
    out = []
    for up in uploads:
        if len(up.data) == 0:
            raise InvalidInput(f"{up.filename}: empty file", "attachments")
        if len(up.data) > settings.max_attachment_bytes:
            raise InvalidInput(
                f"{up.filename}: {len(up.data)} bytes, more than {settings.max_attachment_bytes}",
                "attachments")
        kind = next((v for k, v in ALLOWED_IMAGE_TYPES.items() if up.data.startswith(k)), None)
        if kind is None and up.data[:4] == b"RIFF" and up.data[8:12] == b"WEBP":
            kind = ("image/webp", "webp")
        if kind is None:
            raise InvalidInput(f"{up.filename}: not a JPEG, PNG, GIF or WebP image", "attachments")
        digest = hashlib.sha256(up.data).hexdigest()
        rel = Path("attachments") / str(case.city_id) / case.code / f"{digest}.{kind[1]}"
        dest = settings.data_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(up.data)
            tmp.replace(dest)
        out.append(Attachment(city_id=case.city_id, case_id=case.id, event_seq=seq,
                              filename=Path(up.filename).name[:200] or "photo", content_type=kind[0],
                              size=len(up.data), sha256=digest, stored_path=rel.as_posix()))
    return out
