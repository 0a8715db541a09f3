"""``Idempotency-Key`` on create endpoints (PLAT-2, SECURITY.md CRASH-3).

    @router.post("/things", response={201: ThingOut})
    @idempotent
    def thing_create(request, payload: ThingIn): ...

A request carrying the header runs in one transaction with the row that remembers its answer,
so a client that lost the answer (timeout, crash) can retry safely: the same key returns the
first answer with ``Idempotent-Replayed: true``; the same key on a different request is 409.
Only successful (2xx) answers are remembered; a refused request may be retried with its key.

Two pieces, both installed by the decorator: the view wrapper runs after authentication and
input validation (so it knows the user) and answers replays; the operation wrapper runs around
Ninja's whole handling (so it sees the serialised response) and owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view
from ninja.errors import ConfigError

from kehu.core.errors import Conflict, DomainError
from kehu.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class _Pending:
    key: str
    endpoint: str
    fingerprint: str


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method}\0{request.path}\0".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(stored: IdempotencyKey, pending: _Pending) -> HttpResponse:
    if stored.endpoint != pending.endpoint or stored.request_hash != pending.fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            _("此 Idempotency-Key 已用于另一个请求；请为新请求使用新的键。"),
            field=HEADER,
        )
    content = b"" if stored.response_body is None else json.dumps(stored.response_body, ensure_ascii=False).encode()
    response = HttpResponse(content, status=stored.response_status, content_type="application/json; charset=utf-8")
    response["Idempotent-Replayed"] = "true"
    return response


def _pending_for(request: HttpRequest) -> _Pending | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(
            "idempotency_key_invalid", _("Idempotency-Key 须为 1 至 255 个可打印字符。"), field=HEADER
        )
    return _Pending(key=key, endpoint=f"{request.method} {request.path}"[:300], fingerprint=_fingerprint(request))


def _stored(request: HttpRequest, pending: _Pending) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=request.auth, key=pending.key).first()


def _transaction_with_key(run):
    """Operation wrapper: the view's writes and the remembered answer commit together or not at all."""

    @wraps(run)
    def run_once(request: HttpRequest, *args, **kwargs):
        if HEADER not in request.headers:
            return run(request, *args, **kwargs)
        try:
            with transaction.atomic():
                response = run(request, *args, **kwargs)
                pending = getattr(request, "kehu_idempotency", None)
                if not 200 <= response.status_code < 300:
                    # Ninja turned an exception into this answer: keep nothing the view wrote.
                    transaction.set_rollback(True)
                elif pending is not None:
                    IdempotencyKey.objects.create(
                        user=request.auth,
                        key=pending.key,
                        endpoint=pending.endpoint,
                        request_hash=pending.fingerprint,
                        response_status=response.status_code,
                        response_body=json.loads(response.content) if response.content else None,
                    )
                return response
        except IntegrityError:
            # A concurrent request with the same key committed first; ours was rolled back whole.
            pending = getattr(request, "kehu_idempotency", None)
            stored = _stored(request, pending) if pending else None
            if stored is None:
                raise
            return _replay(stored, pending)

    return run_once


def idempotent(view):
    """Put it directly below ``@router.post(...)``."""
    if hasattr(view, "_ninja_operation"):
        raise ConfigError("@idempotent must be applied below the @router.post decorator")

    @wraps(view)
    def answer_or_replay(request: HttpRequest, *args, **kwargs):
        pending = _pending_for(request)
        if pending is not None:
            stored = _stored(request, pending)
            if stored is not None:
                return _replay(stored, pending)
            request.kehu_idempotency = pending
        return view(request, *args, **kwargs)

    return decorate_view(_transaction_with_key)(answer_or_replay)
