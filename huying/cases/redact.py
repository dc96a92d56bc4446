"""Personal data typed into free text, hidden wherever the public reads it.

A resident writes "楼下路灯坏了，有事打我 138 1234 5678" and the title goes on the public map,
the public API and Open311. :func:`public_text` is the one rule every public surface calls:
mobile and landline numbers (with +86, spaces, dashes or full-width digits), identity
numbers (18 digits with a check character, or the old 15), bank card numbers and e-mail
addresses become :data:`MASK`. :func:`found` says which kinds a text holds, so that the
reporter can be told what the public will not see.

Names of the register's people (``people``, the contact pillar's register) are masked too:
a full name of two characters or more registered in the city, found in the text, keeps its
first character (``张**``). :class:`Names` holds a city's names as 64-bit hashes in a
sorted array (8 bytes a name, with a bitmap in front), built once per city and process by
:func:`register_names` and rebuilt when the register changes (at once in the process that
changed it, within :data:`CHECK_EVERY` seconds in the others); ``bench/redact_names.py``
measures it at a million people. Single characters are never names, nor the common words of
:data:`COMMON_WORDS` that are also somebody's name (马路, 高兴 …). The description, the address
and the contact are never public (``present``); where text is, it goes through here."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.orgs.models import Person

MASK = "***"

log = logging.getLogger("huying.redact")

# Longest first: an identity number contains a run that looks like a phone number.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("id_number", re.compile(r"(?<!\d)(?:\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                             r"|\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![\dXx])")),
    ("bank_card", re.compile(r"(?<!\d)(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)(?!\d)")),
    ("phone", re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")),
    ("landline", re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[ -]?)?[2-8]\d{2,3}[ -]?\d{4}(?!\d)")),
)


#: Every pattern needs a digit or an @: a text without any skips them.
_NUMBERS = re.compile(r"[\d@]")


def _normal(text: str) -> str:
    """Full-width digits, letters and signs as ASCII (NFKC), so that ＂１３８…＂ is caught."""
    return unicodedata.normalize("NFKC", text)


#: Words of everyday reports that are also somebody's full name (a surname and a given
#: name): never taken for a name, or every "马路" of the city would be masked.
COMMON_WORDS = frozenset("""
马路 路灯 路面 路口 路边 高兴 高楼 高空 高温 高速 文明 方便 方向 安全 黄金 白天 江水 江边 石头 周末 周边
周围 温暖 钱包 关门 于是 时间 左右 和平 齐全 万一 田地 林地 洪水 海水 池塘 雷雨 黎明 杨柳 梅花 夏天
秋天 常见 向阳 金属 华丽 程序 孔洞 丁字 花园 花坛 车辆 车位 车库 水管 水费 房子 房东 管道 白色 黄色
司机 司法 包子 包装 卫生 施工 景观 明天 明亮 叶子 毛病 毛巾 严重 季节 桥面 牛奶 龙头 关心 凤凰 强烈
单元 单位 连续 连接 任何 任务 陈旧 余额 余下 宁静 谢谢 苏醒 金钱 易燃 时候 夜间 夜里 全部 全天
""".split())

#: A name's characters: CJK ideographs and the middle dot of transcribed names (买买提·艾力).
_NAME_CHARS = r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f·"
_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·"})
#: Longer "names" are not names (a register's typo, an address typed as a name).
MAX_NAME = 12
_NAME = re.compile(f"[{_NAME_CHARS}]{{2,{MAX_NAME}}}")
#: The bitmap in front of the array: 32 bits a name (about 3 % of misses reach the array),
#: at most 4 MB.
_MAX_BITS = 1 << 25


def _name_form(name: str) -> str | None:
    """``name`` as it is looked up (NFKC, one kind of dot), or None if it is never a name."""
    n = name if _NAME.fullmatch(name) else _normal(name).strip().translate(_DOTS)  # most are plain already
    if n is not name and not _NAME.fullmatch(n) or n in COMMON_WORDS:
        return None
    return n


class Names:
    """A city's register names, found in text. Hashes (Python's 64-bit string hash, stable
    within the process that holds them), so a million names take 8 MB, not the 100 MB of a
    set of strings; a bitmap answers most windows of a text without touching the array."""

    __slots__ = ("_hashes", "_bits", "_nbits", "_firsts", "lengths", "size")

    def __init__(self, names: Iterable[str]) -> None:
        firsts: set[str] = set()
        lengths: set[int] = set()
        hashes: list[int] = []
        for raw in set(names):  # a register repeats its names: each looked at once
            n = _name_form(raw) if raw else None
            if n is None:
                continue
            hashes.append(hash(n))
            firsts.add(n[0])
            lengths.add(len(n))
        hashes.sort()
        self._hashes = array("q", (h for i, h in enumerate(hashes) if i == 0 or hashes[i - 1] != h))
        del hashes
        self._nbits = nbits = min(_MAX_BITS, max(1 << 10, 1 << (32 * len(self._hashes)).bit_length()))
        bits = bytearray(nbits // 8)
        for h in self._hashes:
            b = h % nbits
            bits[b >> 3] |= 1 << (b & 7)
        self._bits = bytes(bits)
        self._firsts = frozenset(firsts)
        #: The lengths of the names, longest first (a longer name wins over its start).
        self.lengths = tuple(sorted(lengths, reverse=True))
        self.size = len(self._hashes)

    def __contains__(self, word: str) -> bool:
        if not self.size:
            return False
        h = hash(word)
        b = h % self._nbits
        if not self._bits[b >> 3] >> (b & 7) & 1:
            return False
        i = bisect_left(self._hashes, h)
        return i < self.size and self._hashes[i] == h

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where registered names stand in ``text`` (already normal), left to right, longest first."""
        if not self.size:
            return []
        text = text.translate(_DOTS)  # one character for another: the places stay
        out = []
        i, end = 0, len(text)
        while i < end:
            if text[i] in self._firsts:
                for length in self.lengths:
                    if i + length <= end and text[i:i + length] in self:
                        out.append((i, i + length))
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1
        return out

    def mask(self, text: str) -> str:
        """``text`` with each registered name as its first character and stars (张**)."""
        spans = self.spans(text)
        if not spans:
            return text
        parts, last = [], 0
        for a, b in spans:
            parts += [text[last:a], text[a], "*" * (b - a - 1)]
            last = b
        parts.append(text[last:])
        return "".join(parts)


#: No names: a text with no city behind it (a unit test, a file whose readers see the register).
NO_NAMES = Names(())


def public_text(text: str | None, names: Names) -> str | None:
    """``text`` as the public may read it: personal numbers, addresses and the register's
    names (``names``: :func:`register_names` of the city) masked."""
    if not text:
        return text
    normal = out = _normal(text)
    if _NUMBERS.search(out):
        for _, pattern in _PATTERNS:
            out = pattern.sub(MASK, out)
    out = names.mask(out)
    return out if out != normal else text


def found(text: str | None, names: Names) -> list[str]:
    """The kinds of personal data in ``text`` (e.g. ``["phone", "name"]``), in the order checked."""
    if not text:
        return []
    rest = _normal(text)
    kinds = []
    for kind, pattern in _PATTERNS:
        if pattern.search(rest):
            kinds.append(kind)
            rest = pattern.sub(MASK, rest)
    if names.spans(rest):
        kinds.append("name")
    return kinds


# ----------------------------------------------------------------------------- a city's names

#: How often (seconds) a process asks the database whether the register changed elsewhere.
CHECK_EVERY = 60.0
#: A register of this many names or more is rebuilt in the background when it changes, the
#: names held so far serving meanwhile (a million people take tens of seconds to read and
#: hash: no public request waits for that); a smaller one is rebuilt in line, at once.
BACKGROUND_ABOVE = 100_000


@dataclass
class _Held:
    names: Names
    fingerprint: tuple[int, int]
    checked: float
    stale: bool = False


_held: dict[int, _Held] = {}
_building = threading.Lock()
#: The cities whose names a background thread is rebuilding now (one thread a city).
_rebuilding: dict[int, threading.Thread] = {}
#: How many times each city's names were made stale (a change while a thread reads is seen).
_changes: dict[int, int] = {}


def _fingerprint(session: Session, city_id: int) -> tuple[int, int]:
    count, top = session.execute(select(func.count(Person.id), func.max(Person.id))
                                 .where(Person.city_id == city_id)).one()
    return int(count or 0), int(top or 0)


def _read(session: Session, city_id: int) -> tuple[Names, tuple[int, int]]:
    fingerprint = _fingerprint(session, city_id)
    rows = session.scalars(select(Person.name).where(Person.city_id == city_id)
                           .execution_options(yield_per=20_000))
    return Names(rows), fingerprint


def _rebuild_in_background(bind: Engine, city_id: int) -> None:
    """Read and hash the city's names on a connection of its own, then swap them in."""

    started = _changes.get(city_id, 0)

    def run() -> None:
        try:
            with Session(bind) as own:
                names, fingerprint = _read(own, city_id)
            with _building:
                # a change while reading leaves the new names stale: the next call starts again
                stale = _changes.get(city_id, 0) != started
                _held[city_id] = _Held(names, fingerprint, time.monotonic(), stale=stale)
        except Exception:  # noqa: BLE001 - the old names keep serving; the next call retries
            log.exception("rebuilding the register's names of city %s failed", city_id)
        finally:
            with _building:
                _rebuilding.pop(city_id, None)

    with _building:
        if city_id in _rebuilding:
            return
        thread = threading.Thread(target=run, name=f"huying-names-{city_id}", daemon=True)
        _rebuilding[city_id] = thread
        thread.start()  # under the lock: no one joins a thread not started yet


def register_names(session: Session, city_id: int) -> Names:
    """The names of city ``city_id``'s register, built on first use and kept for the
    process; rebuilt when people were added, removed or renamed (a change through this
    process's sessions at once, another process's when the count or the last id moved,
    checked every :data:`CHECK_EVERY` seconds). A register of :data:`BACKGROUND_ABOVE` names
    or more is rebuilt in a thread while the names held so far answer."""
    held = _held.get(city_id)
    if held is None and (first := _rebuilding.get(city_id)) is not None:
        first.join()  # the start-up's first read (:func:`warm`): wait for it, not read again
        held = _held.get(city_id)
    now = time.monotonic()
    if held is not None and (city_id in _rebuilding or not held.stale and now - held.checked < CHECK_EVERY):
        return held.names
    fingerprint = _fingerprint(session, city_id)
    if held is not None and not held.stale and held.fingerprint == fingerprint:
        held.checked = now
        return held.names
    bind = session.get_bind()
    if held is not None and held.names.size >= BACKGROUND_ABOVE and isinstance(bind, Engine):
        held.checked = now
        held.fingerprint = fingerprint
        _rebuild_in_background(bind, city_id)
        return held.names
    with _building:
        again = _held.get(city_id)
        if again is not None and again is not held and not again.stale and again.fingerprint == fingerprint:
            return again.names
        names, fingerprint = _read(session, city_id)
        _held[city_id] = _Held(names, fingerprint, now)
    return names


def warm(session: Session, city_id: int) -> None:
    """Read city ``city_id``'s names before the first request needs them (a server worker at
    start-up): in line for a register under :data:`BACKGROUND_ABOVE` names, else in a thread
    (the worker starts serving at once; the first request that needs the names waits for
    that thread rather than reading them again)."""
    if city_id in _held:
        return
    count, _ = _fingerprint(session, city_id)
    bind = session.get_bind()
    if count >= BACKGROUND_ABOVE and isinstance(bind, Engine):
        _rebuild_in_background(bind, city_id)
    else:
        register_names(session, city_id)


def forget(city_id: int | None = None) -> None:
    """Let the next :func:`register_names` rebuild (one city's, or every city's)."""
    for cid, held in _held.items():
        if city_id is None or cid == city_id:
            held.stale = True
            _changes[cid] = _changes.get(cid, 0) + 1


@event.listens_for(Session, "after_flush")
def _register_flushed(session: Session, _context: object) -> None:
    changed = {o.city_id for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, Person)}
    if changed:
        session.info.setdefault("register_changed", set()).update(changed)
        for cid in changed:
            forget(cid)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _register_ended(session: Session, *_args: object) -> None:
    for cid in session.info.pop("register_changed", ()):
        forget(cid)
