"""居民身份证号码 (citizen identification number) per GB 11643-1999.

Layout (GB 11643-1999): positions 1–6 the address code (GB/T 2260 division of the first registered
residence), 7–14 the birth date YYYYMMDD, 15–17 the sequence code (odd for men, even for women),
18 the check character, ISO 7064:1983 MOD 11-2: Σ Ai·Wi mod 11 with Wi = 2**(18−i) mod 11,
mapped through "10X98765432". The old 15-digit numbers were replaced by 2013 and are refused.
The residence permits of Hong Kong, Macau and Taiwan residents (810000, 820000, 830000) follow the
same layout and are accepted.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.validators._errors import refuse
from kehu.core.validators.provinces import PROVINCE_CODES
from kehu.core.validators.width import normalize_width

CODE = "resident_id_invalid"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = dt.date(1900, 1, 1)

MALE = "male"
FEMALE = "female"


def resident_id_check_char(first17: str) -> str:
    """The 18th character for 17 digits (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> str:
    """Validate an 18-character 身份证号码 and return it in canonical form (upper-case X, half-width).

    Raises ``ValidationError`` (code ``resident_id_invalid``, ``params["rule"]`` one of length, charset,
    region, birthdate, check) with a message naming the rule. The birth date must be a real date from
    1900-01-01 up to today (Asia/Shanghai, from ``kehu.core.clock``). Usable as a field validator.
    """
    number = "".join(normalize_width(value).split()).upper()
    if len(number) != 18:
        raise refuse(
            _("身份证号码长度须为 18 位，当前为 %(length)d 位。"), code=CODE, rule="length", length=len(number)
        )
    body, last = number[:17], number[17]
    if not (body.isascii() and body.isdigit()) or last not in "0123456789X":
        raise refuse(_("身份证号码须为 17 位数字加 1 位数字或 X。"), code=CODE, rule="charset")
    if number[:2] not in PROVINCE_CODES:
        raise refuse(
            _("身份证号码前 2 位“%(province)s”不是有效的省级行政区划代码。"),
            code=CODE,
            rule="region",
            province=number[:2],
        )
    birth = _birthdate(number)
    if birth is None:
        raise refuse(
            _("身份证号码第 7–14 位“%(digits)s”不是有效的出生日期。"), code=CODE, rule="birthdate", digits=number[6:14]
        )
    if birth < EARLIEST_BIRTH or birth > clock.today():
        raise refuse(
            _("身份证号码中的出生日期 %(date)s 须在 1900-01-01 至今天之间。"),
            code=CODE,
            rule="birthdate",
            date=birth.isoformat(),
        )
    expected = resident_id_check_char(body)
    if last != expected:
        raise refuse(
            _("身份证号码校验位错误，第 18 位应为“%(expected)s”。"), code=CODE, rule="check", expected=expected
        )
    return number


def _birthdate(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def resident_id_birthdate(value: str) -> dt.date:
    """The birth date encoded in a valid ID number (positions 7–14); raises ValidationError if invalid."""
    birth = _birthdate(validate_resident_id(value))
    assert birth is not None  # validate_resident_id refused any number without a real date
    return birth


def resident_id_gender(value: str) -> str:
    """``MALE`` or ``FEMALE`` from the 17th digit (odd = male, GB 11643-1999 sequence code)."""
    return MALE if int(validate_resident_id(value)[16]) % 2 else FEMALE


def is_valid_resident_id(value: str) -> bool:
    """True when ``validate_resident_id`` accepts ``value``."""
    try:
        validate_resident_id(value)
    except ValidationError:
        return False
    return True
