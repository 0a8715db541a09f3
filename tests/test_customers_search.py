"""Customer search (INFO-6): the same results on SQLite and PostgreSQL, scoped, and served by the indexes."""

import pytest
from django.db import connection

from kehu.customers import services
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.listing import CappedCount, capped_count, keyset_page
from kehu.customers.models import Customer
from kehu.customers.search import apply_search
from kehu.org import roles

pytestmark = [pytest.mark.django_db, pytest.mark.req("INFO-6")]

HUAWEI = "华为技术有限公司"
TENCENT = "腾讯科技有限公司"
HUAXIA = "北京华夏银行股份有限公司"
OTHERS_HUAWEI = "华为终端有限公司"


def cleaned(form_class, data):
    form = form_class(data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def create(actor, name, credit_code="", mobile=""):
    data = cleaned(CustomerForm, {"kind": "enterprise", "name": name, "credit_code": credit_code, "stage": "potential"})
    contacts = (cleaned(ContactForm, {"name": "李四", "mobile": mobile}),) if mobile else ()
    return services.customer_create(actor=actor, data=data, contacts=contacts)


@pytest.fixture
def people(make_user):
    sales, other = make_user(roles.SALESPERSON), make_user(roles.SALESPERSON)
    create(sales, HUAWEI, credit_code="914403001922038216", mobile="13812345678")
    create(sales, TENCENT, mobile="13900005678")
    create(sales, HUAXIA)
    create(other, OTHERS_HUAWEI, mobile="13712345678")
    return sales, other, make_user(roles.GENERAL_MANAGER)


def found(user, query):
    return sorted(apply_search(Customer.objects.visible_to(user), query).values_list("name", flat=True))


@pytest.mark.parametrize(("query", "expected"), [
    ("华为", [HUAWEI]),                    # 2 characters: below the trigram length
    ("技术有", [HUAWEI]),                  # 3 characters
    ("为技术有限公", [HUAWEI]),
    ("有限公司", [HUAWEI, HUAXIA, TENCENT]),
    ("hwjs", [HUAWEI]),                    # initials
    ("bjhx", [HUAXIA]),
    ("huaweijishu", [HUAWEI]),             # full pinyin
    ("HuaWei", [HUAWEI]),                  # mixed case
    ("ＨＷＪＳ", [HUAWEI]),                # full-width
    ("华夏", [HUAXIA]),
    ("5678", [HUAWEI, TENCENT]),           # last 4, customer's contacts
    ("+86 138 1234 5678", [HUAWEI]),       # full mobile
    ("914403001922038216".lower(), [HUAWEI]),
    ("不存在的公司", []),
    ("xyzq", []),
])
def test_same_results_on_every_database_and_never_out_of_scope(people, query, expected):
    sales, _other, _gm = people
    assert found(sales, query) == sorted(expected)


def test_a_wider_scope_finds_the_others_customer(people):
    sales, other, gm = people
    assert found(other, "华为") == [OTHERS_HUAWEI]
    assert found(other, "13812345678") == []
    assert found(gm, "华为") == sorted([HUAWEI, OTHERS_HUAWEI])
    assert found(gm, "hwzd") == [OTHERS_HUAWEI]


def test_keyset_pages_and_capped_count(people):
    _sales, _other, gm = people
    everyone = Customer.objects.visible_to(gm)
    first, cursor = keyset_page(everyone, size=3)
    rest, end = keyset_page(everyone, before_id=cursor, size=3)
    ids = [c.pk for c in first + rest]
    assert ids == sorted(everyone.values_list("pk", flat=True), reverse=True) and end is None
    assert capped_count(everyone, cap=3) == CappedCount(3, True)
    assert capped_count(everyone, cap=4).value == 4 and not capped_count(everyone, cap=4).capped


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm indexes exist on PostgreSQL only")
def test_name_search_uses_the_trigram_index(people):
    sales, _other, _gm = people
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = apply_search(Customer.objects.visible_to(sales), "技术有").explain()
    assert "customers_name_trgm" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_fts_table_follows_updates_and_deletes(people):
    sales, _other, _gm = people
    customer = Customer.objects.get(name=HUAXIA)
    services.customer_update(actor=sales, customer=customer,
                             data={**cleaned(CustomerForm, {"kind": "enterprise", "name": "上海浦东发展银行",
                                                            "stage": "potential"})})
    assert found(sales, "浦东发展") == ["上海浦东发展银行"]
    assert found(sales, "shpdfz") == ["上海浦东发展银行"]
    assert found(sales, "华夏银行") == [] and found(sales, "bjhx") == []
    Customer.objects.filter(name=TENCENT).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer_fts WHERE customers_customer_fts MATCH '\"腾讯科技\"'")
        assert cursor.fetchone() == (0,)
