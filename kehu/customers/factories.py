"""Factories for customers and contacts, shared by the tests, the benchmarks and ``kehu demo``."""

from __future__ import annotations

import random

import factory

from kehu.core.validators.credit_code import credit_code_check_char, org_code_check_char
from kehu.customers.keys import set_contact_keys, set_customer_keys
from kehu.customers.models import Contact, Customer, Pool

PLACES = ["杭州", "宁波", "苏州", "无锡", "上海", "南京", "合肥", "深圳", "广州", "东莞", "厦门", "福州", "成都", "武汉", "长沙",
          "青岛", "济南", "天津", "北京", "西安"]
STEMS = ["华信", "瑞达", "恒通", "星辰", "博远", "中科", "锦程", "鼎盛", "新材", "远航", "天成", "汇丰", "金桥", "云启", "绿源",
         "精工", "海纳", "蓝海", "宏图", "启明"]
TRADES = ["电子科技", "机械制造", "新材料", "医疗器械", "物流", "食品", "软件", "环保科技", "汽车零部件", "精密仪器"]
SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "秀英", "建华", "志强", "丽娟"]


def company_name(n: int) -> str:
    """A plausible, unique-per-n company name: 杭州华信电子科技有限公司."""
    place, stem = PLACES[n % len(PLACES)], STEMS[(n // len(PLACES)) % len(STEMS)]
    trade = TRADES[(n // (len(PLACES) * len(STEMS))) % len(TRADES)]
    series = n // (len(PLACES) * len(STEMS) * len(TRADES))
    return f"{place}{stem}{trade}{'' if series == 0 else series}{SUFFIXES[n % len(SUFFIXES)]}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def credit_code(rng: random.Random, division: str = "330106") -> str:
    """A code that passes GB 32100 and GB 11714 checks (91 = 工商 / 企业)."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = f"91{division}{body}{org_code_check_char(body)}"
    return first17 + credit_code_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177", "199"]) + "".join(rng.choice("0123456789") for _ in range(8))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    kind = "enterprise"
    name = factory.Sequence(company_name)
    stage = "potential"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        customer = model_class(*args, **kwargs)
        if customer.owner_id and not customer.department_id:
            customer.department = customer.owner.department
        if not customer.owner_id and not customer.pool_id:  # a customer without an owner sits in a pool (OWN-1)
            customer.pool = Pool.objects.get(is_default=True)
        set_customer_keys(customer)
        customer.save()
        return customer


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: person_name(random.Random(n)))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        contact = model_class(*args, **kwargs)
        set_contact_keys(contact)
        contact.save()
        return contact
