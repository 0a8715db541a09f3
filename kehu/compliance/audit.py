"""``audit.record``: every service writes its audit entry here, inside its own transaction.

No audit row, no write: ``record`` refuses to run outside a transaction, and an error while
writing the entry rolls the business change back with it (SECURITY.md AUD-2).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.core import clock, context, keys


@dataclass(frozen=True)
class Action:
    code: str
    label: object


ACTIONS: dict[str, Action] = {}


def register_action(code: str, label) -> str:
    ACTIONS.setdefault(code, Action(code, label))
    return code


def action_label(code: str) -> str:
    action = ACTIONS.get(code)
    return str(action.label) if action else code


@cache
def _chain_key() -> bytes:
    return keys.load_bytes("audit_key")


def canonical(entry) -> bytes:
    """The bytes the HMAC covers: every column but the hash itself, in a fixed form."""
    body = {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.astimezone(clock.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "actor_roles": entry.actor_roles,
        "action": entry.action,
        "result": entry.result,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "data": entry.data,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "channel": entry.channel,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(entry) -> str:
    return hmac.new(_chain_key(), canonical(entry), hashlib.sha256).hexdigest()


def _normalise(data) -> dict:
    # What the database gives back must hash the same as what we hashed: plain JSON types only.
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _escape(text: str) -> str:
    # Log injection (AUD-5): no raw line breaks in logged free text.
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _describe(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, tuple):
        kind, ident, label = target
        return kind, str(ident), str(label)[:200]
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk), str(target)[:200]


def record(actor, action: str, target=None, data: dict | None = None, *, result: str = "ok", reason: str = ""):
    """Append one entry to the audit chain. ``target`` is a model instance or (type, id, label)."""
    from kehu.compliance.models import AuditChainHead, AuditEntry

    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not registered")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")
    ctx = context.current()
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    target_type, target_id, target_repr = _describe(target)
    entry = AuditEntry(
        seq=head.seq + 1,
        occurred_at=clock.now(),
        actor=actor,
        actor_name=actor.username if actor else "",
        actor_roles=",".join(sorted(actor.role_codes)) if actor else "",
        action=action,
        result=result,
        target_type=target_type,
        target_id=target_id,
        target_repr=_escape(target_repr),
        data=_normalise(data),
        reason=_escape(reason or ""),
        request_id=ctx.request_id,
        ip=ctx.ip,
        user_agent=_escape(ctx.user_agent),
        channel=ctx.channel,
        prev_hash=head.hash,
    )
    entry.hash = chain_hash(entry)
    entry.save(force_insert=True)
    head.seq, head.hash = entry.seq, entry.hash
    head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Walk the chain from its oldest kept row; name the first row whose content or link is wrong."""
    from kehu.compliance.models import AuditChainHead, AuditEntry

    checked = 0
    previous = None
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if previous is not None:
            if entry.seq != previous.seq + 1:
                return VerifyResult(False, checked, previous.seq + 1, str(_("缺少审计记录（序号不连续）")))
            if entry.prev_hash != previous.hash:
                return VerifyResult(False, checked, entry.seq, str(_("链接的上一条哈希不符")))
        if not hmac.compare_digest(entry.hash, chain_hash(entry)):
            return VerifyResult(False, checked, entry.seq, str(_("记录内容已被篡改")))
        checked += 1
        previous = entry
    head = AuditChainHead.objects.filter(id=1).first()
    if head and previous and (head.seq != previous.seq or head.hash != previous.hash):
        return VerifyResult(False, checked, previous.seq + 1, str(_("链尾记录缺失")))
    return VerifyResult(True, checked)
