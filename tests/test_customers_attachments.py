"""Customer attachments: type by content, limits, random names on disk, scoped and audited
download with the Chinese name RFC 5987-encoded, soft delete, timeline, API (INFO-10, SEC-2, WEB-6)."""

import hashlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import DomainError
from kehu.customers import field_access, filetypes, selectors, services, timeline
from kehu.customers.downloads import content_disposition
from kehu.customers.factories import CustomerFactory
from kehu.customers.models import Attachment
from kehu.org import roles
from tests.customer_data import DETAIL_QUERIES, TAB_QUERIES

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customers"


# --- real files, made here so the suite carries no binaries ------------------------------------
def pdf_bytes(text: str = "Kehu") -> bytes:
    """A small but complete PDF 1.4 (catalog, page tree, one page with a text stream, xref, trailer)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def ooxml_bytes(main_part: str, *, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main_part, '<?xml version="1.0"?><root/>')
        if macros:
            archive.writestr(main_part.split("/")[0] + "/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return out.getvalue()


# A Windows executable's first bytes: "MZ", then the DOS header (full of NUL bytes).
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mine(sales):
    return CustomerFactory(owner=sales, name="北京甲科技有限公司")


@pytest.fixture
def theirs(other):
    return CustomerFactory(owner=other, name="上海乙贸易有限公司")


def upload(actor, customer, data, name, kind="other"):
    return services.attachment_upload(actor=actor, customer=customer, data=data, file_name=name, kind=kind)


# --- the type is decided by the content --------------------------------------------------------
@pytest.mark.req("INFO-10")
@pytest.mark.parametrize(("data", "name", "code"), [
    (pdf_bytes(), "营业执照.pdf", "pdf"),
    (png_bytes(), "门头照片.PNG", "png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "photo.jpeg", "jpg"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.gif", "gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "a.webp", "webp"),
    (ooxml_bytes("word/document.xml"), "合同.docx", "docx"),
    (ooxml_bytes("xl/workbook.xml"), "报价.xlsx", "xlsx"),
    ("备注：客户希望周五上门。\n".encode("gb18030"), "备注.txt", "txt"),
    ("编号,名称\n1,甲\n".encode(), "清单.csv", "txt"),
])
def test_allowed_types_are_recognised_by_their_content(data, name, code):
    assert filetypes.check(data, name).code == code


@pytest.mark.req("INFO-10")
@pytest.mark.parametrize(("data", "name", "code"), [
    (EXE, "合同.pdf", "file_type_refused"),  # an executable renamed .pdf
    (EXE, "setup.exe", "file_type_refused"),
    (ooxml_bytes("xl/workbook.xml", macros=True), "报价.xlsx", "file_type_refused"),  # an .xlsm renamed
    (b"PK\x03\x04" + b"\x00" * 40, "broken.docx", "file_type_refused"),  # a zip header, no OOXML parts
    (png_bytes(), "营业执照.pdf", "file_extension_mismatch"),  # real PNG, wrong name
    (pdf_bytes(), "营业执照", "file_extension_mismatch"),  # no extension at all
    (b"", "空.pdf", "file_empty"),
])
def test_refused_files_name_the_rule(data, name, code):
    with pytest.raises(DomainError) as refused:
        filetypes.check(data, name)
    assert refused.value.code == code and refused.value.field == "file"
    assert name in str(refused.value.message) or code == "file_empty"


@pytest.mark.req("INFO-10")
def test_size_limit_and_types_come_from_the_settings(settings):
    assert filetypes.max_bytes() == 20 * 1024 * 1024  # the default
    settings.KEHU_ATTACHMENT_MAX_MB = 1
    with pytest.raises(DomainError) as refused:
        filetypes.check(pdf_bytes() + b"\x00" * (1024 * 1024), "大合同.pdf")
    assert refused.value.code == "file_too_large" and "1 MB" in str(refused.value.message)
    settings.KEHU_ATTACHMENT_TYPES = ["pdf"]
    with pytest.raises(DomainError) as refused:
        filetypes.check(png_bytes(), "a.png")
    assert refused.value.code == "file_type_refused" and ".pdf" in str(refused.value.message)


# --- service: storage, hash, audit -------------------------------------------------------------
@pytest.mark.req("INFO-10")
def test_upload_stores_a_random_name_with_its_hash_and_is_audited(sales, mine, media):
    data = pdf_bytes()
    attachment = upload(sales, mine, data, "C:\\扫描件\\营业执照（2026）.pdf", kind="licence")
    assert attachment.original_name == "营业执照（2026）.pdf"  # no directory part from the browser
    assert attachment.sha256 == hashlib.sha256(data).hexdigest() and attachment.size == len(data)
    assert attachment.file_type == "pdf" and attachment.content_type == "application/pdf"
    stored = list(Path(media, "attachments").rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == data
    assert files[0].name == attachment.stored_name and "营业执照" not in str(files[0])
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert Path(media, "attachments").stat().st_mode & 0o777 == 0o700
    entry = AuditEntry.objects.get(action=actions.ATTACHMENT_UPLOAD)
    assert entry.target_id == str(mine.pk) and entry.data["sha256"] == attachment.sha256


@pytest.mark.req("INFO-10")
def test_a_refused_upload_leaves_no_file_and_no_row(sales, mine, media):
    with pytest.raises(DomainError):
        upload(sales, mine, EXE, "合同.pdf")
    assert not Attachment.objects.exists()
    assert not [p for p in Path(media).rglob("*") if p.is_file()]


# --- pages ---------------------------------------------------------------------------------------
def page_urls(customer, attachment):
    return [("post", reverse("customers:attachment_upload", args=[customer.pk])),
            ("get", reverse("customers:attachment_download", args=[customer.pk, attachment.pk])),
            ("post", reverse("customers:attachment_delete", args=[customer.pk, attachment.pk]))]


@pytest.mark.req("INFO-10", "SEC-2")
def test_pages_anonymous_without_permission_and_out_of_scope(client, make_user, login, sales, other, theirs):
    attachment = upload(other, theirs, pdf_bytes(), "合同.pdf")
    for method, url in page_urls(theirs, attachment):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    admin = login(make_user(roles.SYSTEM_ADMIN))
    for method, url in page_urls(theirs, attachment):
        assert getattr(admin, method)(url).status_code == 403, url
    # An engineer may view and download but neither upload nor delete.
    engineer = login(make_user(roles.TECHNICAL_ENGINEER), on=type(client)())
    assert engineer.post(page_urls(theirs, attachment)[0][1]).status_code == 403
    assert engineer.post(page_urls(theirs, attachment)[2][1]).status_code == 403
    mine_client = login(sales, on=type(client)())
    for method, url in page_urls(theirs, attachment):
        assert getattr(mine_client, method)(url).status_code == 404, url
    assert not Attachment.objects.get(pk=attachment.pk).deleted_at


@pytest.mark.req("INFO-10")
def test_upload_list_download_and_delete_on_the_customer_page(login, sales, mine):
    client = login(sales)
    data = png_bytes()
    response = client.post(reverse("customers:attachment_upload", args=[mine.pk]),
                           {"file": SimpleUploadedFile("门头照片.png", data, content_type="application/octet-stream"),
                            "kind": "photo", "description": "正门"})
    assert response.status_code == 302 and response["Location"].endswith("?tab=attachments#tabs")
    attachment = mine.attachments.get()
    html = client.get(response["Location"]).content.decode()  # the page with its files tab open
    assert "门头照片.png" in html and "正门" in html and "上传附件 门头照片.png" in html  # list and timeline
    tab = client.get(reverse("customers:tab", args=[mine.pk, "attachments"])).content.decode()
    assert "门头照片.png" in tab and "正门" in tab and 'name="file"' in tab
    download = client.get(reverse("customers:attachment_download", args=[mine.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == (
        "attachment; filename=\"attachment.png\"; filename*=UTF-8''" + quote("门头照片.png"))
    assert AuditEntry.objects.filter(action=actions.ATTACHMENT_DOWNLOAD, target_id=str(mine.pk)).count() == 1
    response = client.post(reverse("customers:attachment_delete", args=[mine.pk, attachment.pk]))
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.deleted_at is not None and attachment.deleted_by == sales  # soft: the row stays
    assert client.get(reverse("customers:attachment_download", args=[mine.pk, attachment.pk])).status_code == 404
    html = client.get(reverse("customers:detail", args=[mine.pk])).content.decode()
    assert "删除附件 门头照片.png" in html
    assert AuditEntry.objects.filter(action=actions.ATTACHMENT_DELETE, target_id=str(mine.pk)).count() == 1


@pytest.mark.req("INFO-10", "WEB-6")
def test_refused_uploads_say_why_on_the_page(login, sales, mine, settings):
    client = login(sales)
    url = reverse("customers:attachment_upload", args=[mine.pk])
    response = client.post(url, {"file": SimpleUploadedFile("合同.pdf", EXE), "kind": "contract"})
    assert response.status_code == 400
    assert "文件“合同.pdf”的内容不是允许的类型" in response.content.decode()
    settings.KEHU_ATTACHMENT_MAX_MB = 1
    response = client.post(url, {"file": SimpleUploadedFile("大.pdf", pdf_bytes() + b"0" * (1 << 20)), "kind": "other"})
    assert response.status_code == 400 and "超过 1 MB 的上限" in response.content.decode()
    assert not mine.attachments.exists()


@pytest.mark.req("INFO-10")
def test_english_error_message(login, sales, mine):
    client = login(sales)
    response = client.post(reverse("customers:attachment_upload", args=[mine.pk]),
                           {"file": SimpleUploadedFile("setup.pdf", EXE), "kind": "other"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The content of the file &quot;setup.pdf&quot; is not an allowed type" in response.content.decode()


def test_content_disposition_quotes_and_falls_back():
    header = content_disposition('报价 "final".xlsx')
    assert header.startswith('attachment; filename="final.xlsx"; filename*=UTF-8\'\'')
    assert quote('报价 "final".xlsx', safe="") in header
    assert content_disposition("report.pdf") == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"


@pytest.mark.req("INFO-10", "INFO-11")
@pytest.mark.parametrize("size", [2, 20])
def test_detail_query_budget_with_attachments(login, sales, mine, django_assert_max_num_queries, size):
    for i in range(size):
        upload(sales, mine, pdf_bytes(f"n{i}"), f"合同{i}.pdf", kind="contract")
    client = login(sales)
    client.get(reverse("customers:detail", args=[mine.pk]))  # a running server's caches (field rules, definitions)
    with django_assert_max_num_queries(DETAIL_QUERIES):  # the same budget as a customer without files
        response = client.get(reverse("customers:detail", args=[mine.pk]))
    assert response.status_code == 200 and f"上传附件 合同{size - 1}.pdf" in response.content.decode()
    with django_assert_max_num_queries(TAB_QUERIES["attachments"]):
        response = client.get(reverse("customers:tab", args=[mine.pk, "attachments"]))
    assert response.status_code == 200 and f"合同{size - 1}.pdf" in response.content.decode()


@pytest.mark.req("INFO-10")
def test_timeline_source_is_one_query(sales, mine, django_assert_num_queries):
    attachment = upload(sales, mine, pdf_bytes(), "合同.pdf")
    services.attachment_delete(actor=sales, attachment=attachment)
    field_access.for_user(sales)  # the reader's field rules: the page has them already
    with django_assert_num_queries(1):  # the whole timeline, files and every other source
        events = timeline.events_for(mine, sales)
    assert [e.kind for e in events if e.kind.startswith("attachment")] == ["attachment_delete", "attachment_upload"]


# --- API -----------------------------------------------------------------------------------------
def api_urls(customer, attachment):
    one = f"{BASE}/{customer.pk}/attachments/{attachment.pk}"
    return [("get", f"{BASE}/{customer.pk}/attachments"), ("post", f"{BASE}/{customer.pk}/attachments"),
            ("get", one), ("get", f"{one}/download"), ("delete", one)]


@pytest.mark.req("INFO-10", "SEC-2")
def test_api_anonymous_without_permission_and_out_of_scope(client, make_user, api_client, sales, other, theirs):
    attachment = upload(other, theirs, pdf_bytes(), "合同.pdf")
    for method, url in api_urls(theirs, attachment):
        assert getattr(client, method)(url).status_code == 401, url
    def call(client, method, url):
        if method == "post":
            return client.post(url, {"file": SimpleUploadedFile("a.pdf", pdf_bytes())})
        return getattr(client, method)(url)

    admin = api_client(make_user(roles.SYSTEM_ADMIN))
    for method, url in api_urls(theirs, attachment):
        assert call(admin, method, url).status_code == 403, url
    engineer = api_client(make_user(roles.TECHNICAL_ENGINEER))
    assert call(engineer, "post", api_urls(theirs, attachment)[1][1]).status_code == 403
    assert call(engineer, "delete", api_urls(theirs, attachment)[4][1]).status_code == 403
    mine_client = api_client(sales)
    for method, url in api_urls(theirs, attachment):
        response = call(mine_client, method, url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert not theirs.attachments.exclude(pk=attachment.pk).exists()


@pytest.mark.req("INFO-10")
def test_api_upload_list_download_delete(api_client, sales, mine):
    client = api_client(sales)
    url = f"{BASE}/{mine.pk}/attachments"
    response = client.post(url, {"file": SimpleUploadedFile("营业执照.pdf", pdf_bytes(), content_type="image/png"),
                                 "kind": "licence"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "营业执照.pdf" and body["file_type"] == "pdf" and body["kind"] == "licence"
    assert body["sha256"] == hashlib.sha256(pdf_bytes()).hexdigest()
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client.get(f"{url}/{body['id']}").json() == body
    download = client.get(f"{url}/{body['id']}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf_bytes()
    assert "filename*=UTF-8''" + quote("营业执照.pdf") in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client.delete(f"{url}/{body['id']}").status_code == 204
    assert client.get(url).json()["count"] == 0
    assert client.delete(f"{url}/{body['id']}").status_code == 404


@pytest.mark.req("INFO-10", "WEB-6")
def test_api_refusals_are_400_naming_the_file(api_client, sales, mine, settings):
    client = api_client(sales)
    url = f"{BASE}/{mine.pk}/attachments"
    response = client.post(url, {"file": SimpleUploadedFile("合同.pdf", EXE, content_type="application/pdf")})
    assert response.status_code == 400
    assert response.json()["code"] == "file_type_refused" and response.json()["field"] == "file"
    settings.KEHU_ATTACHMENT_MAX_MB = 1
    response = client.post(url, {"file": SimpleUploadedFile("大.pdf", pdf_bytes() + b"0" * (1 << 20))})
    assert response.status_code == 400 and response.json()["code"] == "file_too_large"
    response = client.post(url, {"file": SimpleUploadedFile("a.pdf", pdf_bytes()), "kind": "secret"})
    assert response.status_code == 400 and response.json()["field"] == "kind"
    response = client.post(url, json.dumps({"file": "x"}), content_type="application/json")
    assert response.status_code == 422  # a file is required
    assert not mine.attachments.exists()


@pytest.mark.req("INFO-10")
def test_selector_hides_deleted_and_other_customers_files(sales, mine):
    kept = upload(sales, mine, pdf_bytes(), "a.pdf")
    gone = upload(sales, mine, png_bytes(), "b.png")
    services.attachment_delete(actor=sales, attachment=gone)
    other_customer = CustomerFactory(owner=sales)
    upload(sales, other_customer, pdf_bytes(), "c.pdf")
    assert list(selectors.attachments_of(sales, mine)) == [kept]


@pytest.mark.req("INFO-10")
def test_files_are_never_served_as_static(login, sales, mine, settings):
    attachment = upload(sales, mine, pdf_bytes(), "合同.pdf")
    client = login(sales)
    relative = f"attachments/{attachment.stored_name[:2]}/{attachment.stored_name}"
    for prefix in ("/media/", "/static/", settings.STATIC_URL):
        assert client.get(prefix + relative).status_code == 404


@pytest.mark.req("INFO-10")
def test_the_orphan_sweep_removes_only_old_files_without_a_row(sales, mine, media):
    import datetime as dt
    import os

    from django.db import transaction

    from kehu.core import clock, schedule
    from kehu.customers import storage
    from kehu.customers.tasks import remove_orphan_attachments

    assert schedule.REGISTRY["kehu.customers.tasks.remove_orphan_attachments"].daily_at == dt.time(4, 0)
    kept = upload(sales, mine, pdf_bytes(), "合同.pdf")
    with transaction.atomic():  # a caller's transaction that rolls back after the upload wrote its file
        lost = upload(sales, mine, png_bytes(), "照片.png")
        transaction.set_rollback(True)
    assert storage.attachment_path(lost.stored_name).exists() and not Attachment.objects.filter(pk=lost.pk).exists()
    fresh = storage.attachment_store(b"%PDF-1.4 being uploaded right now")
    two_hours_ago = (clock.now() - dt.timedelta(hours=2)).timestamp()
    for name in (kept.stored_name, lost.stored_name):
        os.utime(storage.attachment_path(name), (two_hours_ago, two_hours_ago))
    assert remove_orphan_attachments.call() == 1
    assert not storage.attachment_path(lost.stored_name).exists()
    assert storage.attachment_path(kept.stored_name).exists() and storage.attachment_path(fresh).exists()
    assert remove_orphan_attachments.call() == 0  # idempotent
