"""Masked display of personal information (SECURITY.md PI-4) and the blind index's normalisation (CRY-3)."""

from __future__ import annotations

import pytest

from kehu.core import blind_index, masking

pytestmark = pytest.mark.req("SEC-3")


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("+86 138-1234-5678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),  # full-width digits
    ("0571-88886666", "********6666"),  # not a mobile: only the last four stay
    ("", ""),
])
def test_mobile(value, masked):
    assert masking.mask_mobile(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("11010119900307803X", "110101********803X"),
    ("11010119900307803x", "110101********803X"),
    ("110101900307803", "110101*****7803"),  # the old 15-digit form
])
def test_id_number(value, masked):
    assert masking.mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("张三", "张*"),
    ("张三丰", "张*丰"),
    ("欧阳华", "欧阳*"),
    ("欧阳娜娜", "欧阳*娜"),
    ("诸葛孔明", "诸葛*明"),
    ("司马相如", "司马*如"),
    ("王", "*"),
    ("欧阳", "欧*"),  # two characters: a single surname plus a given name, not a bare 复姓
    ("John Smith", "J*********"),
])
def test_name(value, masked):
    assert masking.mask_name(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("zhangsan@example.com", "z*******@example.com"),
    ("a@example.com", "*@example.com"),
])
def test_email(value, masked):
    assert masking.mask_email(value) == masked


def test_bank_account_keeps_the_last_four():
    assert masking.mask_bank_account("6222 0212 3456 7890") == "**** 7890"


@pytest.mark.parametrize(("value", "masked"), [
    ("浙江省杭州市西湖区文三路 90 号", "浙江省杭州市西湖区****"),
    ("北京市朝阳区建国路88号", "北京市朝阳区****"),
    ("上海市浦东新区世纪大道100号", "上海市浦东新区****"),
    ("内蒙古自治区呼和浩特市新城区中山路1号", "内蒙古自治区呼和浩特市新城区****"),  # 自治区 is a province
    ("广东省东莞市长安镇振安路1号", "广东省东莞市****"),  # a city without districts
    ("江苏省苏州市昆山市前进中路", "江苏省苏州市昆山市****"),  # county-level city
    ("浙江省杭州市西湖区农贸市场路1号", "浙江省杭州市西湖区****"),
    ("文三路 90 号", "****"),
])
def test_address_is_kept_to_the_district(value, masked):
    assert masking.mask_address(value) == masked


@pytest.mark.parametrize(("kind", "a", "b"), [
    ("mobile", "13812345678", "+86 138 1234 5678"),
    ("mobile", "13812345678", "１３８１２３４５６７８"),
    ("id_number", "11010119900307803X", "11010119900307803x"),
    ("email", "Zhang@Example.com", " zhang@example.com "),
    ("bank_account", "6222021234567890", "6222 0212 3456 7890"),
])
@pytest.mark.req("SEC-4")
def test_blind_index_normalises_per_kind(kind, a, b):
    assert blind_index.full_index(kind, a) == blind_index.full_index(kind, b)
    assert len(blind_index.full_index(kind, a)) == 32


@pytest.mark.req("SEC-4")
def test_blind_index_separates_kinds_and_hides_the_value():
    index = blind_index.full_index("mobile", "13812345678")
    assert index != blind_index.full_index("bank_account", "13812345678")
    assert blind_index.last4_index("mobile", "13812345678") == blind_index.last4_index("mobile", "5678")
    assert blind_index.last4_index("mobile", "567") == ""
