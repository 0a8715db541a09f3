"""Name keys: the normalised forms of company and person names that the duplicate check (INFO-5) compares.

A key is for comparison, not for display: store the name as typed and the key beside it.
"""

from __future__ import annotations

import re
import unicodedata

# Every bracket style people type around a region or branch, folded to ASCII parentheses.
# (Full-width （）［］｛｝ already become ASCII through NFKC.)
_BRACKETS = str.maketrans({o: "(" for o in "([{【〔〖⦅"} | {c: ")" for c in ")]}】〕〗⦆"})

# The legal-form suffix (《公司法》 requires 有限责任公司 / 有限公司 or 股份有限公司 / 股份公司) and its English
# renderings (Co., Ltd. / Company Limited / Ltd.). Matched as a run of tokens at the end of the key
# so the *longest* variant is removed in one step: "股份有限公司" as a whole, never leaving "股份有限".
# "co" counts only with its punctuation ("co.", "co,"), so a name merely ending in "co" keeps it.
_LEGAL_FORM = re.compile(r"(?:股份|有限|责任|company|co[.,]+|ltd[.,]*|limited[.,]*)*(?:公司|ltd\.?|limited\.?)$")
# What every legal-form variant becomes: all the variants denote the same kind of company for the
# purpose of spotting a duplicate. 集团 is kept: a group and its operating company are different
# legal persons with different credit codes.
LEGAL_FORM_MARKER = "公司"

# Middle-dot look-alikes used between the parts of transliterated names (阿卜杜勒·艾尼).
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("•・‧∙⋅", "·"))
_INVISIBLE_CATEGORIES = {"Cf"}  # zero-width space, joiners, BOM: invisible, so never part of a name


def _fold(text: str) -> str:
    """NFKC width folding with all whitespace and invisible format characters removed.

    NFKC can itself produce spaces (¨ → space + combining diaeresis) and removing a space can let a
    combining mark join its base character, so folding repeats until nothing changes. After the first
    round the text is NFKC already and a round can only remove or compose characters, never add
    any, so the loop ends.
    """
    while True:
        folded = unicodedata.normalize("NFKC", text)
        # Fast path: every whitespace and Cf character is non-printable except the ASCII space,
        # so a printable text without spaces has nothing to remove (most names).
        if not (folded.isprintable() and " " not in folded):
            folded = "".join(
                ch for ch in folded if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
            )
        if folded == text:
            return text
        text = folded


def normalize_company_name(name: str) -> str:
    """The duplicate-check key of a company name.

    Full-width → half-width (NFKC), all whitespace removed, ASCII lower-cased, every bracket style
    turned into "(" ")", and a trailing legal form (有限公司, 有限责任公司, 股份有限公司, 股份公司, 公司,
    Co., Ltd., Company Limited, Ltd. …) replaced by the one marker ``LEGAL_FORM_MARKER``. A bracketed
    region or branch stays, with canonical brackets, so:

    - 华为技术有限公司 = 华为技术 有限公司 = 华为技术有限责任公司 = 华为技术股份有限公司 → 华为技术公司
    - 华为技术（深圳）有限公司 = 华为技术(深圳)有限公司 → 华为技术(深圳)公司, distinct from the above
    - Huawei Technologies Co., Ltd. = HUAWEI TECHNOLOGIES COMPANY LIMITED → huaweitechnologies公司

    A name without a legal form gets no marker. The function is idempotent.
    """
    key = _fold(name).lower()
    # Lower-casing can leave a non-NFKC sequence (İ → i + combining dot), so fold again.
    key = _fold(key).translate(_BRACKETS)
    match = _LEGAL_FORM.search(key)
    if match:
        key = key[: match.start()] + LEGAL_FORM_MARKER
    return key


def normalize_person_name(name: str) -> str:
    """A person's name in canonical form: half-width, one kind of middle dot (U+00B7, as GB 18030 and
    the resident ID card print it), no spaces around CJK characters or dots, and single spaces between
    Latin words (张 三 → 张三, 阿卜杜勒 • 艾尼 → 阿卜杜勒·艾尼, John  Smith → John Smith).
    """
    text = unicodedata.normalize("NFKC", name).translate(_MIDDLE_DOTS)
    words = text.split()
    out = ""
    for word in words:
        if out and not (_is_joining(out[-1]) or _is_joining(word[0])):
            out += " "
        out += word
    return out


def _is_joining(ch: str) -> bool:
    """Characters written without spaces next to them in a name: CJK ideographs and the middle dot."""
    return ch == "·" or unicodedata.name(ch, "").startswith("CJK ")
