"""统一社会信用代码 (unified social credit code) per GB 32100-2015.

Layout (GB 32100-2015, code structure): position 1 registration-authority code, position 2 organisation-type code,
positions 3–8 the administrative-division code of the registering authority (GB/T 2260), positions 9–17
the organisation code (GB 11714, whose own check character is position 17), position 18 the check
character (modulus 31 over the code set, weights 3**(i-1) mod 31). The character set excludes I, O, S, V and Z so that they
cannot be mistaken for 1, 0, 5, U and 2.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core.validators._errors import first_illegal, refuse
from kehu.core.validators.provinces import PROVINCE_CODES
from kehu.core.validators.width import normalize_width

CODE = "credit_code_invalid"

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CHAR_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
# GB 32100-2015 check character: the weight of position i is 3**(i-1) mod 31.
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997 check character: weights of the eight body characters of the organisation code.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration-authority code (position 1) → organisation-type codes (position 2) it may issue.
# GB 32100-2015 Table 1 defines 1, 5, 9 and Y; the others were assigned later to the departments
# named by the national credit-code scheme (外交 2, 司法行政 3, 文化 4, 旅游 6, 宗教 7, 工会 8,
# 中央军委改革和编制办公室 A, 农业 N).
AUTHORITY_TYPES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}
# Central-level organisations carry 100000 rather than a province's division code.
_CENTRAL_DIVISION_PREFIX = "10"


def credit_code_check_char(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015): C18 = 31 − (Σ Ci·Wi mod 31), 31 → 0."""
    total = sum(_CHAR_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The check character of a GB 11714 organisation code: C9 = 11 − (Σ Ci·Wi mod 11), 10 → X, 11 → 0.

    Digits count their value and letters A–Z count 10–35 (GB 11714-1997).
    """
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(value: str) -> str:
    """Validate a 统一社会信用代码 and return it in canonical form (upper case, half-width, no spaces).

    Raises ``ValidationError`` (code ``credit_code_invalid``, ``params["rule"]`` one of length, charset,
    authority, type, division, org_check, check) with a message naming the rule that failed.
    Usable as a Django model/form field validator.
    """
    code = "".join(normalize_width(value).split()).upper()
    if len(code) != 18:
        raise refuse(
            _("统一社会信用代码长度须为 18 位，当前为 %(length)d 位。"), code=CODE, rule="length", length=len(code)
        )
    illegal = first_illegal(code, CHARSET)
    if illegal is not None:
        raise refuse(
            _("统一社会信用代码含非法字符“%(char)s”（只能使用数字和除 I、O、S、V、Z 以外的大写字母）。"),
            code=CODE,
            rule="charset",
            char=illegal,
        )
    authority, kind = code[0], code[1]
    if authority not in AUTHORITY_TYPES:
        raise refuse(
            _("统一社会信用代码第 1 位登记管理部门代码“%(char)s”不存在。"), code=CODE, rule="authority", char=authority
        )
    if kind not in AUTHORITY_TYPES[authority]:
        raise refuse(
            _("统一社会信用代码第 2 位机构类别代码“%(char)s”不属于登记管理部门“%(authority)s”。"),
            code=CODE,
            rule="type",
            char=kind,
            authority=authority,
        )
    division = code[2:8]
    if not division.isdigit() or (
        division[:2] not in PROVINCE_CODES and division[:2] != _CENTRAL_DIVISION_PREFIX
    ):
        raise refuse(
            _("统一社会信用代码第 3–8 位须为 6 位数字的行政区划代码，“%(division)s”不是。"),
            code=CODE,
            rule="division",
            division=division,
        )
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        raise refuse(
            _("统一社会信用代码第 9–17 位组织机构代码的校验码错误，第 17 位应为“%(expected)s”。"),
            code=CODE,
            rule="org_check",
            expected=org_expected,
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise refuse(
            _("统一社会信用代码校验位错误，第 18 位应为“%(expected)s”。"), code=CODE, rule="check", expected=expected
        )
    return code


def is_valid_credit_code(value: str) -> bool:
    """True when ``validate_credit_code`` accepts ``value``."""
    try:
        validate_credit_code(value)
    except ValidationError:
        return False
    return True
