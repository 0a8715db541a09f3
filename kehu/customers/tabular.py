"""Reading an uploaded table (.xlsx or .csv) into header + rows of strings, with the limits of WEB-6.

The type is decided by the content, never by the file name: an .xlsx is a zip holding
``[Content_Types].xml`` and ``xl/workbook.xml``; a .csv is anything that decodes as text without
NUL bytes. A zip's declared uncompressed sizes are summed BEFORE a reader (python-calamine, or openpyxl) opens it, so a zip bomb
is refused without being inflated.

CSV encodings: what Excel writes on Chinese Windows is GBK (a subset of GB18030) or, with
"CSV UTF-8", UTF-8 with a BOM. UTF-8 is tried strictly first (GBK bytes practically never form
valid UTF-8), then GB18030; charset-normalizer only guesses when both fail.

Merged cells are not supported: a title row merged above the header is read as the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kehu.core.errors import DomainError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
XLSX_MARKERS = ("[Content_Types].xml", "xl/workbook.xml")


@dataclass
class Table:
    kind: str  # "xlsx" or "csv"
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as Excel shows it: the header is row 1, values)
    encoding: str = ""


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="file")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a mobile number typed into Excel is stored as a number
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _collect(raw_rows) -> tuple[list[str], list[tuple[int, list[str]]]]:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(raw_rows, start=1):
        values = [_cell(v) for v in raw]
        if headers is None:
            headers = values
            continue
        if not any(values):
            continue  # blank lines are not rows; the numbering still follows the sheet
        if len(rows) >= MAX_ROWS:
            raise _refuse("too_many_rows", _("文件超过 %(n)s 行数据，请拆分后分批导入。") % {"n": f"{MAX_ROWS:,}"})
        rows.append((number, values))
    if not headers or not any(headers):
        raise _refuse("no_header", _("文件第 1 行应为表头，但它是空的。"))
    while headers and not headers[-1]:
        headers.pop()
    return headers, rows


def _read_xlsx(data: bytes) -> Table:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise _refuse("unpacked_too_large", _("Excel 文件解压后超过 %(mb)d MB，已拒绝。") % {"mb": MAX_UNPACKED_BYTES >> 20})
    try:
        raw_rows = _xlsx_rows(data)
    except Exception as exc:  # both readers raise many types for a damaged workbook
        raise _refuse("bad_xlsx", _("无法读取该 Excel 文件，请用 Excel 另存为 .xlsx 后重试。")) from exc
    headers, rows = _collect(raw_rows)
    return Table("xlsx", headers, rows)


def _xlsx_rows(data: bytes) -> list:
    """The first worksheet's cell values from A1, row by row (empty rows included, so the
    numbering follows the sheet). python-calamine (Rust) reads about 20 times faster than
    openpyxl; openpyxl is the fallback where calamine is not installed."""
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum
    except ImportError:  # pragma: no cover - calamine is a declared dependency
        return _openpyxl_rows(data)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        sheets = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]  # as openpyxl's worksheets
        return workbook.get_sheet_by_name(sheets[0]).to_python(skip_empty_area=False)
    finally:
        workbook.close()


def _openpyxl_rows(data: bytes) -> list:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) or a refusal when the bytes are not text."""
    if b"\x00" in data:
        raise _refuse("not_a_table", _("文件内容不是 Excel（.xlsx）或 CSV 文本，已拒绝。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise _refuse("not_a_table", _("文件内容不是 Excel（.xlsx）或 CSV 文本，已拒绝。"))
    return str(best), best.encoding


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    headers, rows = _collect(csv.reader(io.StringIO(text, newline="")))
    return Table("csv", headers, rows, encoding)


def is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return all(marker in names for marker in XLSX_MARKERS)


def read_table(data: bytes) -> Table:
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse("file_too_large", _("文件超过 %(mb)d MB，已拒绝。") % {"mb": MAX_UPLOAD_BYTES >> 20})
    if is_xlsx(data):
        return _read_xlsx(data)
    if data.startswith(b"PK"):
        raise _refuse("not_a_table", _("文件内容不是 Excel（.xlsx）或 CSV 文本，已拒绝。"))
    return _read_csv(data)


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell a spreadsheet would run as a formula gets a leading ' (CSV/formula injection, SEC-6)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
