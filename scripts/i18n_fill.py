"""Fill empty ``msgstr`` entries of a catalogue from a Python dict of translations.

    .venv/bin/python scripts/i18n_fill.py zh translations.py   # ZH = {msgid: msgstr}, PLURAL = {...}

A helper for translators working in bulk; existing translations are kept. Then run
``scripts/i18n.sh compile``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parents[1] / "huying" / "web" / "locale"


def main(lang: str, source: str) -> int:
    data = runpy.run_path(source)
    singular: dict[str, str] = data.get(lang.upper(), {})
    plural: dict[tuple[str, str], tuple[str, ...]] = data.get("PLURAL", {})
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    filled = 0
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            if not any(m.string) and tuple(m.id) in plural:
                m.string = plural[tuple(m.id)]
                filled += 1
        elif not m.string and m.id in singular:
            m.string = singular[m.id]
            filled += 1
    with path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, width=100)
    print(f"{path}: {filled} filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
