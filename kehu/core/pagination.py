"""List pagination for the API (DESIGN.md "API conventions", SECURITY.md AC-9).

``LimitOffsetPagination``: ``?limit=&offset=`` answering ``{"items", "count", "limit", "offset"}``.
A page never holds more than ``settings.NINJA_PAGINATION_MAX_LIMIT`` (100) rows: a larger
``limit`` (or ``page_size``, accepted as its synonym) is cut down to the maximum, not refused.

``KeysetPagination``: ``?limit=&cursor=`` answering ``{"items", "limit", "next_cursor"}`` for
big tables: ordered by id, no COUNT, the same cost for the thousandth page as for the first.

Use with Ninja's decorator: ``@paginate(LimitOffsetPagination)`` on a view returning a queryset.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase


def page_limit(requested: int | None) -> int:
    if requested is None:
        return settings.NINJA_PAGINATION_PER_PAGE
    return min(requested, settings.NINJA_PAGINATION_MAX_LIMIT)


class LimitOffsetPagination(PaginationBase):
    class Input(Schema):
        limit: int | None = Field(None, ge=1, description="每页条数，默认 50，最多 100")
        page_size: int | None = Field(None, ge=1, description="limit 的同义参数")
        offset: int = Field(0, ge=0, description="跳过的条数")

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any):
        limit = page_limit(pagination.limit if pagination.limit is not None else pagination.page_size)
        return {**self.window(queryset, pagination.offset, limit), "limit": limit, "offset": pagination.offset}

    def window(self, queryset: QuerySet, offset: int, limit: int) -> dict:
        """The page's ``items`` and the ``count`` (exact here; a big list's pagination caps it)."""
        return {"items": queryset[offset : offset + limit], "count": self._items_count(queryset)}


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = raw.partition(":")
        if kind != "id":
            raise ValueError(raw)
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ValidationError([{"loc": ("query", "cursor"), "msg": "invalid cursor", "type": "cursor_invalid"}]) from exc


class KeysetPagination(PaginationBase):
    class Input(Schema):
        limit: int | None = Field(None, ge=1, description="每页条数，默认 50，最多 100")
        cursor: str | None = Field(None, description="上一页返回的 next_cursor")

    class Output(Schema):
        items: list[Any]
        limit: int
        next_cursor: str | None

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any):
        limit = page_limit(pagination.limit)
        rows = queryset.order_by("id")
        if pagination.cursor:
            rows = rows.filter(id__gt=decode_cursor(pagination.cursor))
        page = list(rows[: limit + 1])  # one extra row says whether another page exists
        has_more = len(page) > limit
        page = page[:limit]
        return {
            "items": page,
            "limit": limit,
            "next_cursor": encode_cursor(page[-1].id) if has_more else None,
        }
