"""The customer archive's main journey in a real browser (issue 3's "done when"): a sales manager
signs in with the second factor, imports a real .xlsx and a GBK .csv that hold bad rows, reads which
rows failed and why, imports the good ones, finds a customer by pinyin initials and by the last four
digits of a phone, reveals a masked phone (the audit admin then finds the reveal in the audit log),
opens the customer page's tabs, and exports a watermarked workbook."""

from __future__ import annotations

import datetime as dt
import io
import re

import pyotp
import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.validators.credit_code import credit_code_check_char, org_code_check_char
from kehu.customers.models import Customer
from kehu.org import mfa, roles
from kehu.org.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded")]

HEADERS = ["客户名称", "统一社会信用代码", "手机", "联系人", "联系人手机", "省份", "城市", "阶段"]


def credit_code(i: int) -> str:
    body = f"{i + 20000000:08d}"
    first17 = "91110108" + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


def xlsx_file() -> bytes:
    """Row 2 and 4 good; row 3 has a credit code with a wrong check character; row 5 a short mobile."""
    bad_code = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(["华为技术有限公司", credit_code(1), "13812345678", "李经理", "13900001111", "北京市", "北京市", "意向"])
    sheet.append(["坏代码贸易有限公司", bad_code, "", "", "", "北京市", "北京市", "潜在"])
    sheet.append(["京东方科技集团股份有限公司", credit_code(3), "", "王总", "13700002222", "北京市", "北京市", "成交"])
    sheet.append(["短号码咨询有限公司", credit_code(4), "1381234", "", "", "北京市", "北京市", "潜在"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def gbk_csv_file() -> bytes:
    """As Excel on Chinese Windows saves it: GBK, CRLF. Row 3 names a city that is not in the province."""
    rows = [
        ",".join(HEADERS),
        f"小米科技有限责任公司,{credit_code(5)},13512349876,雷经理,,北京市,北京市,意向",
        f"错城市有限公司,{credit_code(6)},,,,北京市,杭州市,潜在",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


def enrolled(user) -> pyotp.TOTP:
    """Enrol a TOTP authenticator a few minutes ago, so the code shown now has not been used."""
    with clock.frozen(clock.now() - dt.timedelta(minutes=5)):
        device = mfa.totp_enrolment_start(user=user)
        totp = pyotp.TOTP(mfa.device_secret(device))
        mfa.totp_confirm(user=user, code=totp.at(clock.now()))
    return totp


def sign_in(page, base_url: str, username: str, totp: pyotp.TOTP) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/login/verify/"))
    page.fill("input[name=code]", totp.now())
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def settle(page) -> None:
    """Let the page's own requests (the notification badge loads after the page) finish before the
    worker writes from this thread: the in-memory SQLite test database answers a reader that meets a
    writer's table lock with "database table is locked" at once, where a database file would wait."""
    page.wait_for_load_state("networkidle")


def import_file(page, base_url: str, name: str, data: bytes, mime: str) -> None:
    """Upload, let the worker validate, and leave the page on the dry-run report."""
    page.goto(f"{base_url}/customers/io/import/")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.check("input[name=mode][value=skip-invalid]")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/io/import/\d+/$"))
    settle(page)
    call_command("worker", "--once", "--no-scheduler")  # the background task runner
    page.wait_for_selector("#import-job table")  # htmx polls every 2 s and swaps the report in


def run_import(page) -> None:
    page.check("#import-job input[name=mode][value=skip-invalid]")
    page.click("#import-job button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/io/import/\d+/$"))
    settle(page)
    call_command("worker", "--once", "--no-scheduler")
    page.wait_for_selector("#import-job:not([hx-get])")


def search(page, base_url: str, text: str) -> str:
    page.goto(f"{base_url}/customers/")
    page.fill("form[role=search] input[name=q]", text)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    return page.locator("main table").inner_text()


@pytest.mark.req("INFO-6", "INFO-9", "SEC-3", "SEC-6")
def test_import_search_reveal_and_export_in_the_browser(live_server, page, chromium, make_user):
    manager = make_user(roles.SALES_MANAGER, username="zhaomin", full_name="赵敏")
    totp = enrolled(manager)
    sign_in(page, live_server.url, "zhaomin", totp)

    import_file(page, live_server.url, "客户名单.xlsx", xlsx_file(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    report = page.locator("#import-job").inner_text()
    assert "共 4 行：通过 2 行，失败 2 行" in report
    errors = page.locator("#import-job tbody tr").all_inner_texts()
    assert any(row.startswith("3\t统一社会信用代码") and "校验" in row for row in errors), errors
    assert any(row.startswith("5\t手机\t***1234") and "11 位" in row for row in errors), errors
    run_import(page)
    assert "已导入 2 行" in page.locator("#import-job").inner_text()

    import_file(page, live_server.url, "客户名单-GBK.csv", gbk_csv_file(), "text/csv")
    errors = page.locator("#import-job tbody tr").all_inner_texts()
    assert len(errors) == 1 and errors[0].startswith("3\t") and "杭州市" in errors[0], errors
    run_import(page)
    assert set(Customer.objects.values_list("name", flat=True)) == {
        "华为技术有限公司", "京东方科技集团股份有限公司", "小米科技有限责任公司"}

    found = search(page, live_server.url, "hwjs")
    assert "华为技术有限公司" in found and "京东方" not in found and "13812345678" not in found
    found = search(page, live_server.url, "9876")
    assert "小米科技有限责任公司" in found and "华为" not in found

    page.click("main table a:has-text('小米科技有限责任公司')")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert "135****9876" in page.content() and "13512349876" not in page.content()
    page.click("#pv-mobile-c button")
    page.fill("#pv-mobile-c input[name=reason]", "核对回访电话")
    page.click("#pv-mobile-c button[type=submit]")
    page.wait_for_selector("#pv-mobile-c :text('13512349876')")
    reveal = AuditEntry.objects.get(action=actions.PII_REVEAL)
    assert reveal.actor_id == manager.pk and reveal.reason == "核对回访电话" and reveal.data["field"] == "mobile"

    # The tabs load on demand: the contacts as the page opens, the others when clicked (htmx), each
    # with its own address so that a reload opens the same tab.
    page.wait_for_selector("#tab-contacts :text('雷经理')")
    page.click("#tabs a:has-text('附件')")
    page.wait_for_selector("#tab-attachments :text('暂无附件。')")
    assert page.url.endswith("?tab=attachments")
    page.click("#tabs a:has-text('修改记录')")
    page.wait_for_selector("#tab-history table")
    page.reload()
    assert page.locator("#tabs a.active").inner_text() == "修改记录" and page.locator("#tab-history table").is_visible()

    with page.expect_download() as download_info:
        page.goto(f"{live_server.url}/customers/io/export/")
        page.select_option("select[name=fmt]", "xlsx")
        page.click("main form button[type=submit]")
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()), read_only=True)
    cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c is not None]
    assert "导出人：赵敏（zhaomin）" in cells[0] and "请求编号" in cells[0], cells[:2]
    assert "小米科技有限责任公司" in cells and "13512349876" not in cells
    assert page.csp_errors == []

    auditor = make_user(roles.AUDIT_ADMIN, username="shenji")
    audit_totp = enrolled(auditor)
    context = chromium.new_context(locale="zh-CN")
    audit_page = context.new_page()
    try:
        sign_in(audit_page, live_server.url, "shenji", audit_totp)
        audit_page.goto(f"{live_server.url}/audit/?user=zhaomin&action={actions.PII_REVEAL}")
        rows = audit_page.locator("main table tbody").inner_text()
        assert "zhaomin" in rows or "赵敏" in rows
        assert "小米科技有限责任公司" in rows or str(Customer.objects.get(name="小米科技有限责任公司").pk) in rows
    finally:
        context.close()
