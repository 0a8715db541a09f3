"""Attachment downloads (INFO-10): the one response shape for the page and the API."""

from __future__ import annotations

from urllib.parse import quote

from django.http import FileResponse


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one RFC 5987-encoded (Chinese names)."""
    stem, dot, extension = file_name.rpartition(".")
    ascii_stem = "".join(c for c in (stem if dot else file_name) if c.isascii() and (c.isalnum() or c in "-_ .")).strip()
    fallback = (ascii_stem or "attachment") + (dot + extension if dot and extension.isascii() else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def attachment_response(attachment, handle) -> FileResponse:
    """The bytes as a download: never rendered inline, never sniffed into another type."""
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
