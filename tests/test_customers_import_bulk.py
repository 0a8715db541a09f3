"""The bulk import path (INFO-9, SEC-5): ``customer_create_many`` writes exactly what ``customer_create``
writes row by row, refuses the same duplicates, appends the audit chain in one pass; the .xlsx reader."""

from __future__ import annotations

import datetime as dt
import io
import sys

import pytest
from django.db import transaction
from openpyxl import Workbook

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import parallel
from kehu.core.errors import Conflict, PermissionDenied
from kehu.core.protected import ProtectedField
from kehu.customers import custom_fields, importer, services, tabular
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Contact, Customer, Tag
from kehu.org import roles
from tests.customer_data import cleaned

pytestmark = pytest.mark.django_db


def entries() -> list[tuple[dict, tuple[dict, ...]]]:
    return [
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "杭州重庆银行科技有限公司", "credit_code": "914403001922038216",
                                "stage": "intent", "province": "330000", "city": "330100", "district": "330106",
                                "industry": "I", "tags": "展会，重点", "address": "文三路 1 号", "mobile": "13812345678"}),
         (cleaned(ContactForm, {"name": "单田芳", "mobile": "13912345678", "title": "采购"}),
          cleaned(ContactForm, {"name": "李四", "email": "li@example.com", "is_primary": "on"}))),
        (cleaned(CustomerForm, {"kind": "individual", "name": "曾 小贤", "stage": "potential", "id_number": "11010519491231002x",
                                "email": "zeng@example.com", "tags": "重点"}), ()),
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "ABC（上海）贸易有限公司", "stage": "customer"}),
         (cleaned(ContactForm, {"name": "王经理", "phone": "0571-88888888"}),)),
    ]


SKIPPED = {"id", "uid", "created_at", "updated_at", "received_at", "customer"}


def _row(obj) -> dict:
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED:
            continue
        value = getattr(obj, field.attname)
        row[field.name] = (value.reveal() if value else "") if isinstance(field, ProtectedField) else value
    return row


def snapshot() -> list[dict]:
    out = []
    for customer in Customer._base_manager.order_by("name"):
        out.append({**_row(customer), "tags": sorted(customer.tags.values_list("name", flat=True)),
                    "contacts": [_row(c) for c in Contact._base_manager.filter(customer=customer).order_by("name")],
                    "audit": list(AuditEntry.objects.filter(target_type="customers.customer", target_id=str(customer.pk))
                                  .values("action", "actor_id", "actor_name", "actor_roles", "target_repr", "data",
                                          "channel"))})
    return out


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER)


@pytest.fixture(params=[1, 2], ids=["one process", "worker processes"])
def workers(request, settings, monkeypatch):
    """The bulk path in this process, and with its rows prepared in forked worker processes."""
    settings.KEHU_IMPORT_WORKERS = request.param
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    return request.param


@pytest.mark.req("INFO-9", "INFO-1", "INFO-2")
def test_bulk_and_per_row_paths_write_identical_rows(manager, make_user, workers, monkeypatch):
    monkeypatch.setattr(services, "BULK_BATCH", 2)  # two batches: the second one's rows made while the first is written
    owner = make_user(roles.SALESPERSON)
    with transaction.atomic():
        for data, contacts in entries():
            services.customer_create(actor=manager, data=data, entry_point="import", owner=owner, contacts=contacts)
        per_row = snapshot()
        transaction.set_rollback(True)
    assert Customer._base_manager.count() == 0
    created, refusals = services.customer_create_many(actor=manager, entries=entries(), owner=owner)
    assert refusals == {} and all(created)
    assert snapshot() == per_row
    assert [len(c["tags"]) for c in per_row] == [0, 1, 2] and len(per_row[-1]["contacts"]) == 2
    assert [c["is_primary"] for c in per_row[-1]["contacts"]] == [False, True]  # 李四 marked, 单田芳 not
    assert per_row[-1]["contacts"][0]["name_pinyin"] == "shantianfang"
    assert [len(c["audit"]) for c in per_row] == [1, 1, 1]
    assert Tag.objects.count() == 2
    assert audit.verify().ok


@pytest.mark.req("INFO-5", "INFO-9")
def test_bulk_refuses_what_the_per_row_path_refuses(manager, workers):
    existing = services.customer_create(actor=manager, data=cleaned(CustomerForm, {
        "kind": "enterprise", "name": "已有客户有限公司", "stage": "potential", "mobile": "13700000001"}))
    batch = [
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "新客户一有限公司", "stage": "potential"}),
         (cleaned(ContactForm, {"name": "赵六", "mobile": "13600000002"}),)),
        # the archive: same normalised name as an existing customer
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "已有客户有限责任公司", "stage": "potential"}), ()),
        # the batch: its mobile is the first entry's contact's mobile
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "新客户二有限公司", "stage": "potential",
                                "mobile": "13600000002"}), ()),
        # the archive through a customer's mobile
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "新客户三有限公司", "stage": "potential",
                                "mobile": "13700000001"}), ()),
        (cleaned(CustomerForm, {"kind": "enterprise", "name": "新客户四有限公司", "stage": "potential"}), ()),
    ]
    with pytest.raises(services.BatchRefused) as refused:
        services.customer_create_many(actor=manager, entries=batch)
    assert sorted(refused.value.refusals) == [1, 2, 3]
    assert existing.name in refused.value.refusals[1].message and "第 1 条" in refused.value.refusals[2].message
    assert Customer.objects.count() == 1
    with transaction.atomic():
        per_row = []
        for data, contacts in batch:
            try:
                services.customer_create(actor=manager, data=data, entry_point="import", contacts=contacts)
            except Conflict:
                per_row.append(data["name"])
        transaction.set_rollback(True)
    created, refusals = services.customer_create_many(actor=manager, entries=batch, all_or_nothing=False)
    assert [batch[i][0]["name"] for i in sorted(refusals)] == per_row
    assert [c is not None for c in created] == [True, False, False, False, True]
    assert str(refusals[1].message) == str(refused.value.refusals[1].message)
    assert Customer.objects.count() == 3 and audit.verify().ok


@pytest.mark.req("INFO-9")
def test_bulk_create_needs_the_create_permission(make_user):
    with pytest.raises(PermissionDenied):
        services.customer_create_many(actor=make_user(roles.TECHNICAL_ENGINEER), entries=entries())
    assert Customer._base_manager.count() == 0


@pytest.mark.req("INFO-9", "SEC-3")
def test_bulk_create_holds_the_field_matrix_as_the_per_row_path_does(manager, make_user):
    from kehu.customers.field_access import CONTACT, CUSTOMER, HIDDEN, FieldForbidden
    from kehu.org.models import Role

    secadmin = make_user(roles.SECURITY_ADMIN)
    role = Role.objects.get(code=roles.SALES_MANAGER)
    for entity, name in ((CUSTOMER, "address"), (CONTACT, "title")):
        services.field_permissions_set(actor=secadmin, role=role, cells={(entity, name): (HIDDEN, "everywhere")})
        manager.forget_roles()
        for create in (lambda: services.customer_create_many(actor=manager, entries=entries()),
                       lambda: services.customer_create(actor=manager, data=entries()[0][0], contacts=entries()[0][1])):
            with pytest.raises(FieldForbidden) as refused:
                create()
            assert refused.value.field == name
        services.field_permissions_set(actor=secadmin, role=role, cells={(entity, name): ("edit", "everywhere")})
    assert Customer._base_manager.count() == 0


@pytest.mark.req("SEC-5")
def test_record_many_appends_the_chain_as_record_would(manager):
    with transaction.atomic():
        audit.record(manager, actions.CUSTOMER_IMPORT, None, {"n": 0})
        many = audit.record_many(manager, actions.CUSTOMER_IMPORT, [(None, {"n": n}) for n in range(1, 1201)])
        audit.record(manager, actions.CUSTOMER_IMPORT, None, {"n": 1201})
    assert [e.seq for e in many] == list(range(2, 1202))
    assert list(AuditEntry.objects.order_by("seq").values_list("data__n", flat=True)) == list(range(1202))
    result = audit.verify()
    assert result.ok and result.checked == 1202
    with pytest.raises(ValueError):
        with transaction.atomic():
            audit.record_many(manager, "no.such.action", [(None, {})])


@pytest.mark.req("INFO-9", "INFO-5")
def test_dry_run_refuses_a_mobile_an_earlier_rows_contact_holds(manager):
    headers = ["客户名称", "手机", "联系人", "联系人手机"]
    rows = [["甲公司", "", "王经理", "13600000009"], ["乙公司", "13600000009", "", ""]]
    table = tabular.Table("csv", headers, [(n + 2, r) for n, r in enumerate(rows)])
    report = importer.validate_table(manager, table)
    assert [(e.row, e.column) for e in report.errors] == [(3, "手机")] and "第 2 行" in report.errors[0].message
    imported = importer.import_table(actor=manager, table=table, mode=importer.SKIP_INVALID, sha256="x", file_name="t")
    assert imported.imported == 1 and Customer.objects.get().name == "甲公司"


@pytest.mark.req("INFO-9")
def test_import_queries_do_not_grow_per_row(manager, django_assert_max_num_queries):
    headers = ["客户名称", "手机", "联系人", "联系人手机", "标签"]
    rows = [[f"批量{i}号有限公司", f"139{i:08d}", "王经理", f"137{i:08d}", "展会"] for i in range(600)]
    table = tabular.Table("csv", headers, [(n + 2, r) for n, r in enumerate(rows)])
    # a few per 500 rows: SQLite splits each INSERT at 999 parameters (about 24 customers a statement)
    with django_assert_max_num_queries(100):
        report = importer.import_table(actor=manager, table=table, mode=importer.ATOMIC, sha256="x", file_name="t")
    assert report.imported == 600 and not report.errors
    assert Contact.objects.count() == 600 and Customer.tags.through.objects.count() == 600
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_CREATE).count() == 600
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_IMPORT).count() == 1
    assert audit.verify().ok


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet["B1"], sheet["C1"], sheet["D1"], sheet["E1"] = "客户名称", "手机", "生日", "备注"
    sheet.append([None, " 甲公司 ", 13900000001, dt.date(2020, 1, 2), 1.5])
    sheet.append([])
    sheet.append([None, "乙公司", "13900000002", dt.datetime(2020, 1, 2, 3, 4), True])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.req("INFO-9", "WEB-6")
def test_calamine_reads_what_openpyxl_reads(monkeypatch):
    fast = tabular.read_table(_workbook())
    assert fast.headers == ["", "客户名称", "手机", "生日", "备注"]
    assert fast.rows == [(2, ["", "甲公司", "13900000001", "2020-01-02", "1.5"]),
                         (4, ["", "乙公司", "13900000002", "2020-01-02 03:04:00", "True"])]
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import fails: the openpyxl fallback
    slow = tabular.read_table(_workbook())
    assert (slow.headers, slow.rows) == (fast.headers, fast.rows)


def _outcome(form) -> tuple[dict, dict]:
    return ({name: list(messages) for name, messages in form.errors.items()},
            {name: value for name, value in form.cleaned_data.items()})


CUSTOMER_INPUTS = [
    {},
    {"kind": "enterprise", "name": "甲公司", "stage": "potential"},
    {"kind": "enterprise", "name": "ＡＢＣ（上海）贸易有限公司", "stage": "intent", "mobile": "138 1234 5678",
     "credit_code": "914403001922038216", "tags": "展会，重点、展会", "website": "example.com", "industry": "I"},
    {"kind": "enterprise", "name": "", "stage": "nope", "mobile": "1381234", "credit_code": "914403001922038217",
     "email": "not-an-email", "website": "http://", "industry": "ZZ", "birthday": "2020-13-45", "gender": "male"},
    {"kind": "enterprise", "name": "乙公司", "stage": "potential", "province": "110000", "city": "330100"},
    {"kind": "individual", "name": "曾小贤", "stage": "potential", "id_number": "11010519491231002x"},
    {"kind": "individual", "name": "曾小贤", "stage": "potential", "id_number": "11010519491231002x",
     "birthday": "1950-01-01", "credit_code": "914403001922038216"},
    {"kind": "enterprise", "name": "丙公司", "stage": "potential", "tags": ",".join(f"t{i}" for i in range(21))},
    {"kind": "enterprise", "name": "丁公司", "stage": "potential", "custom": {"budget": "abc", "region": ""}},
    {"kind": "enterprise", "name": "戊公司", "stage": "potential", "custom": {"budget": "12", "region": "华东"}},
]
CONTACT_INPUTS = [
    {}, {"name": "王"}, {"name": "王经理", "mobile": "13912345678", "title": "采购"},
    {"name": "", "mobile": "123", "phone": "abc", "email": "x", "is_primary": "on"},
    {"name": "李四", "phone": "0571-88888888", "birthday_is_lunar": "true", "birthday": "1990-02-03"},
]


@pytest.mark.req("INFO-4", "INFO-9")
def test_rebound_cleans_as_a_new_form(make_user):
    """The import's re-bound forms (a field the row lacks cleaned once, the outcome replayed) give
    the same cleaned values and the same messages as a new form for each row, in any order."""
    admin = make_user(roles.SYSTEM_ADMIN)
    for spec in ({"key": "budget", "label": "预算", "type": "integer", "required": True},
                 {"key": "region", "label": "区域", "type": "choice", "choices": ["华东", "华南"]}):
        services.custom_field_create(actor=admin, data=spec)
    definitions = custom_fields.definitions()
    customer = importer.Rebound(CustomerForm, custom_fields_in_force=definitions)
    contact = importer.Rebound(ContactForm)
    for cases, rebound, new in ((CUSTOMER_INPUTS, customer, lambda d: CustomerForm(d, custom_fields_in_force=definitions)),
                                (CONTACT_INPUTS, contact, ContactForm)):
        for data in [*cases, *reversed(cases), *cases]:
            fresh = new(data)
            fresh.is_valid()
            form = rebound(data)
            assert form.is_valid() == fresh.is_valid()
            assert _outcome(form) == _outcome(fresh), data
    assert customer.absent  # the shortcut was taken


@pytest.mark.req("INFO-9", "INFO-5")
def test_import_reports_and_writes_the_same_in_worker_processes(manager, workers, monkeypatch):
    """Validation and row preparation in worker processes: the same report, row for row, and the
    same customers as in one process (the order of the rows is kept)."""
    from tests.test_customers_import import HEADERS, bad_rows, credit_code

    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    services.customer_create(actor=manager, data=cleaned(CustomerForm, {
        "kind": "enterprise", "name": "已有客户有限公司", "credit_code": credit_code(900), "stage": "potential"}))
    table = tabular.Table("csv", HEADERS, [(n + 2, r) for n, r in enumerate(bad_rows())])
    seen = []
    report = importer.import_table(actor=manager, table=table, mode=importer.SKIP_INVALID, sha256="x",
                                   file_name="t", progress=seen.append)
    assert seen == [2, 4, 6, 7]
    assert [(e.row, e.column) for e in report.errors] == [(4, "统一社会信用代码"), (5, "手机"), (6, "客户名称"),
                                                          (7, "客户名称"), (8, "客户名称")]
    assert report.imported == 2
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(
        ["已有客户有限公司", bad_rows()[0][0], bad_rows()[1][0]])
    assert audit.verify().ok
