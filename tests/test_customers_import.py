"""Customer import (INFO-9, WEB-6, CRASH-2): real .xlsx and .csv files, row-level reports, modes, limits."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import DomainError
from kehu.core.validators.credit_code import credit_code_check_char, org_code_check_char
from kehu.customers import importer, jobs, services, tabular
from kehu.customers.forms import CustomerForm
from kehu.customers.models import Contact, Customer, ImportJob
from kehu.org import roles

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "统一社会信用代码", "客户类型", "手机", "联系人", "联系人手机", "省份", "城市", "区县", "行业", "阶段", "备注"]


def credit_code(i: int) -> str:
    body = f"{i + 10000000:08d}"
    first17 = "91330106" + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


def good_row(i: int) -> list[str]:
    return [f"杭州测试{i}号科技有限公司", credit_code(i), "企业", f"139{i:08d}", "王经理", f"137{i:08d}",
            "浙江省", "杭州市", "西湖区", "信息传输、软件和信息技术服务业", "意向", "展会"]


def xlsx_bytes(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding: str) -> bytes:
    lines = [",".join(headers), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER)


@pytest.fixture
def existing(manager):
    data = CustomerForm({"kind": "enterprise", "name": "已有客户有限公司", "credit_code": credit_code(900),
                         "stage": "potential"})
    assert data.is_valid(), data.errors
    return services.customer_create(actor=manager, data=data.cleaned_data)


def bad_rows() -> list[list[str]]:
    """Rows 2–3 good; 4 bad credit code; 5 bad mobile; 6 no name; 7 repeats row 2; 8 repeats an existing customer."""
    bad_code = good_row(3)
    bad_code[1] = credit_code(3)[:-1] + ("0" if credit_code(3)[-1] != "0" else "1")
    bad_mobile = good_row(4)
    bad_mobile[3] = "1381234"
    no_name = good_row(5)
    no_name[0] = ""
    in_file = good_row(6)
    in_file[0] = good_row(1)[0]
    existing = good_row(7)
    existing[1] = credit_code(900)
    return [good_row(1), good_row(2), bad_code, bad_mobile, no_name, in_file, existing]


@pytest.mark.req("INFO-9")
@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_dry_run_names_row_column_value_and_rule(manager, existing, encoding):
    data = csv_bytes(HEADERS, bad_rows(), encoding)
    report = importer.import_file(actor=manager, data=data, file_name="客户.csv", mode="atomic", dry_run=True)
    by_row = {e.row: e for e in report.errors}
    assert sorted(by_row) == [4, 5, 6, 7, 8] and report.total == 7 and len(report.valid) == 2
    assert by_row[4].column == "统一社会信用代码" and by_row[4].value == bad_rows()[2][1] and "校验" in by_row[4].message
    assert by_row[5].column == "手机" and by_row[5].value == "***1234"  # a protected value is masked
    assert by_row[6].column == "客户名称" and by_row[6].value == ""
    assert by_row[7].message == "与文件第 2 行重复。"
    assert by_row[8].column == "客户名称" and "已有客户有限公司" in by_row[8].message
    assert Customer.objects.count() == 1  # a dry run writes nothing


@pytest.mark.req("INFO-9")
def test_xlsx_with_chinese_headers_imports_with_codes_and_contact(manager):
    data = xlsx_bytes(HEADERS + ["微信群"], [good_row(1) + ["x"], good_row(2) + ["y"]])
    report = importer.import_file(actor=manager, data=data, file_name="a.xlsx", mode="atomic", dry_run=False)
    assert report.imported == 2 and report.unknown_columns == ["微信群"]
    customer = Customer.objects.get(credit_code=credit_code(1))
    assert (customer.province, customer.city, customer.district) == ("330000", "330100", "330106")
    assert customer.industry == "I" and customer.stage == "intent" and customer.mobile.reveal() == "13900000001"
    assert customer.contacts.get().mobile.reveal() == "13700000001"
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_IMPORT)
    assert entry.data["imported"] == 2 and len(entry.data["sha256"]) == 64


@pytest.mark.req("INFO-9")
def test_atomic_imports_nothing_when_one_row_is_bad_and_skip_imports_the_good(manager, existing):
    data = csv_bytes(HEADERS, bad_rows(), "gbk")
    atomic = importer.import_file(actor=manager, data=data, file_name="a.csv", mode="atomic", dry_run=False)
    assert atomic.imported == 0 and Customer.objects.count() == 1
    assert not AuditEntry.objects.filter(action=actions.CUSTOMER_IMPORT).exists()
    skip = importer.import_file(actor=manager, data=data, file_name="a.csv", mode="skip-invalid", dry_run=False)
    assert skip.imported == 2 and Customer.objects.count() == 3
    assert skip.as_dict()["failed"] == 5
    assert AuditEntry.objects.get(action=actions.CUSTOMER_IMPORT).data["failed"] == 5


@pytest.mark.req("INFO-9")
def test_rejected_rows_file_reopens_with_reasons(manager, existing):
    table = tabular.read_table(csv_bytes(HEADERS, bad_rows(), "utf-8-sig"))
    report = importer.validate_table(manager, table)
    book = load_workbook(io.BytesIO(importer.rejected_rows_xlsx(table, report)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][-1] == "错误原因" and len(rows) == 6
    assert rows[1][-2] == "4" and rows[1][-1].startswith("统一社会信用代码：")


@pytest.mark.req("INFO-9", "INFO-1")
@pytest.mark.parametrize(("city", "district", "expected"), [
    ("北京市", "海淀区", ("110000", "", "110108")),   # most address books repeat the municipality
    ("北京", "", ("110000", "", "")),
    ("市辖区", "朝阳区", ("110000", "", "110105")),   # older GB/T 2260 tables
    ("朝阳区", "", ("110000", "", "110105")),         # the district typed in the city column
    ("", "东城区", ("110000", "", "110101")),
])
def test_municipality_rows_as_chinese_spreadsheets_write_them(manager, city, district, expected):
    data = csv_bytes(["客户名称", "省份", "城市", "区县"], [["北京甲科技有限公司", "北京市", city, district]], "gbk")
    report = importer.import_file(actor=manager, data=data, file_name="a.csv", mode="atomic", dry_run=False)
    assert report.errors == [] and report.imported == 1
    customer = Customer.objects.get()
    assert (customer.province, customer.city, customer.district) == expected


@pytest.mark.req("INFO-9")
def test_template_headers_with_markers_and_one_phone_column_as_offices_keep_them(manager):
    """A sheet as a Chinese office keeps it: required markers, notes in full-width brackets, one 联系电话
    column holding mobiles, landlines and 400 hotlines alike, a 微信 column."""
    headers = ["*单位名称", "统一社会信用代码（选填）", "所在省份", "所在城市", "联系人（必填）", "联系电话", "微信号"]
    rows = [
        ["杭州甲科技有限公司", credit_code(21), "浙江省", "杭州市", "张三", "138 1234 5678", "zhangsan_wx"],
        ["杭州乙科技有限公司", credit_code(22), "浙江", "杭州", "李四", "0571-87654321", ""],
        ["杭州丙科技有限公司", credit_code(23), "浙江省", "杭州市", "王五", "400-800-8888", ""],
    ]
    report = importer.import_file(actor=manager, data=xlsx_bytes(headers, rows), file_name="a.xlsx",
                                  mode="atomic", dry_run=False)
    assert report.errors == [] and report.unknown_columns == [] and report.imported == 3
    by_name = {c.customer.name: c for c in Contact.objects.select_related("customer")}
    first = by_name["杭州甲科技有限公司"]
    assert first.mobile.reveal() == "13812345678" and first.phone == "" and first.wechat == "zhangsan_wx"
    assert by_name["杭州乙科技有限公司"].phone == "0571-87654321" and not by_name["杭州乙科技有限公司"].mobile
    assert by_name["杭州丙科技有限公司"].phone == "400-800-8888"
    assert Customer.objects.get(name="杭州乙科技有限公司").city == "330100"


@pytest.mark.req("INFO-9")
def test_a_city_of_another_province_is_still_refused(manager):
    data = csv_bytes(["客户名称", "省份", "城市"], [["北京乙科技有限公司", "北京市", "杭州市"]], "utf-8")
    report = importer.import_file(actor=manager, data=data, file_name="a.csv", mode="atomic", dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "城市")]


@pytest.mark.req("INFO-9")
def test_explicit_mapping_and_english_headers(manager):
    data = csv_bytes(["Company", "credit code", "Mobile"], [["上海甲公司", credit_code(11), "13912345678"]], "utf-8")
    report = importer.import_file(actor=manager, data=data, file_name="a.csv", mode="atomic", dry_run=False,
                                  mapping={"Company": "name", "credit code": "credit_code"})
    assert report.imported == 1 and Customer.objects.get().mobile.reveal() == "13912345678"


@pytest.mark.req("INFO-9")
def test_without_import_permission_refused(make_user):
    from kehu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        importer.import_file(actor=make_user(roles.SALESPERSON), data=csv_bytes(HEADERS, [good_row(1)], "utf-8"),
                             file_name="a.csv", mode="atomic", dry_run=True)


@pytest.mark.req("WEB-6")
def test_limits_size_unpacked_content_rows():
    with pytest.raises(DomainError) as big:
        tabular.read_table(b"a" * (21 * 1024 * 1024))
    assert big.value.code == "file_too_large"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (101 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(DomainError) as unpacked:
        tabular.read_table(bomb.getvalue())
    assert unpacked.value.code == "unpacked_too_large"
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 10
    with pytest.raises(DomainError) as not_text:
        tabular.read_table(exe)
    assert not_text.value.code == "not_a_table"
    rows = "名称\n" + "".join(f"公司{i}\n" for i in range(100_001))
    with pytest.raises(DomainError) as many:
        tabular.read_table(rows.encode())
    assert many.value.code == "too_many_rows"
    assert len(tabular.read_table(("名称\n" + "".join(f"公司{i}\n" for i in range(100_000))).encode()).rows) == 100_000


@pytest.mark.req("INFO-9")
def test_merged_title_row_is_not_supported_and_says_so(manager):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026 年客户名单"])
    sheet.merge_cells("A1:C1")
    sheet.append(["客户名称", "手机"])
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(DomainError) as refused:
        importer.import_file(actor=manager, data=out.getvalue(), file_name="t.xlsx", mode="atomic", dry_run=True)
    assert "客户名称" in refused.value.message


@pytest.mark.req("INFO-9")
def test_job_runs_in_background_task_with_progress_and_rejected_file(manager, existing, settings, tmp_path):
    from kehu.customers.tasks import run_import

    settings.MEDIA_ROOT = tmp_path
    job = jobs.job_create(actor=manager, data=csv_bytes(HEADERS, bad_rows(), "gbk"), file_name="客户.csv",
                          mode="skip-invalid", dry_run=True)
    assert oct(os.stat(tmp_path / "imports").st_mode & 0o777) == "0o700"
    run_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.DONE and job.failed == 5 and job.processed == job.total == 7
    assert load_workbook(io.BytesIO(jobs.job_rejected_rows(job))).active["A1"].value == "客户名称"
    real = jobs.job_import_after_dry_run(actor=manager, job=job, mode="skip-invalid")
    run_import.call(real.pk)
    real.refresh_from_db()
    assert real.imported == 2 and not Path(real.file_path).exists()


@pytest.mark.req("INFO-9")
def test_cli_prints_report_and_exits_1_in_atomic_mode(manager, existing, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "客户.csv"
    path.write_bytes(csv_bytes(HEADERS, bad_rows(), "gbk"))
    with pytest.raises(SystemExit) as exit_code:
        call_command("import_customers", str(path), "--as", manager.username)
    assert exit_code.value.code == 1
    out = capsys.readouterr().out
    assert "统一社会信用代码" in out and "失败 5 行" in out
    call_command("import_customers", str(path), "--as", manager.username, "--mode", "skip-invalid")
    assert Customer.objects.count() == 3


# --- CRASH-2: SIGKILL in the middle of an atomic import ---------------------------------------
SETUP = f"""
import django; django.setup()
from kehu.org.factories import UserFactory
UserFactory(username="importer", roles=["{roles.SALES_MANAGER}"])
"""


def _writing(db: Path) -> bool:
    """True while another process holds SQLite's write lock (the import's transaction)."""
    connection = sqlite3.connect(db, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()
    return False


def _count(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("select count(*) from customers_customer").fetchone()[0]


@pytest.mark.req("CRASH-2")
def test_sigkill_mid_import_leaves_nothing_or_everything(tmp_path):
    db = tmp_path / "kehu.sqlite3"
    env = {**os.environ, "KEHU_DATABASE_URL": f"sqlite:///{db}", "KEHU_VAR_DIR": str(tmp_path / "var"),
           "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    env.pop("KEHU_PROFILE", None)
    kehu = [sys.executable, "-m", "kehu.cli"]
    subprocess.run([*kehu, "migrate", "-v0"], env=env, check=True)
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True)
    path = tmp_path / "big.xlsx"
    rows = 6000  # written in about 1.3 s on an idle machine: the kills below land well inside that
    path.write_bytes(xlsx_bytes(HEADERS, [good_row(i) for i in range(rows)]))
    for delay in (0.05, 0.2, 0.4):
        process = subprocess.Popen([*kehu, "import", "customers", str(path), "--as", "importer"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not _writing(db) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)  # well inside the import's one transaction
        assert process.poll() is None, "the import finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _count(db) in (0, rows)
        assert _count(db) == 0


# --- pages ---------------------------------------------------------------------------------------
@pytest.mark.req("INFO-9")
def test_import_pages_permissions(client, make_user, login, manager, settings, tmp_path):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    upload = reverse("customer_io:import_upload")
    assert client.get(upload).status_code == 302
    assert login(make_user(roles.SALESPERSON)).get(upload).status_code == 403
    job = jobs.job_create(actor=manager, data=csv_bytes(HEADERS, [good_row(1)], "utf-8"), file_name="a.csv",
                          mode="atomic", dry_run=True)
    assert login(make_user(roles.SALES_MANAGER)).get(reverse("customer_io:import_job", args=[job.pk])).status_code == 404


@pytest.mark.req("INFO-9")
def test_import_page_flow_dry_run_report_run_and_download(client, login, manager, existing, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    browser = login(manager)
    response = browser.post(reverse("customer_io:import_upload"), {
        "file": SimpleUploadedFile("客户.csv", csv_bytes(HEADERS, bad_rows(), "gbk")), "mode": "skip-invalid"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    polled = browser.get(reverse("customer_io:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in polled.content.decode()
    jobs.job_run(job)  # what the worker does with the enqueued task
    page = browser.get(reverse("customer_io:import_job", args=[job.pk])).content.decode()
    assert "与文件第 2 行重复。" in page and "***1234" in page and "1381234" not in page
    rejected = browser.get(reverse("customer_io:import_rejected", args=[job.pk]))
    assert load_workbook(io.BytesIO(rejected.content)).active["A1"].value == "客户名称"
    browser.post(reverse("customer_io:import_job_run", args=[job.pk]), {"mode": "skip-invalid"})
    real = ImportJob.objects.get(dry_run=False)
    jobs.job_run(real)
    assert Customer.objects.count() == 3


@pytest.mark.req("WEB-6")
def test_upload_page_refuses_a_renamed_executable(client, login, manager, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    response = login(manager).post(reverse("customer_io:import_upload"), {
        "file": SimpleUploadedFile("客户.csv", b"MZ\x90\x00" + bytes(range(256))), "mode": "atomic"})
    job = ImportJob.objects.get()
    jobs.job_run(job)
    job.refresh_from_db()
    assert response.status_code == 302 and job.status == ImportJob.FAILED and "不是" in job.report["fatal"]
