"""The identifier validators of the shared kernel (INFO-1 fields, INFO-4 same rules at every entry).

Real codes used (the published check characters must validate):
- 914403001922038216 华为技术有限公司 (Chinese Wikipedia, 华为 infobox "机构代码")
- 91440300708461136T 深圳市腾讯计算机系统有限公司 (check-china.com business-licence report)
- 91110108551385082Q 小米科技有限责任公司 (business records reproduced in several public repositories)
- 91350100M000100Y43 the example code printed in explanations of GB 32100-2015
- 11010519491231002X and 440524188001010014, the worked examples of GB 11643-1999
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kehu.core import clock
from kehu.core.validators import (
    FEMALE,
    MALE,
    is_valid_credit_code,
    is_valid_email,
    is_valid_mobile,
    is_valid_phone,
    is_valid_resident_id,
    normalize_width,
    resident_id_birthdate,
    resident_id_gender,
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_phone,
    validate_resident_id,
)
from kehu.core.validators.credit_code import (
    AUTHORITY_TYPES,
    CHARSET,
    credit_code_check_char,
    org_code_check_char,
)
from kehu.core.validators.provinces import PROVINCE_CODES
from kehu.core.validators.resident_id import resident_id_check_char

pytestmark = pytest.mark.req("INFO-1", "INFO-4")

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def refusal(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


def message(error: ValidationError) -> str:
    return error.messages[0]


def test_width_folding_keeps_chinese():
    assert normalize_width("\u3000ＡＢＣ１２３（深圳）华为\u3000") == "ABC123(深圳)华为"


# --- 统一社会信用代码 (GB 32100-2015) -----------------------------------------------------------

REAL_CREDIT_CODES = ["914403001922038216", "91440300708461136T", "91110108551385082Q", "91350100M000100Y43"]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_published_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)


def test_credit_code_accepts_lower_case_full_width_and_spaces():
    assert validate_credit_code(" ９１４４０３００７０８４６１１３６ｔ ") == "91440300708461136T"
    assert validate_credit_code("91440300 708461136t") == "91440300708461136T"


def with_char(code: str, position: int, char: str) -> str:
    """``code`` with the character at 1-based ``position`` replaced."""
    return code[: position - 1] + char + code[position:]


def test_credit_code_length_rule():
    error = refusal(validate_credit_code, "91440300708461136")
    assert error.code == "credit_code_invalid"
    assert error.params["rule"] == "length"
    assert message(error) == "统一社会信用代码长度须为 18 位，当前为 17 位。"


@pytest.mark.parametrize("char", ["I", "O", "S", "V", "Z", "-"])
def test_credit_code_charset_rule_names_the_character(char):
    error = refusal(validate_credit_code, with_char("91440300708461136T", 12, char))
    assert error.params["rule"] == "charset"
    assert f"含非法字符“{char}”" in message(error)


def test_credit_code_authority_rule():
    error = refusal(validate_credit_code, with_char("91440300708461136T", 1, "B"))
    assert error.params["rule"] == "authority"
    assert message(error) == "统一社会信用代码第 1 位登记管理部门代码“B”不存在。"


def test_credit_code_type_rule():
    error = refusal(validate_credit_code, with_char("91440300708461136T", 2, "5"))
    assert error.params["rule"] == "type"
    assert message(error) == "统一社会信用代码第 2 位机构类别代码“5”不属于登记管理部门“9”。"


@pytest.mark.parametrize("division", ["990300", "44A300", "000000"])
def test_credit_code_division_rule(division):
    error = refusal(validate_credit_code, "91" + division + "708461136T")
    assert error.params["rule"] == "division"
    assert f"“{division}”" in message(error)


def test_credit_code_central_division_is_accepted():
    first17 = "11100000" + "00001312" + org_code_check_char("00001312")
    code = first17 + credit_code_check_char(first17)
    assert validate_credit_code(code) == code


def test_credit_code_organisation_code_check_rule():
    error = refusal(validate_credit_code, with_char("914403001922038216", 17, "2"))
    assert error.params["rule"] == "org_check"
    assert message(error) == "统一社会信用代码第 9–17 位组织机构代码的校验码错误，第 17 位应为“1”。"


def test_credit_code_check_character_rule():
    error = refusal(validate_credit_code, "91440300708461136A")
    assert error.params["rule"] == "check"
    assert error.params["expected"] == "T"
    assert message(error) == "统一社会信用代码校验位错误，第 18 位应为“T”。"
    assert not is_valid_credit_code("91440300708461136A")


def test_organisation_code_check_maps_10_to_x_and_11_to_0():
    # Only the last body character (weight 2) is set, so the weighted sum is 2 × it.
    assert org_code_check_char("00000001") == "9"  # sum 2: 11 - 2
    assert org_code_check_char("00000006") == "X"  # sum 12 ≡ 1: 11 - 1 = 10 → X
    assert org_code_check_char("00000000") == "0"  # sum 0: 11 - 0 = 11 → 0
    assert org_code_check_char("0000000A") == "2"  # A counts 10: sum 20 ≡ 9: 11 - 9


authority_and_type = st.sampled_from([(a, t) for a, types in AUTHORITY_TYPES.items() for t in types])
divisions = st.tuples(st.sampled_from(sorted(PROVINCE_CODES)), st.from_regex(r"\A[0-9]{4}\Z"))
org_bodies = st.text(alphabet=CHARSET, min_size=8, max_size=8)


@st.composite
def credit_codes(draw) -> str:
    authority, kind = draw(authority_and_type)
    province, rest = draw(divisions)
    body = draw(org_bodies)
    first17 = authority + kind + province + rest + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


@given(code=credit_codes())
def test_generated_credit_codes_are_valid(code):
    assert validate_credit_code(code.lower()) == code


@given(code=credit_codes(), position=st.integers(1, 18), char=st.sampled_from(CHARSET))
def test_changing_any_one_character_of_a_credit_code_is_detected(code, position, char):
    changed = with_char(code, position, char)
    if changed != code:
        assert not is_valid_credit_code(changed)


# --- 居民身份证号码 (GB 11643-1999) -------------------------------------------------------------


def test_standard_example_id_number_is_valid_and_lower_case_x_accepted():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"
    assert validate_resident_id("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert resident_id_birthdate("11010519491231002X") == dt.date(1949, 12, 31)
    assert resident_id_gender("11010519491231002X") == FEMALE


def id_number(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_gender_from_the_seventeenth_digit():
    assert resident_id_gender(id_number("11010519900101001")) == MALE
    assert resident_id_gender(id_number("11010519900101002")) == FEMALE


def test_id_length_rule_refuses_old_15_digit_numbers():
    error = refusal(validate_resident_id, "110105491231002")
    assert error.code == "resident_id_invalid"
    assert error.params["rule"] == "length"
    assert message(error) == "身份证号码长度须为 18 位，当前为 15 位。"


@pytest.mark.parametrize("value", ["1101051949123100AX", "11010519491231002Y", "11010519491231002٣"])
def test_id_charset_rule(value):
    error = refusal(validate_resident_id, value)
    assert error.params["rule"] == "charset"
    assert message(error) == "身份证号码须为 17 位数字加 1 位数字或 X。"


@pytest.mark.parametrize("province", ["00", "16", "24", "72", "84", "91"])
def test_id_region_rule(province):
    error = refusal(validate_resident_id, id_number(province + "010519491231002"))
    assert error.params["rule"] == "region"
    assert message(error) == f"身份证号码前 2 位“{province}”不是有效的省级行政区划代码。"


@pytest.mark.parametrize("province", ["81", "82", "83"])
def test_id_residence_permits_of_hong_kong_macau_taiwan_residents(province):
    number = id_number(province + "000019900101001")
    assert validate_resident_id(number) == number


@pytest.mark.parametrize("digits", ["19490230", "19491301", "20230229"])
def test_id_birthdate_must_be_a_real_date(digits):
    error = refusal(validate_resident_id, id_number("110105" + digits + "002"))
    assert error.params["rule"] == "birthdate"
    assert message(error) == f"身份证号码第 7–14 位“{digits}”不是有效的出生日期。"


def test_id_birthdate_before_1900_refused_even_the_standards_own_example():
    # 440524188001010014 is GB 11643-1999's example of a correct check digit; 1880 is out of range for a customer.
    assert resident_id_check_char("44052418800101001") == "4"
    error = refusal(validate_resident_id, "440524188001010014")
    assert error.params["rule"] == "birthdate"
    assert message(error) == "身份证号码中的出生日期 1880-01-01 须在 1900-01-01 至今天之间。"
    assert is_valid_resident_id(id_number("11010519000101001"))


def test_id_born_today_allowed_tomorrow_refused():
    with clock.frozen(dt.datetime(2026, 11, 22, 0, 30, tzinfo=SHANGHAI)):
        assert is_valid_resident_id(id_number("11010520261122001"))
        error = refusal(validate_resident_id, id_number("11010520261123001"))
    assert error.params["rule"] == "birthdate"
    assert message(error) == "身份证号码中的出生日期 2026-11-23 须在 1900-01-01 至今天之间。"


def test_id_check_digit_rule():
    error = refusal(validate_resident_id, "110105194912310021")
    assert error.params["rule"] == "check"
    assert message(error) == "身份证号码校验位错误，第 18 位应为“X”。"


@st.composite
def id_numbers(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest_of_address = draw(st.from_regex(r"\A[0-9]{4}\Z"))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)))
    sequence = draw(st.from_regex(r"\A[0-9]{3}\Z"))
    return id_number(province + rest_of_address + birth.strftime("%Y%m%d") + sequence)


@given(number=id_numbers())
def test_generated_id_numbers_are_valid(number):
    assert validate_resident_id(number.lower()) == number


@given(number=id_numbers(), position=st.integers(1, 18), char=st.sampled_from("0123456789X"))
def test_changing_any_one_character_of_an_id_number_is_detected(number, position, char):
    changed = number[: position - 1] + char + number[position:]
    if changed != number:
        assert not is_valid_resident_id(changed)


# --- Mobile and landline numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086-13800138000",
        "8613800138000",
        "１３８００１３８０００",
        "＋８６　１３８００１３８０００",
    ],
)
def test_mobile_forms_normalise_to_eleven_digits(value):
    assert validate_mobile(value) == "13800138000"


def test_mobile_all_second_digits_3_to_9():
    for second in "3456789":
        assert is_valid_mobile(f"1{second}012345678")


def test_mobile_charset_rule():
    error = refusal(validate_mobile, "138a0013800")
    assert (error.code, error.params["rule"]) == ("mobile_invalid", "charset")
    assert message(error) == "手机号码只能包含数字、空格、短横线和 +86 前缀。"


@pytest.mark.parametrize("value,length", [("1380013800", 10), ("138001380001", 12), ("+86 1380013800", 10)])
def test_mobile_length_rule(value, length):
    error = refusal(validate_mobile, value)
    assert error.params["rule"] == "length"
    assert message(error) == f"手机号码须为 11 位数字，当前为 {length} 位。"


@pytest.mark.parametrize("value", ["12800138000", "10800138000", "23800138000"])
def test_mobile_prefix_rule(value):
    error = refusal(validate_mobile, value)
    assert error.params["rule"] == "prefix"
    assert message(error) == "手机号码须以 13–19 开头。"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("010-12345678", "010-12345678"),
        ("(010)12345678", "010-12345678"),
        ("（０１０）１２３４５６７８", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("+86 10 12345678", "010-12345678"),
        ("021 6234 5678", "021-62345678"),
        ("0571-87654321", "0571-87654321"),
        ("0571-8765432", "0571-8765432"),
        ("0571-87654321-123", "0571-87654321-123"),
        ("0571-87654321 转 123", "0571-87654321-123"),
        ("0571-87654321分机123", "0571-87654321-123"),
        ("0571 87654321 ext. 123", "0571-87654321-123"),
        ("0571-87654321#8", "0571-87654321-8"),
        ("400-800-8888", "400-800-8888"),  # nationwide service numbers, printed as company hotlines
        ("4008008888", "400-800-8888"),
        ("800 810 1234 转 2", "800-810-1234-2"),
    ],
)
def test_landline_forms_normalise(value, expected):
    assert validate_phone(value) == expected


def test_a_mobile_typed_as_landline_says_where_it_belongs():
    error = refusal(validate_phone, "138 1234 5678")
    assert (error.code, error.params["rule"]) == ("phone_invalid", "mobile")
    assert message(error) == "这是手机号码，请填在“手机”一栏。"


def test_landline_charset_rule():
    error = refusal(validate_phone, "010-1234abcd")
    assert (error.code, error.params["rule"]) == ("phone_invalid", "charset")
    assert message(error) == "固定电话只能包含数字、空格、短横线、括号和分机号（转/ext）。"


@pytest.mark.parametrize("value", ["87654321", "0012345678"])
def test_landline_area_code_rule(value):
    error = refusal(validate_phone, value)
    assert error.params["rule"] == "area"
    assert message(error) == "固定电话须带以 0 开头的区号，例如 010-12345678。"


@pytest.mark.parametrize("value", ["010-02345678", "0571-87654", "010-123456789"])
def test_landline_local_number_rule(value):
    error = refusal(validate_phone, value)
    assert error.params["rule"] == "local"
    assert message(error) == "固定电话的本地号码须为 7–8 位数字且不以 0 开头，例如 0571-87654321。"
    assert not is_valid_phone(value)


# --- E-mail --------------------------------------------------------------------------------------


def test_email_width_folded_and_domain_lower_cased():
    assert validate_email(" Ｚhang.San@Example.COM ") == "Zhang.San@example.com"
    assert is_valid_email("a@example.cn")


@pytest.mark.parametrize("value", ["zhangsan", "zhangsan@", "@example.com", "a b@example.com", "a@example"])
def test_email_format_rule(value):
    error = refusal(validate_email, value)
    assert (error.code, error.params["rule"]) == ("email_invalid", "format")
    assert message(error) == "电子邮箱格式不正确，例如 name@example.com。"


# --- As Django field validators ------------------------------------------------------------------


def test_validators_work_as_form_field_validators():
    from django import forms

    class CustomerForm(forms.Form):
        credit_code = forms.CharField(validators=[validate_credit_code])
        mobile = forms.CharField(validators=[validate_mobile])

    form = CustomerForm(data={"credit_code": "91440300708461136A", "mobile": "13800138000"})
    assert not form.is_valid()
    assert form.errors["credit_code"] == ["统一社会信用代码校验位错误，第 18 位应为“T”。"]
    assert "mobile" not in form.errors
