"""Company and person name keys used by the duplicate check (INFO-5)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kehu.core.names import LEGAL_FORM_MARKER, normalize_company_name, normalize_person_name

pytestmark = pytest.mark.req("INFO-5")


@pytest.mark.parametrize(
    "name",
    ["华为技术有限公司", "华为技术 有限公司", "华为技术有限责任公司", "华为技术股份有限公司", "华为技术股份公司", " 华为技术公司\u3000"],
)
def test_legal_form_variants_share_one_key(name):
    assert normalize_company_name(name) == "华为技术" + LEGAL_FORM_MARKER


def test_bracketed_region_stays_with_canonical_brackets():
    keys = {normalize_company_name(n) for n in ["华为技术（深圳）有限公司", "华为技术(深圳)有限公司", "华为技术【深圳】有限责任公司", "华为技术 ［深圳］ 有限公司"]}
    assert keys == {"华为技术(深圳)公司"}
    assert normalize_company_name("华为技术有限公司") != "华为技术(深圳)公司"


def test_group_is_part_of_the_name_not_of_the_legal_form():
    assert normalize_company_name("华为投资控股集团有限公司") == "华为投资控股集团公司"
    assert normalize_company_name("华为投资控股集团有限公司") != normalize_company_name("华为投资控股有限公司")


@pytest.mark.parametrize(
    "name",
    ["Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO.,LTD", "Huawei Technologies Company Limited", "Huawei Technologies Ltd", "ＨＵＡＷＥＩ Technologies Co. Ltd."],
)
def test_english_legal_form_variants(name):
    assert normalize_company_name(name) == "huaweitechnologies" + LEGAL_FORM_MARKER


def test_a_name_ending_in_co_without_punctuation_keeps_it():
    assert normalize_company_name("Costco Ltd") == "costco" + LEGAL_FORM_MARKER


def test_name_without_legal_form_gets_no_marker_and_invisible_characters_go():
    assert normalize_company_name("华为\u200b技术") == "华为技术"


def test_person_names():
    assert normalize_person_name(" 张 三 ") == "张三"
    assert normalize_person_name("张\u3000三") == "张三"
    for dot in "·•・･‧∙⋅":
        assert normalize_person_name(f"阿卜杜勒 {dot} 艾尼") == "阿卜杜勒·艾尼"
    assert normalize_person_name("Ｊｏｈｎ  Smith") == "John Smith"


# Text that exercises the interesting parts: CJK, the legal-form words, brackets of both widths,
# ASCII and full-width letters, spaces of several kinds, and anything else Unicode has.
_pieces = st.sampled_from(
    ["华为", "技术", "深圳", "有限", "责任", "股份", "公司", "集团", "co.,", "ltd.", "Limited", "Company", "Ｃｏ．",
     "(", ")", "（", "）", "【", "】", "[", "]", "Ａ", "b", "·", " ", "\u3000", "\t"]
)
names = st.one_of(st.lists(_pieces, max_size=12).map("".join), st.text(max_size=20))

_FULL_WIDTH_BRACKETS = str.maketrans("()[]", "（）［］")


@given(name=names)
@example(name="A有限有限公司")
@example(name="abc Co., Ltd. Co., Ltd.")
@example(name="İ")
@example(name="e\u0301 ¨")
def test_company_key_is_idempotent(name):
    key = normalize_company_name(name)
    assert normalize_company_name(key) == key


@given(name=names, data=st.data())
def test_company_key_ignores_inserted_spaces(name, data):
    positions = data.draw(st.lists(st.integers(0, len(name)), max_size=4))
    spaced = name
    for position in sorted(positions, reverse=True):
        spaced = spaced[:position] + data.draw(st.sampled_from([" ", "\u3000", "\t"])) + spaced[position:]
    assert normalize_company_name(spaced) == normalize_company_name(name)


@given(name=names)
def test_company_key_ignores_bracket_width(name):
    assert normalize_company_name(name.translate(_FULL_WIDTH_BRACKETS)) == normalize_company_name(name)


@given(name=names)
def test_person_name_is_idempotent(name):
    once = normalize_person_name(name)
    assert normalize_person_name(once) == once
