"""Customer export (SEC-6, AC-9, PRIV-4): scope, masking, formula neutralising, watermark, approval, audit."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import DomainError, PermissionDenied
from kehu.customers import exporter, services
from kehu.customers.forms import CustomerForm
from kehu.customers.models import ExportRequest
from kehu.org import roles

pytestmark = pytest.mark.django_db


def create(actor, name: str, **extra):
    form = CustomerForm({"kind": "enterprise", "name": name, "stage": "potential", **extra})
    assert form.is_valid(), form.errors
    return services.customer_create(actor=actor, data=form.cleaned_data)


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER)


def read_xlsx(path) -> list[tuple]:
    return list(load_workbook(path).active.iter_rows(values_only=True))


@pytest.mark.req("SEC-6", "PRIV-4")
def test_xlsx_masks_neutralises_formulas_and_carries_watermark(manager):
    create(manager, "=HYPERLINK(\"http://x\")公司", mobile="13812345678", remarks="@SUM(A1)")
    create(manager, "正常公司", remarks="-1+2")
    with exporter.export_customers(actor=manager, filters={}) as exported:
        rows = read_xlsx(exported.path)
        book = load_workbook(exported.path)
        directory = exported.path.parent
        assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert not directory.exists()  # removed after streaming (RES-3)
    assert rows[0][0].startswith("导出人：") and manager.username in rows[0][0] and "请求编号：" in rows[0][0]
    assert manager.username in book.properties.creator
    header = rows[1]
    first = dict(zip(header, rows[2], strict=False))
    assert first["客户名称"].startswith("'=HYPERLINK")
    assert first["手机"] == "138****5678" and first["备注"] == "'@SUM(A1)"
    assert dict(zip(header, rows[3], strict=False))["备注"] == "'-1+2"
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_EXPORT)
    assert entry.data["rows"] == 2 and entry.data["revealed"] is False


@pytest.mark.req("SEC-6", "PRIV-4")
def test_csv_has_comment_watermark_and_reveal_needs_permission_and_reason(manager, make_user):
    create(manager, "甲公司", mobile="13812345678")
    with exporter.export_customers(actor=manager, filters={}, fmt="csv") as exported:
        text = exported.path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("# 导出人：")
    assert list(csv.reader(io.StringIO(lines[2])))[0][9] == "138****5678"
    with pytest.raises(DomainError):
        with exporter.export_customers(actor=manager, filters={}, reveal=True):
            pass
    with exporter.export_customers(actor=manager, filters={}, fmt="csv", reveal=True, reason="合同核对") as exported:
        assert "13812345678" in exported.path.read_text(encoding="utf-8-sig")
    entry = AuditEntry.objects.filter(action=actions.CUSTOMER_EXPORT).latest("seq")
    assert entry.data["revealed"] is True and entry.reason == "合同核对"


@pytest.mark.req("SEC-6", "AC-9")
def test_only_visible_customers_and_export_permission(manager, make_user):
    from kehu.customers.models import Customer

    outsider = make_user(roles.SALES_MANAGER)
    create(outsider, "别人的公司")
    create(manager, "我的公司")
    visible = set(Customer.objects.visible_to(manager).values_list("name", flat=True))
    assert "别人的公司" not in visible
    with exporter.export_customers(actor=manager, filters={}) as exported:
        names = {row[0] for row in read_xlsx(exported.path)[2:]}
    assert names == visible == {"我的公司"}
    with pytest.raises(PermissionDenied):
        with exporter.export_customers(actor=make_user(roles.SALESPERSON), filters={}):
            pass


@pytest.mark.req("SEC-6", "AC-9")
def test_over_threshold_needs_approval_by_another_user(manager, make_user, monkeypatch):
    for i in range(3):
        create(manager, f"公司{i}")
    monkeypatch.setattr(exporter, "approval_limit", lambda: 2)
    with pytest.raises(PermissionDenied) as refused:
        with exporter.export_customers(actor=manager, filters={}):
            pass
    assert refused.value.code == "export_needs_approval"
    request = exporter.export_request(actor=manager, filters={}, reason="季度对账")
    assert request.row_count == 3 and request.status == ExportRequest.PENDING
    with pytest.raises(PermissionDenied):
        exporter.export_approve(actor=manager, request=request)
    with pytest.raises(PermissionDenied):
        with exporter.export_customers(actor=manager, filters={}, approved=request):
            pass
    approver = make_user(roles.GENERAL_MANAGER)
    exporter.export_approve(actor=approver, request=request)
    with exporter.export_customers(actor=manager, filters={}, approved=request) as exported:
        assert exported.rows == 3
    request.refresh_from_db()
    assert request.status == ExportRequest.DONE and request.approved_by == approver
    assert AuditEntry.objects.filter(action=actions.EXPORT_APPROVE, actor=approver).exists()


@pytest.mark.req("SEC-6")
def test_cli_writes_the_file(manager, tmp_path):
    from django.core.management import call_command

    create(manager, "甲公司")
    out = tmp_path / "c.csv"
    call_command("export_customers", "--as", manager.username, "-o", str(out), "--format", "csv")
    assert "甲公司" in out.read_text(encoding="utf-8-sig")


@pytest.mark.req("SEC-6", "AC-9")
def test_export_pages(client, login, manager, make_user, monkeypatch):
    from django.urls import reverse

    url = reverse("customer_io:export")
    assert client.get(url).status_code == 302
    assert login(make_user(roles.SALESPERSON)).get(url).status_code == 403
    create(manager, "甲公司")
    create(manager, "乙公司")
    browser = login(manager)
    response = browser.post(url, {"fmt": "xlsx"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert read_xlsx(io.BytesIO(response.content))[0][0].startswith("导出人：")
    monkeypatch.setattr(exporter, "approval_limit", lambda: 1)
    assert "须填写用途" in browser.post(url, {"fmt": "xlsx"}).content.decode()
    browser.post(url, {"fmt": "xlsx", "reason": "对账"})
    request = ExportRequest.objects.get()
    browser.post(reverse("customer_io:export_decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == ExportRequest.PENDING  # the requester cannot approve their own request
    seller = login(make_user(roles.SALESPERSON))
    assert seller.post(reverse("customer_io:export_decide", args=[request.pk]), {"decision": "approve"}).status_code == 403
    approver = make_user(roles.GENERAL_MANAGER)
    login(approver).post(reverse("customer_io:export_decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == ExportRequest.APPROVED
    download = login(manager).post(reverse("customer_io:export_download", args=[request.pk]))
    assert download.status_code == 200 and len(read_xlsx(io.BytesIO(download.content))) == 4
    assert login(make_user(roles.SALES_MANAGER)).post(
        reverse("customer_io:export_download", args=[request.pk])).status_code == 404
