"""``audit.record``: every service writes its audit entry here, inside its own transaction.

No audit row, no write: ``record`` refuses to run outside a transaction, and an error while
writing the entry rolls the business change back with it (SECURITY.md AUD-2).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.core import bulk, clock, context, keys


@dataclass(frozen=True)
class Action:
    code: str
    label: object


ACTIONS: dict[str, Action] = {}
RESULTS = frozenset({"ok", "denied", "failed"})
GENESIS_HASH = "0" * 64
PLAIN_JSON = (str, int, bool, type(None))  # float is not: NaN and the infinities do not round-trip


def register_action(code: str, label) -> str:
    existing = ACTIONS.get(code)
    if existing is not None and str(existing.label) != str(label):
        # Two apps claiming one code for different events would make the log ambiguous.
        raise ValueError(f"audit action {code!r} registered twice with different labels")
    ACTIONS[code] = Action(code, label)
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
    return hmac.digest(_chain_key(), canonical(entry), "sha256").hex()


def _normalise(data) -> dict:
    # What the database gives back must hash the same as what we hashed: plain JSON types only.
    if data and all(type(key) is str and type(value) in PLAIN_JSON for key, value in data.items()):
        return dict(data)  # already plain: the round trip would give it back unchanged
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _escape(text: str, limit: int | None = None) -> str:
    # Log injection (AUD-5): no raw line breaks in logged free text. Cut *after* escaping, so the
    # escaped text still fits its column (PostgreSQL refuses an over-long value, which would
    # fail the business write with it).
    escaped = text.replace("\r", "\\r").replace("\n", "\\n")
    return escaped[:limit] if limit is not None else escaped


def _describe(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, tuple):
        kind, ident, label = target
        return str(kind), str(ident), str(label)
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk), str(target)


def _stored_ip(ip: str | None) -> str | None:
    # Hash the address as the database will give it back: the field normalises IPv6 on save.
    from kehu.compliance.models import AuditEntry

    return AuditEntry._meta.get_field("ip").get_prep_value(ip) if ip else None


def _check(action: str, result: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not registered")
    if result not in RESULTS:
        raise ValueError(f"audit result must be one of {sorted(RESULTS)}, not {result!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")


def _entries(actor, action: str, items, *, result: str, reason: str, head):
    """Unsaved entries for ``items`` ((target, data) pairs), chained one after another from ``head``."""
    from kehu.compliance.models import AuditEntry

    ctx = context.current()
    actor = actor if getattr(actor, "is_authenticated", False) else None
    actor_name = actor.username[:150] if actor else ""
    actor_roles = ",".join(sorted(actor.role_codes))[:300] if actor else ""
    request_id, ip = ctx.request_id[:64], _stored_ip(ctx.ip)
    user_agent, channel, reason = _escape(ctx.user_agent, 300), ctx.channel[:10], _escape(reason or "")
    seq, prev_hash = head.seq, head.hash
    # One instant for the entries of one call (one transaction). Entries are built from their
    # column values in column order (``Model.__init__``'s fast positional form: half the time of
    # keywords, which counts for the import's 100,000 entries).
    common = {"id": None, "occurred_at": clock.now(), "actor_id": actor.pk if actor else None, "actor_name": actor_name,
              "actor_roles": actor_roles, "action": action, "result": result, "reason": reason,
              "request_id": request_id, "ip": ip, "user_agent": user_agent, "channel": channel, "hash": ""}
    columns = [field.attname for field in AuditEntry._meta.concrete_fields]
    entries = []
    for target, data in items:
        target_type, target_id, target_repr = _describe(target)
        seq += 1
        values = {**common, "seq": seq, "target_type": _escape(target_type, 64), "target_id": _escape(target_id, 64),
                  "target_repr": _escape(target_repr, 200), "data": _normalise(data), "prev_hash": prev_hash}
        entry = AuditEntry(*[values[column] for column in columns])
        entry.hash = prev_hash = chain_hash(entry)
        entries.append(entry)
    return entries


def _locked_head():
    from kehu.compliance.models import AuditChainHead

    return AuditChainHead.objects.select_for_update().get_or_create(id=1)[0]


def _advance(head, entries) -> None:
    head.seq, head.hash = entries[-1].seq, entries[-1].hash
    head.save(update_fields=["seq", "hash"])


def record(actor, action: str, target=None, data: dict | None = None, *, result: str = "ok", reason: str = ""):
    """Append one entry to the audit chain. ``target`` is a model instance or (type, id, label)."""
    _check(action, result)
    head = _locked_head()
    (entry,) = _entries(actor, action, [(target, data)], result=result, reason=reason, head=head)
    entry.save(force_insert=True)
    _advance(head, entries=[entry])
    return entry


def record_many(actor, action: str, items, *, result: str = "ok", reason: str = "") -> list:
    """Append one entry per (target, data) in ``items``, as ``record`` would one by one, in one
    locked pass: the head is locked once, the chain computed in memory, the rows bulk-inserted."""
    from kehu.compliance.models import AuditEntry

    _check(action, result)
    items = list(items)
    if not items:
        return []
    head = _locked_head()
    entries = _entries(actor, action, items, result=result, reason=reason, head=head)
    bulk.insert(AuditEntry, entries)
    _advance(head, entries)
    return entries


@dataclass(frozen=True)
class VerifyResult:
    """``first_bad_seq`` names the first row that is altered or missing; ``occurred_at`` and
    ``action`` are that row's stored values when it still exists (None when it is missing)."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    occurred_at: object = None
    action: str = ""


def purge_boundary() -> tuple[int, str]:
    """(seq, hash) of the last row the retention purge removed; (0, genesis) before any purge.

    The purge writes this into its own chained entry, so rows cut from the start of the chain
    by anyone else show up as missing."""
    from kehu.compliance.actions import AUDIT_PURGE
    from kehu.compliance.models import AuditEntry

    last_purge = AuditEntry.objects.filter(action=AUDIT_PURGE).order_by("-seq").first()
    if last_purge is None:
        return 0, GENESIS_HASH
    try:
        return int(last_purge.data["through_seq"]), str(last_purge.data["through_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BrokenBoundary(last_purge) from exc


class BrokenBoundary(Exception):
    """The last purge entry does not say where the purge stopped; only ``audit_purge`` writes it."""

    def __init__(self, entry):
        super().__init__(f"purge entry #{entry.seq} has no boundary")
        self.entry = entry


def verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Walk the chain from its oldest kept row; name the first row whose content or link is wrong.

    The oldest kept row must follow the boundary the last purge recorded, each row must link to
    the one before it, and the chain head (updated with every insert) must match the last row,
    so rows cut from the start, the middle or the end are all named."""
    from kehu.compliance.models import AuditChainHead, AuditEntry

    def bad(seq, problem, entry=None) -> VerifyResult:
        return VerifyResult(False, checked, seq, str(problem),
                            entry.occurred_at if entry else None, entry.action if entry else "")

    checked = 0
    try:
        expected_seq, expected_prev = purge_boundary()
    except BrokenBoundary as exc:
        return bad(exc.entry.seq, _("清理记录缺少边界信息"), exc.entry)
    expected_seq += 1
    previous = None
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return bad(expected_seq, _("缺少审计记录（序号不连续）"))
        if entry.prev_hash != expected_prev:
            return bad(entry.seq, _("链接的上一条哈希不符"), entry)
        if not hmac.compare_digest(entry.hash, chain_hash(entry)):
            return bad(entry.seq, _("记录内容已被篡改"), entry)
        checked += 1
        previous = entry
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        return bad(last_seq + 1, _("链尾记录缺失"))
    if head_seq != last_seq or not hmac.compare_digest(head_hash, expected_prev):
        return bad(last_seq, _("链头与最后一条记录不符"), previous)
    return VerifyResult(True, checked)
