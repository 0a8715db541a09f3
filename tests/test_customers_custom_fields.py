"""Custom fields with presets (INFO-8): definitions and their admin pages, the one value check used by
the form, the API and the import, detail / export / list filters on SQLite and PostgreSQL, presets,
and the investment preset's suitability check."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import DomainError, PermissionDenied
from kehu.customers import custom_fields, exporter, importer, services, tabular
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Customer, CustomField
from kehu.org import roles
from kehu.policy.evaluators.suitability import CUSTOMER_LEVELS, PRODUCT_RISKS, evaluate
from tests.customer_data import DETAIL_QUERIES

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customers"
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PARENT_MOBILE = "13912345678"


def cleaned(data, **kwargs):
    form = CustomerForm(data, **kwargs)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def make_customer(owner, name, custom=None, kind="enterprise"):
    data = cleaned({"kind": kind, "name": name, "stage": "potential", "custom": custom or {}})
    return services.customer_create(actor=owner, data=data)


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def admin(make_user):
    return make_user(roles.SYSTEM_ADMIN)


@pytest.fixture
def fields(admin):
    """A field of every kind the definitions offer."""
    specs = [
        {"key": "school", "label": "学校", "label_en": "School", "type": "text", "max_value": 20},
        {"key": "code", "label": "学号", "type": "text", "regex": r"[A-Z]{2}\d{4}"},
        {"key": "notes", "label": "备忘", "type": "textarea"},
        {"key": "orders", "label": "月订单量", "type": "integer", "min_value": 0, "max_value": 1000},
        {"key": "fee", "label": "学费", "type": "decimal", "min_value": 0},
        {"key": "start", "label": "开课日期", "type": "date"},
        {"key": "grade", "label": "年级", "type": "choice", "choices": ["初一", "初二", "初三"], "required": True},
        {"key": "likes", "label": "兴趣", "type": "multichoice", "choices": ["数学", "英语", "物理"]},
        {"key": "vip", "label": "会员", "type": "boolean"},
        {"key": "parent_mobile", "label": "家长手机", "type": "mobile", "applies_to": "individual"},
        {"key": "parent_email", "label": "家长邮箱", "type": "email"},
    ]
    return [services.custom_field_create(actor=admin, data={"order": i, **spec}) for i, spec in enumerate(specs)]


# --- THE value check --------------------------------------------------------------------------------


@pytest.mark.req("INFO-8")
def test_clean_custom_types_and_rules(fields):
    values, errors = custom_fields.clean_custom({
        "school": " 第一中学 ", "code": "AB1234", "orders": "12", "fee": "1,280.50", "start": "2026/9/1",
        "grade": "初二", "likes": "英语、数学", "vip": "是", "parent_email": "Zhang@Example.com"}, kind="enterprise",
        fields=fields)
    assert errors == {}
    assert values == {"school": "第一中学", "code": "AB1234", "orders": 12, "fee": "1280.5", "start": "2026-09-01",
                      "grade": "初二", "likes": ["数学", "英语"], "vip": True, "parent_email": values["parent_email"]}
    assert "@" in values["parent_email"]
    _values, errors = custom_fields.clean_custom({
        "school": "长" * 21, "code": "ab12", "orders": "1.5", "fee": "-1", "start": "明天", "grade": "高一",
        "likes": ["化学"], "vip": "也许", "parent_mobile": "1381234", "parent_email": "not-mail", "nope": "x"},
        kind="individual", fields=fields)
    assert set(errors) == {"school", "code", "orders", "fee", "start", "grade", "likes", "vip", "parent_mobile",
                           "parent_email", "nope"}
    assert "20" in errors["school"] and "[A-Z]{2}" in errors["code"] and "整数" in errors["orders"]
    assert "不能小于 0" in errors["fee"] and "YYYY-MM-DD" in errors["start"] and "初一" in errors["grade"]
    assert "化学" in errors["likes"] and "nope" in errors["nope"]


@pytest.mark.req("INFO-8")
def test_required_applies_to_and_inactive_values_are_kept(fields, admin):
    _v, errors = custom_fields.clean_custom({}, kind="enterprise", fields=fields)
    assert errors == {"grade": "此项为必填项。"}
    _v, errors = custom_fields.clean_custom({"grade": "初一", "parent_mobile": PARENT_MOBILE}, kind="enterprise",
                                            fields=fields)
    assert "个人客户" in errors["parent_mobile"]
    values, errors = custom_fields.clean_custom({"grade": "初一", "parent_mobile": PARENT_MOBILE}, kind="enterprise",
                                                fields=fields, existing={"parent_mobile": PARENT_MOBILE})
    assert errors == {} and values["parent_mobile"] == PARENT_MOBILE  # an individual turned enterprise keeps it
    school = next(f for f in fields if f.key == "school")
    services.custom_field_deactivate(actor=admin, field=school)
    active = custom_fields.definitions()
    assert "school" not in {f.key for f in active}
    values, errors = custom_fields.clean_custom({"grade": "初一"}, kind="enterprise", fields=active,
                                                existing={"school": "旧值", "grade": "初三"})
    assert errors == {} and values == {"school": "旧值", "grade": "初一"}
    _v, errors = custom_fields.clean_custom({"grade": "初一", "school": "新值"}, kind="enterprise", fields=active,
                                            existing={"school": "旧值"})
    assert "school" in errors


@pytest.mark.req("INFO-8")
def test_definition_rules(admin, sales):
    bad = [({"key": "Bad-Key", "label": "x", "type": "text"}, "key"),
           ({"key": "ok", "label": "", "type": "text"}, "label"),
           ({"key": "ok", "label": "x", "type": "choice", "choices": []}, "choices"),
           ({"key": "ok", "label": "x", "type": "integer", "min_value": 5, "max_value": 1}, "min_value"),
           ({"key": "ok", "label": "x", "type": "text", "regex": "("}, "regex"),
           ({"key": "ok", "label": "x", "type": "date", "regex": "x"}, "regex")]
    for data, field in bad:
        with pytest.raises(DomainError) as refused:
            services.custom_field_create(actor=admin, data=data)
        assert refused.value.field == field, data
    services.custom_field_create(actor=admin, data={"key": "ok", "label": "好", "type": "text"})
    with pytest.raises(DomainError) as taken:
        services.custom_field_create(actor=admin, data={"key": "ok", "label": "x", "type": "text"})
    assert taken.value.code == "key_taken"
    with pytest.raises(PermissionDenied):
        services.custom_field_create(actor=sales, data={"key": "mine", "label": "x", "type": "text"})


# --- admin pages ------------------------------------------------------------------------------------


def admin_pages(field):
    return [("get", reverse("customers:field_list")), ("get", reverse("customers:field_new")),
            ("get", reverse("customers:field_edit", args=[field.pk])),
            ("post", reverse("customers:field_deactivate", args=[field.pk])),
            ("post", reverse("customers:field_activate", args=[field.pk])),
            ("post", reverse("customers:field_preset", args=["delivery"]))]


@pytest.mark.req("INFO-8", "SEC-2")
def test_admin_pages_permission_matrix(client, login, admin, sales, fields):
    for method, url in admin_pages(fields[0]):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    login(sales)
    for method, url in admin_pages(fields[0]):
        assert getattr(client, method)(url).status_code == 403, url
    login(admin)
    for method, url in admin_pages(fields[0]):
        assert getattr(client, method)(url).status_code in (200, 302), url
    assert client.get(reverse("customers:field_edit", args=[99999])).status_code == 404
    assert client.post(reverse("customers:field_preset", args=["nosuch"])).status_code == 404


@pytest.mark.req("INFO-8")
def test_admin_creates_edits_and_deactivates_audited(client, login, admin):
    login(admin)
    response = client.post(reverse("customers:field_new"), {
        "key": "level", "label": "级别", "type": "choice", "choices": "甲\n乙\n\n丙", "applies_to": "both", "order": 1,
        "required": "False"})
    assert response.status_code == 302
    field = CustomField.objects.get(key="level")
    assert field.choices == ["甲", "乙", "丙"]
    assert AuditEntry.objects.filter(action=actions.CUSTOM_FIELD_CREATE, target_id=str(field.pk)).exists()
    refused = client.post(reverse("customers:field_new"), {"key": "level", "label": "x", "type": "text",
                                                           "applies_to": "both", "order": 0, "required": "False"})
    assert refused.status_code == 200 and "已被使用" in refused.content.decode()
    client.post(reverse("customers:field_edit", args=[field.pk]), {
        "key": "hacked", "type": "text", "label": "客户级别", "choices": "甲\n乙", "applies_to": "enterprise",
        "order": 2, "required": "True"})
    field.refresh_from_db()
    assert (field.key, field.type, field.label, field.required, field.choices) == ("level", "choice", "客户级别",
                                                                                 True, ["甲", "乙"])
    entry = AuditEntry.objects.filter(action=actions.CUSTOM_FIELD_UPDATE).latest("seq")
    assert entry.data["changes"]["label"] == ["级别", "客户级别"]
    client.post(reverse("customers:field_deactivate", args=[field.pk]))
    field.refresh_from_db()
    assert not field.active and AuditEntry.objects.filter(action=actions.CUSTOM_FIELD_DEACTIVATE).count() == 1
    assert "客户级别" in client.get(reverse("customers:field_list")).content.decode()
    assert "custom_level" not in CustomerForm().fields


# --- presets ----------------------------------------------------------------------------------------


@pytest.mark.req("INFO-8")
def test_presets_install_once_by_command_and_button(client, login, admin):
    call_command("customfields_preset", "investment", "--as", admin.username, stdout=io.StringIO())
    keys = set(CustomField.objects.values_list("key", flat=True))
    assert {"risk_level", "risk_assessed_on", "investment_preference", "investment_horizon"} <= keys
    out = io.StringIO()
    call_command("customfields_preset", "investment", stdout=out)  # the one system admin, implied
    assert "未作改动" in out.getvalue()
    assert CustomField.objects.count() == len(keys)
    assert AuditEntry.objects.filter(action=actions.CUSTOM_FIELD_PRESET).count() == 1
    login(admin)
    for name in ("education", "delivery", "education"):
        assert client.post(reverse("customers:field_preset", args=[name])).status_code == 302
    keys = set(CustomField.objects.values_list("key", flat=True))
    assert {"student_name", "parent_name", "courses", "fee_records", "monthly_order_volume", "delivery_routes"} <= keys
    assert AuditEntry.objects.filter(action=actions.CUSTOM_FIELD_PRESET).count() == 3
    assert CustomField.objects.get(key="risk_level").choices == list(CUSTOMER_LEVELS)


# --- the customer form and pages --------------------------------------------------------------------


@pytest.mark.req("INFO-8")
def test_form_shows_typed_widgets_and_checks_values(client, login, sales, fields):
    login(sales)
    html = client.get(reverse("customers:new")).content.decode()
    assert 'name="custom_start"' in html and 'type="date"' in html
    assert 'name="custom_orders"' in html and 'type="number"' in html
    assert 'type="checkbox" name="custom_likes"' in html and '<select name="custom_grade"' in html
    base = {"kind": "enterprise", "name": "北京甲科技有限公司", "stage": "potential"}
    refused = client.post(reverse("customers:new"), {**base, "custom_orders": "很多", "custom_grade": ""})
    page = refused.content.decode()
    assert refused.status_code == 200 and "须为整数" in page and "此项为必填项" in page
    response = client.post(reverse("customers:new"), {**base, "custom_orders": "30", "custom_grade": "初一",
                                                      "custom_likes": ["数学", "物理"], "custom_vip": "yes"})
    assert response.status_code == 302
    customer = Customer.objects.get(name="北京甲科技有限公司")
    assert customer.custom == {"orders": 30, "grade": "初一", "likes": ["数学", "物理"], "vip": True}
    edit = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert 'value="30"' in edit and 'value="yes" selected' in edit
    client.post(reverse("customers:edit", args=[customer.pk]), {**base, "custom_orders": "31", "custom_grade": "初一",
                                                                "custom_likes": ["数学", "物理"], "custom_vip": "yes"})
    customer.refresh_from_db()
    assert customer.custom["orders"] == 31
    change = customer.field_changes.get(field="custom.orders")
    assert (change.label, change.old_value, change.new_value) == ("月订单量", "30", "31")


@pytest.mark.req("INFO-8", "SEC-3")
def test_detail_shows_values_masks_personal_ones_and_keeps_budget(client, login, sales, fields,
                                                                 django_assert_max_num_queries):
    customer = make_customer(sales, "王小明", kind="individual", custom={
        "grade": "初三", "likes": ["数学", "英语"], "vip": False, "parent_mobile": PARENT_MOBILE, "notes": "周末上课"})
    login(sales)
    custom_fields.definitions()  # the definitions come from the cache, as they do once any page has run
    # The budget of test_customers_pages, which counts a cold definitions cache: custom values add no query.
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    assert "初三" in html and "数学、英语" in html and "周末上课" in html and "139****5678" in html
    assert not FULL_MOBILE.search(html)
    edit = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert PARENT_MOBILE not in edit
    client.post(reverse("customers:edit", args=[customer.pk]), {  # the mobile left empty stays as it was
        "kind": "individual", "name": "王小明", "stage": "potential", "custom_grade": "初二"})
    customer.refresh_from_db()
    assert customer.custom["parent_mobile"] == PARENT_MOBILE and customer.custom["grade"] == "初二"


# --- the API ----------------------------------------------------------------------------------------


@pytest.mark.req("INFO-8", "SEC-2")
def test_api_create_and_update_custom_values(api_client, sales, fields):
    client = api_client(sales)
    refused = post_json(client, BASE, {"name": "甲公司", "custom": {"grade": "初一", "nope": 1, "orders": "x"}})
    assert refused.status_code == 422
    body = refused.json()
    fields_named = {d["field"] for d in body["details"]}
    assert fields_named == {"custom.nope", "custom.orders"}
    assert any("月订单量" in d["message"] and "整数" in d["message"] for d in body["details"])
    missing = post_json(client, BASE, {"name": "甲公司"})
    assert missing.status_code == 422 and missing.json()["details"][0]["field"] == "custom.grade"
    created = post_json(client, BASE, {"name": "甲公司", "custom": {"grade": "初一", "orders": 5, "likes": ["英语"],
                                                                      "parent_email": "li@example.com"}})
    assert created.status_code == 201, created.content
    out = created.json()["custom"]
    assert out["grade"] == "初一" and out["orders"] == 5 and out["parent_email"].startswith("l*")
    customer_id = created.json()["id"]
    patched = client.patch(f"{BASE}/{customer_id}", json.dumps({"custom": {"orders": 6, "likes": None}}),
                           content_type="application/json")
    assert patched.status_code == 200, patched.content
    assert Customer.objects.get(pk=customer_id).custom == {"grade": "初一", "orders": 6,
                                                            "parent_email": "li@example.com"}
    bad = client.patch(f"{BASE}/{customer_id}", json.dumps({"custom": {"grade": "高三"}}),
                       content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "custom.grade"
    untouched = client.patch(f"{BASE}/{customer_id}", json.dumps({"remarks": "只改备注"}), content_type="application/json")
    assert untouched.status_code == 200
    listed = client.get(f"{BASE}/custom-fields").json()
    assert [f["key"] for f in listed][:3] == ["school", "code", "notes"]


@pytest.mark.req("INFO-8", "SEC-2")
def test_api_custom_fields_list_needs_customer_view(client, api_client, admin):
    assert client.get(f"{BASE}/custom-fields").status_code == 401
    assert api_client(admin).get(f"{BASE}/custom-fields").status_code == 403


# --- filtering: SQLite and PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def filtered(sales, other, fields):
    make_customer(sales, "甲公司", {"grade": "初一", "school": "北京第一中学", "likes": ["数学", "英语"], "vip": True,
                                   "orders": 10, "fee": "12.50"})
    make_customer(sales, "乙公司", {"grade": "初二", "school": "上海中学", "likes": ["英语"], "vip": False, "orders": 20})
    make_customer(sales, "丙公司", {"grade": "初一", "school": "第一实验学校", "likes": ["物理"]})
    make_customer(other, "丁公司", {"grade": "初一", "school": "北京第一中学", "likes": ["数学"], "vip": True})


CASES = [
    ({"cf_grade": "初一"}, {"甲公司", "丙公司"}),
    ({"cf_school": "第一"}, {"甲公司", "丙公司"}),
    ({"cf_likes": "数学"}, {"甲公司"}),
    ({"cf_likes": "英语"}, {"甲公司", "乙公司"}),
    ({"cf_vip": "是"}, {"甲公司"}),
    ({"cf_vip": "否"}, {"乙公司"}),
    ({"cf_orders": "20"}, {"乙公司"}),
    ({"cf_fee": "12.5"}, {"甲公司"}),
    ({"cf_grade": "初一", "cf_likes": "物理"}, {"丙公司"}),
]


@pytest.mark.req("INFO-8", "INFO-6")
@pytest.mark.parametrize(("params", "expected"), CASES)
def test_api_list_filters_by_custom_values(api_client, sales, filtered, params, expected):
    response = api_client(sales).get(BASE, params)
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["items"]} == expected


@pytest.mark.req("INFO-8", "INFO-6")
def test_list_page_filters_and_refuses_bad_filters(client, login, api_client, sales, filtered,
                                                   django_assert_max_num_queries):
    login(sales)
    custom_fields.definitions()
    with django_assert_max_num_queries(16):
        html = client.get(reverse("customers:list"), {"cf_grade": "初一", "cf_school": "实验"}).content.decode()
    assert "丙公司" in html and "甲公司" not in html and 'name="cf_grade"' in html
    warned = client.get(reverse("customers:list"), {"cf_orders": "many"}).content.decode()
    assert "月订单量" in warned and "整数" in warned
    for params in ({"cf_nope": "1"}, {"cf_parent_mobile": PARENT_MOBILE}, {"cf_orders": "many"}):
        response = api_client(sales).get(BASE, params)
        assert response.status_code == 422, params
        assert response.json()["field"] == next(iter(params))


# --- import and export ------------------------------------------------------------------------------


@pytest.mark.req("INFO-8", "INFO-9")
def test_import_matches_columns_by_label_or_key_and_names_row_column_rule(make_user, fields):
    manager = make_user(roles.SALES_MANAGER)
    headers = ["客户名称", "年级", "orders", "兴趣", "会员", "家长邮箱"]
    rows = [["杭州甲有限公司", "初一", "3", "数学、英语", "是", "a@example.com"],
            ["杭州乙有限公司", "高三", "x", "化学", "", ""],
            ["杭州丙有限公司", "", "4", "", "否", "bad"]]
    table = tabular.Table(kind="csv", headers=headers, rows=[(i + 2, r) for i, r in enumerate(rows)])
    report = importer.validate_table(manager, table)
    errors = {(e.row, e.column): e.message for e in report.errors}
    assert set(errors) == {(3, "年级"), (3, "orders"), (3, "兴趣"), (4, "年级"), (4, "家长邮箱")}
    assert "初一" in errors[(3, "年级")] and "整数" in errors[(3, "orders")] and "必填" in errors[(4, "年级")]
    assert report.unknown_columns == []
    done = importer.import_table(actor=manager, table=table, mode=importer.SKIP_INVALID, sha256="0", file_name="x")
    assert done.imported == 1
    assert Customer.objects.get(name="杭州甲有限公司").custom == {
        "grade": "初一", "orders": 3, "likes": ["数学", "英语"], "vip": True, "parent_email": "a@example.com"}


@pytest.mark.req("INFO-8", "SEC-6")
def test_export_has_a_column_per_active_field(make_user, admin, fields):
    manager = make_user(roles.SALES_MANAGER)
    make_customer(manager, "甲公司", {"grade": "初一", "likes": ["数学", "英语"], "vip": True,
                                     "parent_email": "zhang@example.com", "notes": "=1+1"})
    services.custom_field_deactivate(actor=admin, field=next(f for f in fields if f.key == "school"))
    with exporter.export_customers(actor=manager, filters={}, fmt="csv") as exported:
        lines = exported.path.read_text(encoding="utf-8-sig").splitlines()
    header, row = (list(csv.reader(io.StringIO(line)))[0] for line in lines[1:3])
    values = dict(zip(header, row, strict=True))
    assert "学校" not in header
    assert values["年级"] == "初一" and values["兴趣"] == "数学、英语" and values["会员"] == "是"
    assert values["家长邮箱"] == "z****@example.com" and values["备忘"] == "'=1+1"


# --- suitability ------------------------------------------------------------------------------------


@pytest.mark.req("INFO-8")
def test_suitability_evaluator_matrix():
    for m, level in enumerate(CUSTOMER_LEVELS):
        for n, risk in enumerate(PRODUCT_RISKS):
            decision = evaluate(customer_level=level, product_risk=risk)
            assert decision.may_offer == (n <= m), (level, risk)
            if n <= m:
                assert decision.outcome == "match" and "适当" in decision.reason
            elif level == "C1":
                assert decision.outcome == "refuse" and not decision.may_sell_on_request and "最低类别" in decision.reason
            else:
                assert decision.outcome == "warn" and decision.may_sell_on_request and "书面风险警示" in decision.reason
    missing = evaluate(customer_level=None, product_risk="R1")
    assert missing.outcome == "not_assessed" and not missing.may_offer and not missing.may_sell_on_request
    with pytest.raises(ValueError):
        evaluate(customer_level="C3", product_risk="R6")


@pytest.fixture
def investors(admin, sales, other):
    services.custom_fields_install_preset(actor=admin, preset="investment")
    return (make_customer(sales, "李投资", {"risk_level": "C3"}, kind="individual"),
            make_customer(other, "赵投资", {"risk_level": "C5"}, kind="individual"))


@pytest.mark.req("INFO-8", "SEC-2")
def test_suitability_page_and_api_matrix_and_audit(client, login, api_client, make_user, sales, investors):
    mine, theirs = investors
    page, api = reverse("customers:suitability", args=[mine.pk]), f"{BASE}/{mine.pk}/suitability"
    response = client.get(page)
    assert response.status_code == 302 and "login" in response["Location"]
    assert post_json(client, api, {"product_risk": "R3"}).status_code == 401
    outsider = make_user(roles.SYSTEM_ADMIN)
    login(outsider)
    assert client.get(page).status_code == 403
    assert post_json(api_client(outsider), api, {"product_risk": "R3"}).status_code == 403
    login(sales)
    assert client.get(reverse("customers:suitability", args=[theirs.pk])).status_code == 404
    assert post_json(api_client(sales), f"{BASE}/{theirs.pk}/suitability", {"product_risk": "R1"}).status_code == 404
    assert "适当性匹配检查" in client.get(reverse("customers:detail", args=[mine.pk])).content.decode()
    html = client.post(page, {"product_risk": "R4"}).content.decode()
    assert "不得推介" in html and "C3" in html
    result = post_json(api_client(sales), api, {"product_risk": "R2"})
    assert result.status_code == 200
    assert result.json()["outcome"] == "match" and result.json()["customer_level"] == "C3"
    assert post_json(api_client(sales), api, {"product_risk": "R9"}).status_code == 422
    entries = AuditEntry.objects.filter(action=actions.SUITABILITY_CHECK, target_id=str(mine.pk)).order_by("seq")
    assert [(e.data["product_risk"], e.data["outcome"]) for e in entries] == [("R4", "warn"), ("R2", "match")]


@pytest.mark.req("INFO-8")
def test_customer_without_assessment_gets_nothing_offered(login, client, sales, admin):
    services.custom_fields_install_preset(actor=admin, preset="investment")
    customer = make_customer(sales, "钱未测", kind="individual")
    decision = services.suitability_check(actor=sales, customer=customer, product_risk="R1")
    assert decision.outcome == "not_assessed" and not decision.may_offer


def test_contact_form_untouched_by_custom_fields(fields):
    assert not any(name.startswith("custom_") for name in ContactForm().fields)


@pytest.mark.req("INFO-8")
def test_admin_page_and_labels_in_english(client, login, admin):
    services.custom_fields_install_preset(actor=admin, preset="investment")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(admin)
    with translation.override("zh-hans"):  # the request switches the thread to English: switch back after it
        html = client.get(reverse("customers:field_list")).content.decode()
    assert "Customer custom fields" in html and "Risk tolerance" in html and "Single choice" in html
    assert "Install “Investment”" in html
