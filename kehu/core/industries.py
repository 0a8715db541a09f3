"""Industry sections (门类) of GB/T 4754-2017 《国民经济行业分类》, the industry of an enterprise customer.

Only the 20 sections A–T are used: fine enough to filter and report on, coarse enough to pick from a
list. The English names are those of the standard's official English edition (NBS).
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.functional import lazy
from django.utils.translation import get_language


class Industry(NamedTuple):
    code: str
    zh: str
    en: str


INDUSTRIES: tuple[Industry, ...] = (
    Industry("A", "农、林、牧、渔业", "Agriculture, Forestry, Animal Husbandry and Fishery"),
    Industry("B", "采矿业", "Mining"),
    Industry("C", "制造业", "Manufacturing"),
    Industry("D", "电力、热力、燃气及水生产和供应业", "Production and Supply of Electricity, Heat, Gas and Water"),
    Industry("E", "建筑业", "Construction"),
    Industry("F", "批发和零售业", "Wholesale and Retail Trades"),
    Industry("G", "交通运输、仓储和邮政业", "Transport, Storage and Post"),
    Industry("H", "住宿和餐饮业", "Accommodation and Catering"),
    Industry("I", "信息传输、软件和信息技术服务业", "Information Transmission, Software and Information Technology Services"),
    Industry("J", "金融业", "Finance"),
    Industry("K", "房地产业", "Real Estate"),
    Industry("L", "租赁和商务服务业", "Leasing and Business Services"),
    Industry("M", "科学研究和技术服务业", "Scientific Research and Technical Services"),
    Industry("N", "水利、环境和公共设施管理业", "Management of Water Conservancy, Environment and Public Facilities"),
    Industry("O", "居民服务、修理和其他服务业", "Resident Services, Repair and Other Services"),
    Industry("P", "教育", "Education"),
    Industry("Q", "卫生和社会工作", "Health and Social Work"),
    Industry("R", "文化、体育和娱乐业", "Culture, Sports and Entertainment"),
    Industry("S", "公共管理、社会保障和社会组织", "Public Management, Social Security and Social Organizations"),
    Industry("T", "国际组织", "International Organizations"),
)
_BY_CODE = {industry.code: industry for industry in INDUSTRIES}


def industry_label(code: str, language: str | None = None) -> str:
    """The name of section ``code`` in ``language`` ("zh-hans", "en", …; default: the active language).

    Any English variant gets the English name, anything else the Chinese one (the default language).
    Raises KeyError for a code that is not a GB/T 4754-2017 section.
    """
    industry = _BY_CODE[code.upper()]
    language = (language or get_language() or "zh-hans").lower()
    return industry.en if language.startswith("en") else industry.zh


# Evaluated when rendered, so a form built at import time still shows the reader's language.
_lazy_label = lazy(industry_label, str)

INDUSTRY_CHOICES: list[tuple[str, str]] = [(industry.code, _lazy_label(industry.code)) for industry in INDUSTRIES]
