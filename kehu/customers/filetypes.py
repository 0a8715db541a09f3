"""What an uploaded attachment really is, decided by its content (INFO-10, SECURITY.md WEB-6).

The browser's content type and the file name's extension are the uploader's claims; the bytes are
the evidence. ``detect(data)`` looks at the magic bytes (and, for a zip, at the OOXML parts inside
it) and names one of the known types or none. ``check(data, file_name)`` then refuses a type the
settings do not allow, a file whose extension does not match its content (an .exe renamed .pdf)
and an oversized file, each with a message naming the rule.

Legacy .doc / .xls (OLE2 compound files) are not offered: the container cannot be told apart
without parsing its directory, and it is the classic carrier of macros. Text is UTF-8 or GB18030
without NUL bytes or other control characters; an HTML or SVG text is still only text, because
downloads go out as attachments with ``nosniff``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core.errors import DomainError


@dataclass(frozen=True)
class FileType:
    code: str
    label: object
    content_type: str
    extensions: tuple[str, ...]


TYPES = {t.code: t for t in (
    FileType("pdf", gettext_lazy("PDF 文档"), "application/pdf", (".pdf",)),
    FileType("jpg", gettext_lazy("JPEG 图片"), "image/jpeg", (".jpg", ".jpeg")),
    FileType("png", gettext_lazy("PNG 图片"), "image/png", (".png",)),
    FileType("gif", gettext_lazy("GIF 图片"), "image/gif", (".gif",)),
    FileType("webp", gettext_lazy("WebP 图片"), "image/webp", (".webp",)),
    FileType("docx", gettext_lazy("Word 文档（.docx）"),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    FileType("xlsx", gettext_lazy("Excel 表格（.xlsx）"),
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    FileType("txt", gettext_lazy("文本文件"), "text/plain; charset=utf-8", (".txt", ".csv")),
)}

OOXML_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# Control bytes no text file holds (tab, line feed, form feed and carriage return are allowed).
# bytes.translate deletes them in one C pass: 20 MB in ~65 ms, five times faster than a regex search.
_TEXT_CONTROLS = bytes([*range(0, 9), 11, *range(14, 32), 127])


def allowed_types() -> list[FileType]:
    unknown = [code for code in settings.KEHU_ATTACHMENT_TYPES if code not in TYPES]
    if unknown:
        raise ImproperlyConfigured(f"KEHU_ATTACHMENT_TYPES: unknown types {unknown}; known: {sorted(TYPES)}")
    return [TYPES[code] for code in settings.KEHU_ATTACHMENT_TYPES]


def max_bytes() -> int:
    return settings.KEHU_ATTACHMENT_MAX_MB * 1024 * 1024


def _ooxml(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None  # not OOXML, or a macro-enabled file (.docm/.xlsm) wearing a .docx/.xlsx name
    for code, part in OOXML_PARTS.items():
        if part in names:
            return code
    return None


def _is_text(data: bytes) -> bool:
    if not data or len(data.translate(None, _TEXT_CONTROLS)) != len(data):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def detect(data: bytes) -> FileType | None:
    """The type the content shows, or None when it is none of the known ones."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpg"]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return TYPES["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES["webp"]
    if head.startswith(b"PK\x03\x04"):
        code = _ooxml(data)
        return TYPES[code] if code else None
    if _is_text(data):
        return TYPES["txt"]
    return None


def _extension(file_name: str) -> str:
    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _allowed_list() -> str:
    return "、".join(ext for t in allowed_types() for ext in t.extensions)


def check(data: bytes, file_name: str) -> FileType:
    """The file's type if it may be stored; DomainError (field ``file``) naming the rule otherwise."""
    limit = max_bytes()
    if len(data) > limit:
        raise DomainError("file_too_large", _("文件“%(name)s”超过 %(mb)d MB 的上限，已拒绝。")
                          % {"name": file_name, "mb": limit >> 20}, field="file")
    if not data:
        raise DomainError("file_empty", _("文件“%(name)s”是空的。") % {"name": file_name}, field="file")
    found = detect(data)
    if found is None or found not in allowed_types():
        raise DomainError("file_type_refused",
                          _("文件“%(name)s”的内容不是允许的类型（允许：%(allowed)s），已拒绝。")
                          % {"name": file_name, "allowed": _allowed_list()}, field="file")
    extension = _extension(file_name)
    if extension not in found.extensions:
        raise DomainError("file_extension_mismatch",
                          _("文件“%(name)s”的扩展名与内容（%(type)s）不符，已拒绝。请使用 %(ext)s 扩展名。")
                          % {"name": file_name, "type": found.label, "ext": "、".join(found.extensions)},
                          field="file")
    return found
