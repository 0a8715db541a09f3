"""Who is asking, from where: set once per request (or CLI command, or task) and read by the audit log."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    user_agent: str = ""
    channel: str = "system"  # web, api, cli, task, system


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("kehu_request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext()


@contextlib.contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
