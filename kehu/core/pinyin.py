"""Pinyin search keys for Chinese names (INFO-6): ``hwjs`` and ``huawei`` find 华为技术.

One pass of pypinyin over the text (its phrase dictionary on, so 银行 reads yinhang and 重庆
chongqing) gives two keys stored beside a name:

- ``full``: the most likely reading, toneless, no separators, lower-case: 华为技术 → huaweijishu;
- ``initials``: the first letter of each syllable of that reading: hwjs.

Characters that are not Han are kept as they are typed, after NFKC (full-width ＡＢＣ１２ become
ABC12), lower-cased, and only ASCII letters and digits survive; spaces, punctuation and other
scripts are dropped: "ABC科技（上海）" → abckejishanghai / abckjsh.

Polyphonic characters: ``full`` holds only the most likely reading (a key per reading would
multiply with every polyphonic character). The initials are where people guess, so
``initials_variants`` holds the most likely initials first, then the initials with ONE character
read another way (each single-character reading pypinyin knows), at most ``MAX_VARIANTS`` in all,
joined by a space: 重庆 → "cq zq tq". One substitution at a time keeps the likely guesses and
bounds the key: a name of n characters gives at most MAX_VARIANTS × n letters.

Surnames read differently from the everyday reading (单 shan, not dan): ``person=True`` reads the
first one or two characters from ``SURNAME_READINGS`` when they are listed there. Use it for
people's names only; in 单位 the same character is dan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin
from pypinyin.pinyin_dict import pinyin_dict as PINYIN_DICT

MAX_VARIANTS = 4

# How surnames are read where the character reads otherwise in everyday words (单 dan → shan) or
# only as part of a compound surname (尉迟 yuchi; 尉 alone is wei). Compound surnames come first and
# are matched before single characters.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "区": ("ou",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "盖": ("ge",),
    "覃": ("qin",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "乐": ("yue",),
    "召": ("shao",),
    "秘": ("bi",),
    "种": ("chong",),
    "员": ("yun",),
    "句": ("gou",),
    "折": ("she",),
    "繁": ("po",),
    "重": ("chong",),
    "隗": ("wei",),
}

_NON_KEY = re.compile(r"[^a-z0-9]+")
# pypinyin hands non-Han runs to this callback; the marker tells them apart from syllables.
_FOREIGN = "\x00"


@dataclass(frozen=True, slots=True)
class PinyinKeys:
    full: str
    initials: str
    initials_variants: str


def _clean(chunk: str) -> str:
    return _NON_KEY.sub("", chunk.lower())


def _mark_foreign(chunk: str) -> str:
    return _FOREIGN + chunk


@lru_cache(maxsize=4096)
def _toneless(syllable: str) -> str:
    """lǜ → lv, zhōng → zhong: as pypinyin's Style.NORMAL writes it (ü as v)."""
    decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def _initial_readings(char: str) -> tuple[str, ...]:
    """Every first letter pypinyin knows for one character, most likely first."""
    return tuple(pinyin(char, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")[0])


class _WordCache(DefaultConverter):
    """pypinyin's converter, remembering each segmented word's reading. Names repeat their words
    (有限公司, 网络, 技术, place names, brands) while the names themselves are unique, so an import
    converts each word once: pypinyin's segmentation still runs on every name, and a word's reading
    does not depend on its neighbours once segmented, so the keys are the same as without it."""

    @lru_cache(maxsize=32768)  # noqa: B019 - one module-level instance, never freed
    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        return tuple(super().convert(words, style, heteronym, errors, strict, **kwargs))


_PINYIN = Pinyin(_WordCache())


def _syllables(text: str, person: bool) -> list[tuple[str, str]]:
    """(source character or non-Han run, syllable or cleaned run) in reading order."""
    prefix: list[tuple[str, str]] = []
    if person:
        for surname in (text[:2], text[:1]):
            if surname and surname in SURNAME_READINGS:
                prefix = list(zip(surname, SURNAME_READINGS[surname], strict=True))
                text = text[len(surname):]
                break
    # Style.TONE is pypinyin's stored form (NORMAL converts each syllable through regexes): a
    # quarter faster, and the tone marks come off through a per-syllable cache.
    items = _PINYIN.lazy_pinyin(text, style=Style.TONE, errors=_mark_foreign)
    out = prefix
    # Each syllable comes from one character pypinyin has a reading for, in order.
    hanzi = iter(ch for ch in text if ord(ch) in PINYIN_DICT)
    for item in items:
        if item.startswith(_FOREIGN):
            cleaned = _clean(item[1:])
            if cleaned:
                out.append(("", cleaned))
        else:
            out.append((next(hanzi, ""), _toneless(item)))
    return out


def _variants(parts: list[tuple[str, str]], base: list[str]) -> str:
    variants = ["".join(base)]
    for index, (char, _syllable) in enumerate(parts):
        if len(variants) >= MAX_VARIANTS:
            break
        if not char:
            continue
        for letter in _initial_readings(char):
            candidate = "".join(base[:index] + [letter] + base[index + 1:])
            if candidate not in variants:
                variants.append(candidate)
                if len(variants) >= MAX_VARIANTS:
                    break
    return " ".join(variants)


def pinyin_keys(text: str, *, person: bool = False) -> PinyinKeys:
    """Search keys for ``text``; ``person=True`` reads a leading surname as surnames are read."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    parts = _syllables(text, person)
    full = "".join(syllable for _char, syllable in parts)
    # A Han syllable gives its first letter; a non-Han run (ABC, 2024) is kept whole.
    base = [syllable[0] if char else syllable for char, syllable in parts]
    return PinyinKeys(full=full, initials="".join(base), initials_variants=_variants(parts, base))


FULL_PREFIX = "full_prefix"
FULL_SUBSTRING = "full_substring"
INITIALS = "initials"


def normalise_query(query: str) -> str:
    """What a search box query is compared as: NFKC, lower-case, ASCII letters and digits only."""
    return _clean(unicodedata.normalize("NFKC", query or ""))


def matches(query: str, keys: PinyinKeys) -> str | None:
    """How ``query`` finds a name with ``keys``, strongest first; ``None`` when it does not.

    - ``FULL_PREFIX``: the full pinyin starts with it (huawei → huaweijishu);
    - ``FULL_SUBSTRING``: it occurs inside the full pinyin (jishu → huaweijishu);
    - ``INITIALS``: it occurs inside any initials variant (hwjs, wjs, zq for 重庆).

    The database search uses the same rules on the stored columns (prefix / substring LIKE on
    ``full``, substring on ``initials_variants``); this function is their reference.
    """
    query = normalise_query(query)
    if not query:
        return None
    if keys.full.startswith(query):
        return FULL_PREFIX
    if query in keys.full:
        return FULL_SUBSTRING
    if any(query in variant for variant in keys.initials_variants.split(" ")):
        return INITIALS
    return None
