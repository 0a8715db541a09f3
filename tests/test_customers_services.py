"""Customer archive services: validation shared by every entry point, duplicate check, field history, audit."""

import pytest

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import Conflict, PermissionDenied
from kehu.customers import services
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Contact, Customer, FieldChange
from kehu.org import roles
from tests.customer_data import cleaned

pytestmark = pytest.mark.django_db

HUAWEI = {"kind": "enterprise", "name": "华为技术有限公司", "credit_code": "914403001922038216", "stage": "potential"}


@pytest.fixture
def sales(make_user):
    return make_user(roles.SALESPERSON)


@pytest.mark.req("INFO-1", "INFO-4")
def test_form_normalises_and_refuses_with_the_rule_named():
    data = cleaned(CustomerForm, {**HUAWEI, "credit_code": "９１４４０３００１９２２０３８２１６", "mobile": "+86 138-1234-5678"})
    assert data["credit_code"] == "914403001922038216" and data["mobile"] == "13812345678"
    form = CustomerForm({**HUAWEI, "credit_code": "914403001922038217"})
    assert not form.is_valid()
    assert "校验" in form.errors["credit_code"][0]
    form = CustomerForm({"kind": "individual", "name": "张三", "stage": "potential", "id_number": "11010519491231002X",
                         "credit_code": "914403001922038216"})
    assert not form.is_valid() and "credit_code" in form.errors
    person = cleaned(CustomerForm, {"kind": "individual", "name": "张三", "stage": "potential",
                                    "id_number": "11010519491231002x"})
    assert person["id_number"] == "11010519491231002X" and str(person["birthday"]) == "1949-12-31"
    assert person["gender"] == "female"


@pytest.mark.req("INFO-1", "INFO-2", "SEC-5")
def test_create_sets_owner_keys_contacts_and_one_audit_row(sales):
    contact = cleaned(ContactForm, {"name": "李四", "mobile": "13812345678", "title": "采购经理"})
    customer = services.customer_create(actor=sales, data=cleaned(CustomerForm, HUAWEI), contacts=(contact,))
    assert customer.owner == sales and customer.department == sales.department
    assert customer.name_initials.split()[0] == "hwjsyxgs" and customer.name_pinyin.startswith("huawei")
    primary = customer.contacts.get()
    assert primary.is_primary and primary.mobile.reveal() == "13812345678" and str(primary.mobile) == "138****5678"
    rows = AuditEntry.objects.filter(action=actions.CUSTOMER_CREATE, target_id=str(customer.pk))
    assert rows.count() == 1 and rows.get().actor == sales


@pytest.mark.req("INFO-5")
def test_duplicate_check_sees_customers_outside_the_users_scope(make_user, sales):
    other = make_user(roles.SALESPERSON, full_name="王五")
    services.customer_create(actor=other, data=cleaned(CustomerForm, HUAWEI))
    assert not Customer.objects.visible_to(sales).exists()
    variant = {**HUAWEI, "name": "华为技术 有限责任公司", "credit_code": ""}
    with pytest.raises(Conflict) as refused:
        services.customer_create(actor=sales, data=cleaned(CustomerForm, variant))
    assert refused.value.code == "duplicate" and "王五" in str(refused.value.message)
    assert Customer.objects.count() == 1


@pytest.mark.req("INFO-5")
def test_duplicate_by_contact_mobile_and_warn_mode_can_be_confirmed(make_user, sales):
    first = services.customer_create(actor=sales, data=cleaned(CustomerForm, HUAWEI),
                                     contacts=(cleaned(ContactForm, {"name": "李四", "mobile": "13812345678"}),))
    person = {"kind": "individual", "name": "李四", "stage": "potential", "mobile": "13812345678"}
    with pytest.raises(Conflict) as refused:
        services.customer_create(actor=sales, data=cleaned(CustomerForm, person), entry_point="api")
    assert refused.value.details["hits"][0]["customer_id"] == first.pk
    assert refused.value.details["hits"][0]["reasons"] == ["mobile"]
    from kehu.policy import selectors

    rules = selectors.rules_in_force("duplicates")
    assert rules.action_by_entry_point["claim"] == "warn"  # the default: block on create, warn on claim


@pytest.mark.req("INFO-11")
def test_update_records_field_history_with_protected_values_masked(sales):
    customer = services.customer_create(actor=sales, data=cleaned(CustomerForm, HUAWEI))
    changes = services.customer_update(actor=sales, customer=customer,
                                       data={"stage": "intent", "mobile": "13900001111", "tags": ["重点", "华南"]})
    assert {c.field for c in changes} == {"stage", "mobile", "tags"}
    mobile_change = FieldChange.objects.get(customer=customer, field="mobile")
    assert mobile_change.old_value == "" and mobile_change.new_value == "139****1111"
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_UPDATE)
    assert entry.data["changes"]["stage"] == ["potential", "intent"]
    assert "13900001111" not in str(entry.data)
    assert services.customer_update(actor=sales, customer=customer, data={"stage": "intent"}) == []


@pytest.mark.req("SEC-2")
def test_engineers_cannot_create_or_edit(make_user, sales):
    engineer = make_user(roles.TECHNICAL_ENGINEER)
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=engineer, data=cleaned(CustomerForm, HUAWEI))
    customer = services.customer_create(actor=sales, data=cleaned(CustomerForm, HUAWEI))
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=engineer, customer=customer, data={"stage": "intent"})


@pytest.mark.req("INFO-2")
def test_only_one_primary_contact(sales):
    customer = services.customer_create(actor=sales, data=cleaned(CustomerForm, HUAWEI))
    first = services.contact_create(actor=sales, customer=customer, data=cleaned(ContactForm, {"name": "甲"}))
    second = services.contact_create(actor=sales, customer=customer,
                                     data=cleaned(ContactForm, {"name": "乙", "is_primary": True}))
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary
    assert Contact.objects.filter(customer=customer, is_primary=True).count() == 1


@pytest.mark.req("INFO-6")
def test_search_by_substring_pinyin_initials_and_phone_last4(sales):
    from kehu.customers.search import apply_search

    services.customer_create(actor=sales, data=cleaned(CustomerForm, HUAWEI),
                             contacts=(cleaned(ContactForm, {"name": "李四", "mobile": "13812345678"}),))
    services.customer_create(actor=sales, data=cleaned(CustomerForm, {"kind": "enterprise", "name": "腾讯科技有限公司",
                                                                      "stage": "potential"}))
    scoped = Customer.objects.visible_to(sales)

    def found(query):
        return list(apply_search(scoped, query).values_list("name", flat=True))

    assert found("为技") == ["华为技术有限公司"]
    assert found("hwjs") == ["华为技术有限公司"]
    assert found("HuaWei") == ["华为技术有限公司"]
    assert found("5678") == ["华为技术有限公司"]
    assert found("138 1234 5678") == ["华为技术有限公司"]
    assert found("1234") == []  # middle digits find nothing: only the last four are indexed
    assert found("914403001922038216") == ["华为技术有限公司"]
    assert found("txkj") == ["腾讯科技有限公司"]
