"""English words of residents' reports, written in Chinese before classification.

The classifier reads character n-grams learnt from Chinese messages, so an English report
("street light broken") or a mixed one ("小区的street light坏了") shares few n-grams with its
training data. :func:`to_chinese` replaces the English terms of ``default_model/glossary_en.csv``
(about 250 words and phrases of complaints, written from the taxonomy's names and common
complaint vocabulary; longest first, any case, whole words) with their Chinese. A
text with no run of three Latin letters is returned as it is, at the cost of one regex search.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

GLOSSARY_PATH = Path(__file__).parent / "default_model" / "glossary_en.csv"
#: A run of Latin words (letters, apostrophes, inner hyphens) separated by spaces.
_SPAN = re.compile(r"[A-Za-z][A-Za-z'-]*(?:\s+[A-Za-z][A-Za-z'-]*)*")
_LATIN3 = re.compile(r"[A-Za-z]{3}")


@lru_cache(maxsize=2)
def _table(path: Path = GLOSSARY_PATH) -> tuple[dict[tuple[str, ...], str], int]:
    """{words of an English term (lower case): its Chinese}, and the longest term's length."""
    with path.open(encoding="utf-8", newline="") as fh:
        table = {tuple(r["english"].lower().split()): r["chinese"].strip() for r in csv.DictReader(fh)}
    return table, max(len(k) for k in table)


def _span(words: list[str], table: dict[tuple[str, ...], str], longest: int) -> str:
    out: list[str] = []
    i = 0
    low = [w.lower() for w in words]
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            zh = table.get(tuple(low[i : i + n]))
            if zh is not None:
                out.append(zh)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def to_chinese(text: str, path: Path = GLOSSARY_PATH) -> str:
    """``text`` with the glossary's English terms (whole words, longest first, any case)
    replaced by their Chinese; only the runs of Latin words are looked at."""
    if not _LATIN3.search(text):
        return text
    table, longest = _table(path)
    return _SPAN.sub(lambda m: _span(m.group(0).split(), table, longest), text)
