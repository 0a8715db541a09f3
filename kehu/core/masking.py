"""Masked display of personal information (SECURITY.md PI-4).

Lists, search, API, exports, notifications and logs show these forms unless the viewer revealed
the value. Each function takes the plaintext and never fails on odd input: a value that does not
look like its kind is still masked, keeping at most what the rule keeps.
"""

from __future__ import annotations

import re
import unicodedata

STAR = "*"

# 复姓 kept whole as the surname, so 欧阳娜娜 masks as 欧阳*娜, not 欧*娜娜.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 尉迟 公孙 长孙 宇文 司徒 夏侯 端木 轩辕 独孤 南宫 西门 百里 "
    "呼延 澹台 公冶 太史 申屠 闻人 赫连 钟离 宗政 濮阳 淳于 单于 仲孙 万俟 司空 东郭 拓跋 第五 "
    "完颜 耶律 左丘 谷梁 梁丘 鲜于 闾丘 亓官 司寇 巫马 公西 漆雕 乐正 壤驷 公良 羊舌 微生".split()
)


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        # Too short to keep both ends and still hide something: keep the tail only.
        tail = min(tail, max(len(value) - 1, 0))
        return STAR * (len(value) - tail) + value[len(value) - tail :]
    return value[:head] + STAR * (len(value) - head - tail) + value[len(value) - tail :]


def mask_mobile(value: str) -> str:
    """13812345678 → 138****5678; other lengths keep only the last four digits."""
    digits = re.sub(r"\D", "", _nfkc(value))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11:
        return _keep_ends(digits, 3, 4)
    return _keep_ends(digits, 0, 4)


def mask_id_number(value: str) -> str:
    """11010119900307803X → 110101********803X: region code and last four stay."""
    return _keep_ends(re.sub(r"\s", "", _nfkc(value)).upper(), 6, 4)


def mask_bank_account(value: str) -> str:
    """Only the last four digits: **** 1234."""
    digits = re.sub(r"\D", "", _nfkc(value))
    return f"**** {digits[-4:]}" if len(digits) > 4 else STAR * len(digits)


def _split_name(name: str) -> tuple[str, str]:
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def mask_name(value: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳华 → 欧阳*, 欧阳娜娜 → 欧阳*娜.

    The surname stays; of the given name only the last character stays, and only when it has two
    or more (a one-character given name is hidden entirely). Latin names keep their first letter.
    """
    name = _nfkc(value)
    if not name:
        return ""
    if not any(unicodedata.name(ch, "").startswith("CJK") for ch in name):
        return name[0] + STAR * (len(name) - 1)
    surname, given = _split_name(name)
    if len(given) <= 1:
        return surname + STAR * len(given) if given else STAR
    return surname + STAR * (len(given) - 1) + given[-1]


def mask_email(value: str) -> str:
    """zhangsan@example.com → z*******@example.com: the domain stays."""
    address = _nfkc(value)
    local, at, domain = address.rpartition("@")
    if not at:
        return _keep_ends(address, 1, 0)
    return (local[:1] + STAR * (len(local) - 1) if len(local) > 1 else STAR) + "@" + domain


# An address is kept up to its district (区/县/旗, or a county-level 市 where there is no district).
# Only the part before the street is considered, so 区 or 市 in a street or building name (…市场路)
# does not count. 自治区 and 特别行政区 are provinces, not districts.
_STREET = re.compile(r"[路街道镇乡村号弄巷里栋幢楼室\d]")
_PROVINCE_LEVEL = ("自治区", "特别行政区")
_DISTRICT = re.compile(r"(?:区|县|旗)")
_CITY = re.compile(r"(?:省|市|州|盟|自治区|特别行政区)")


def mask_address(value: str) -> str:
    """浙江省杭州市西湖区文三路 90 号 → 浙江省杭州市西湖区****."""
    address = re.sub(r"\s+", "", _nfkc(value))
    if not address:
        return ""
    street = _STREET.search(address)
    head = address[: street.start()] if street else address
    for match in _DISTRICT.finditer(head):
        end = match.end()
        if not any(head[:end].endswith(p) for p in _PROVINCE_LEVEL):
            return head[:end] + STAR * 4
    cities = list(_CITY.finditer(head))
    if cities:
        return head[: cities[-1].end()] + STAR * 4
    return STAR * 4


MASKERS = {
    "mobile": mask_mobile,
    "id_number": mask_id_number,
    "email": mask_email,
    "bank_account": mask_bank_account,
    "address": mask_address,
    "name": mask_name,
}


def mask(kind: str, value: str) -> str:
    return MASKERS[kind](value)
