"""Mainland China telephone numbers per MIIT's 《电信网编号计划》: mobile (11 digits, 1[3-9]xxxxxxxxx),
landline (区号 + 本地号码: area code 0 + 2 or 3 digits, where
010 and 020–029 are the 3-digit ones, then a 7- or 8-digit local number that never starts with 0, the trunk prefix),
and the nationwide service numbers companies print as their hotline (400 and 800 + 7 digits, no area code).

Input arrives as people write it: with +86, 0086 or 86 in front, spaces, dashes, brackets around the
area code, full-width digits. Both validators return one canonical form so equal numbers compare equal.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core.validators._errors import refuse
from kehu.core.validators.width import normalize_width

MOBILE_CODE = "mobile_invalid"
PHONE_CODE = "phone_invalid"

_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086)")
_SEPARATORS = re.compile(r"[\s\-()]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# The extension comes last, introduced by 转, 分机, ext, x or #.
_EXTENSION = re.compile(r"^(?P<main>.*?)\s*(?:转|分机|ext\.?|x|#)\s*(?P<ext>\d{1,6})$", re.IGNORECASE)
_THREE_DIGIT_AREA = re.compile(r"^0(?:10|2\d)")
_LOCAL = re.compile(r"^[1-9]\d{6,7}$")
_SERVICE = re.compile(r"^(?P<prefix>[48]00)(?P<rest>\d{7})$")  # 国内统一服务号码 400-xxx-xxxx, 800-xxx-xxxx


def validate_mobile(value: str) -> str:
    """Validate a mainland mobile number and return its 11 digits (no country prefix, no separators).

    Raises ``ValidationError`` (code ``mobile_invalid``, ``params["rule"]`` charset, length or prefix).
    """
    text = normalize_width(value)
    has_country = bool(_COUNTRY_PREFIX.match(text))
    digits = _SEPARATORS.sub("", _COUNTRY_PREFIX.sub("", text))
    if not (digits.isascii() and digits.isdigit()):
        raise refuse(
            _("手机号码只能包含数字、空格、短横线和 +86 前缀。"), code=MOBILE_CODE, rule="charset"
        )
    # A bare "86" in front is the country code only when what follows is a whole mobile number.
    if not has_country and len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) != 11:
        raise refuse(
            _("手机号码须为 11 位数字，当前为 %(length)d 位。"), code=MOBILE_CODE, rule="length", length=len(digits)
        )
    if not _MOBILE.match(digits):
        raise refuse(_("手机号码须以 13–19 开头。"), code=MOBILE_CODE, rule="prefix")
    return digits


def validate_phone(value: str) -> str:
    """Validate a mainland landline number and return ``0AA-NNNNNNNN`` / ``0AAA-NNNNNNN[-EXT]``, or a
    400/800 service number as ``400-NNN-NNNN[-EXT]``.

    The area code is required (a number without it is ambiguous across cities). An extension is taken
    after 转, 分机, ext, x, # or as a third dash-separated group. Raises ``ValidationError`` (code
    ``phone_invalid``, ``params["rule"]`` charset, area or local).
    """
    text = normalize_width(value)
    extension = ""
    marked = _EXTENSION.match(text)
    if marked:
        text, extension = marked["main"], marked["ext"]
    has_country = bool(_COUNTRY_PREFIX.match(text))
    text = _COUNTRY_PREFIX.sub("", text).strip()
    groups = [g for g in re.split(r"[\s\-]+", text.replace("(", " ").replace(")", " ")) if g]
    if not groups or not all(g.isascii() and g.isdigit() for g in groups):
        raise refuse(
            _("固定电话只能包含数字、空格、短横线、括号和分机号（转/ext）。"), code=PHONE_CODE, rule="charset"
        )
    service = _SERVICE.match("".join(groups))
    if service and not has_country:
        rest = service["rest"]
        return "-".join(part for part in (service["prefix"], rest[:3], rest[3:], extension) if part)
    if not extension and _MOBILE.match("".join(groups)):
        raise refuse(_("这是手机号码，请填在“手机”一栏。"), code=PHONE_CODE, rule="mobile")
    number = _split_number("".join(groups), has_country)
    if number is None and not extension and len(groups) >= 3 and len(groups[-1]) <= 6:
        number = _split_number("".join(groups[:-1]), has_country)
        extension = groups[-1]
    if number is None:
        raise _landline_refusal("".join(groups), has_country)
    area, local = number
    return "-".join(part for part in (area, local, extension) if part)


def _split_number(digits: str, has_country: bool) -> tuple[str, str] | None:
    """(area code, local number) when ``digits`` is a whole landline number, else None."""
    if has_country:
        digits = "0" + digits  # +86 replaces the trunk prefix 0
    area_length = 3 if _THREE_DIGIT_AREA.match(digits) else 4
    area, local = digits[:area_length], digits[area_length:]
    if not area.startswith("0") or area.startswith("00") or not _LOCAL.match(local):
        return None
    return area, local


def _landline_refusal(digits: str, has_country: bool) -> ValidationError:
    if not has_country and (not digits.startswith("0") or digits.startswith("00")):
        return refuse(
            _("固定电话须带以 0 开头的区号，例如 010-12345678。"), code=PHONE_CODE, rule="area"
        )
    return refuse(
        _("固定电话的本地号码须为 7–8 位数字且不以 0 开头，例如 0571-87654321。"),
        code=PHONE_CODE,
        rule="local",
    )


def is_valid_mobile(value: str) -> bool:
    """True when ``validate_mobile`` accepts ``value``."""
    try:
        validate_mobile(value)
    except ValidationError:
        return False
    return True


def is_valid_phone(value: str) -> bool:
    """True when ``validate_phone`` accepts ``value``."""
    try:
        validate_phone(value)
    except ValidationError:
        return False
    return True
