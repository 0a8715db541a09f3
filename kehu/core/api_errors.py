"""Every API error is one JSON shape (DESIGN.md "API conventions"):

    {"code": "<stable code>", "message": "<in the caller's language>", "field": ..., "details": ...}

``install(api)`` replaces Django Ninja's default handlers, which answer ``{"detail": ...}`` and,
with DEBUG on, a plain-text traceback. Unhandled exceptions become a 500 carrying only the
request id; the traceback goes to the server log (SECURITY.md WEB-5).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from kehu.core.api_parser import UnsupportedMediaType
from kehu.core.errors import DomainError

logger = logging.getLogger("kehu.api")


class ErrorOut(Schema):
    """The one error shape, for the OpenAPI document."""

    code: str
    message: str
    field: str | None = None
    details: Any = None
    request_id: str | None = None  # only on 500


def document(schema: dict) -> dict:
    """Add the error shape to every operation of an OpenAPI document (4XX and 5XX answers)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ErrorOut.model_json_schema()
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # Status keys as strings, as in JSON (Ninja uses ints; "4XX" sorts beside them then).
            responses = operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
            responses.setdefault("4XX", {"description": "Client error: code, message, field, details", "content": content})
            responses.setdefault("5XX", {"description": "Server error: code and request_id only", "content": content})
    return schema


def error_body(code: str, message, *, field: str | None = None, details=None) -> dict:
    return {"code": code, "message": str(message), "field": field, "details": details if details is not None else {}}


def not_authenticated_response() -> JsonResponse:
    """401 for a missing, unknown, expired or revoked token (also used outside Ninja's operations)."""
    response = JsonResponse(
        error_body("not_authenticated", _("需要有效的 API 令牌（Authorization: Bearer …）。")),
        status=401,
        content_type="application/json; charset=utf-8",
    )
    response["WWW-Authenticate"] = 'Bearer realm="kehu"'
    return response


# Pydantic's messages are English; the common ones are said again in the caller's language.
def _validation_message(error: dict) -> str:
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    messages = {
        "missing": lambda: _("必填项。"),
        "int_parsing": lambda: _("请输入整数。"),
        "int_type": lambda: _("请输入整数。"),
        "float_parsing": lambda: _("请输入数字。"),
        "bool_parsing": lambda: _("请输入 true 或 false。"),
        "string_type": lambda: _("请输入文本。"),
        "greater_than_equal": lambda: _("不能小于 %(limit)s。") % {"limit": ctx.get("ge")},
        "greater_than": lambda: _("必须大于 %(limit)s。") % {"limit": ctx.get("gt")},
        "less_than_equal": lambda: _("不能大于 %(limit)s。") % {"limit": ctx.get("le")},
        "less_than": lambda: _("必须小于 %(limit)s。") % {"limit": ctx.get("lt")},
        "string_too_short": lambda: _("至少 %(n)s 个字符。") % {"n": ctx.get("min_length")},
        "string_too_long": lambda: _("最多 %(n)s 个字符。") % {"n": ctx.get("max_length")},
        "date_from_datetime_parsing": lambda: _("日期格式应为 YYYY-MM-DD。"),
        "date_parsing": lambda: _("日期格式应为 YYYY-MM-DD。"),
        "datetime_parsing": lambda: _("时间格式应为 ISO 8601。"),
        "enum": lambda: _("不是允许的取值。"),
        "literal_error": lambda: _("不是允许的取值。"),
        "cursor_invalid": lambda: _("分页游标无效。"),
    }
    make = messages.get(kind)
    return make() if make else str(error.get("msg", ""))


def _field_name(loc) -> str:
    # loc is (source, name, ...): "query"/"path"/"body" first. Clients know the source.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts)


def domain_error(request: HttpRequest, exc: DomainError, api: NinjaAPI) -> HttpResponse:
    return api.create_response(
        request, error_body(exc.code, exc.message, field=exc.field, details=exc.details), status=exc.status
    )


def validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    details = [
        {"field": _field_name(error.get("loc", ())), "message": _validation_message(error), "type": error.get("type", "")}
        for error in exc.errors
    ]
    first = details[0]["field"] if details else None
    return api.create_response(
        request, error_body("validation_error", _("提交的数据有误，请检查标出的字段。"), field=first, details=details), status=422
    )


def http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return not_authenticated_response()
    if isinstance(exc, AuthorizationError):
        return api.create_response(request, error_body("permission_denied", _("您没有执行此操作的权限。")), status=403)
    if isinstance(exc, Throttled):
        # Ninja adds Retry-After to this response itself.
        return api.create_response(request, error_body("rate_limited", _("请求过于频繁，请稍后再试。")), status=429)
    # Ninja wraps every parser failure in a 400; the cause tells a non-JSON body from bad JSON.
    if isinstance(exc.__cause__, UnsupportedMediaType):
        return api.create_response(
            request, error_body("unsupported_media_type", _("请求体须为 JSON（Content-Type: application/json）。")), status=415
        )
    if exc.status_code == 400:
        return api.create_response(request, error_body("bad_request", _("请求体不是有效的 JSON。")), status=400)
    return api.create_response(request, error_body(f"http_{exc.status_code}", exc.message), status=exc.status_code)


def not_found(request: HttpRequest, exc: Http404, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("对象不存在，或您无权查看。")), status=404)


def permission_denied(request: HttpRequest, exc: DjangoPermissionDenied, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body("permission_denied", _("您没有执行此操作的权限。")), status=403)


def server_error(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    request_id = getattr(request, "request_id", "")
    logger.error("unhandled API error (request %s)", request_id, exc_info=exc)
    body = error_body("server_error", _("系统出错了，我们已记录此问题。请把请求编号告诉管理员。"))
    body["request_id"] = request_id
    return api.create_response(request, body, status=500)


def install(api: NinjaAPI) -> None:
    handlers = {
        DomainError: domain_error,
        ValidationError: validation_error,
        HttpError: http_error,
        Http404: not_found,
        DjangoPermissionDenied: permission_denied,
        Exception: server_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, lambda request, exc, handler=handler: handler(request, exc, api))
