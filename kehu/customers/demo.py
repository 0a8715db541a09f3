"""The demo company's customers: each salesperson and key-account manager gets a book of customers,
created through the same service as the pages (validated, duplicate-checked, audited), and gives a few
more back to the public pool with a reason, so the pool has customers to claim (OWN-3)."""

from __future__ import annotations

import random

from kehu.customers import ownership, services
from kehu.customers.factories import company_name, credit_code, mobile, person_name
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.org import roles

PER_OWNER = 12
RELEASED = 2  # per owner, released to the pool after creation
RELEASE_REASONS = ["客户暂无采购计划", "多次联系未果", "不在负责区域"]
STAGES = ["potential", "potential", "intent", "intent", "customer", "customer", "customer", "churned"]
TITLES = ["采购经理", "总经理", "财务总监", "技术总监", "行政主管"]


def valid(form_class, data: dict) -> dict:
    form = form_class(data)
    if not form.is_valid():  # demo data is made to be valid: fail loudly if a rule changed
        raise ValueError(f"demo data no longer passes {form_class.__name__}: {form.errors.as_json()}")
    return form.cleaned_data


def build_customers(users: list) -> None:
    rng = random.Random(20261122)
    owners = [u for u in users if {roles.SALESPERSON, roles.KEY_ACCOUNT_MANAGER} & u.role_codes]
    n = 0
    for owner in owners:
        for index in range(PER_OWNER + RELEASED):
            n += 1
            data = valid(CustomerForm, {
                "kind": "enterprise", "name": company_name(n), "credit_code": credit_code(rng),
                "stage": rng.choice(STAGES), "province": "330000", "city": "330100", "district": "330106",
                "source": rng.choice(["event", "referral", "web", "phone"]), "tags": rng.choice(["", "华东", "重点跟进"]),
            })
            contacts = [valid(ContactForm, {"name": person_name(rng), "mobile": mobile(rng),
                                             "title": rng.choice(TITLES)}) for _ in range(rng.randint(1, 2))]
            customer = services.customer_create(actor=owner, data=data, contacts=tuple(contacts))
            if index >= PER_OWNER:
                ownership.customer_release(actor=owner, customer=customer, reason=rng.choice(RELEASE_REASONS))
