"""Writes on the audit log itself: the retention purge and the record of who read the log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditChainHead, AuditEntry

PURGE_BATCH = 5000


def purge_cutoff(now: dt.datetime) -> dt.datetime:
    """Rows older than this may go. Never less than the legal floor, whatever the setting says."""
    days = max(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_MIN_RETENTION_DAYS)
    return now - dt.timedelta(days=days)


@transaction.atomic
def audit_purge(*, now: dt.datetime) -> int:
    """Delete the start of the chain up to the last row older than the retention; return the count.

    Only a prefix of the chain goes (rows are cut at the first one still inside the retention,
    even if a later row carries an older time), and the entry recording the purge names the last
    row removed, so ``audit.verify`` can tell a purge from rows cut by someone else. The
    database's own trigger refuses any row younger than 180 days by the database clock; if the
    application clock is wrong, the purge fails whole rather than deleting part of what it meant.
    """
    cutoff = purge_cutoff(now)
    # Take the chain lock first so two purges (two workers) run one after the other.
    AuditChainHead.objects.select_for_update().get_or_create(id=1)
    first_seq, through_hash = audit.purge_boundary()
    first_kept = AuditEntry.objects.filter(occurred_at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    through_seq = (first_kept - 1) if first_kept is not None else last_seq
    count = 0
    if through_seq > first_seq:
        through_hash = AuditEntry.objects.values_list("hash", flat=True).get(seq=through_seq)
        for start in range(first_seq, through_seq, PURGE_BATCH):
            deleted, _ = AuditEntry.objects.filter(seq__gt=start, seq__lte=min(start + PURGE_BATCH, through_seq)).delete()
            count += deleted
    else:
        through_seq = first_seq
    audit.record(
        None,
        actions.AUDIT_PURGE,
        None,
        {"count": count, "through_seq": through_seq, "through_hash": through_hash, "cutoff": cutoff,
         "retention_days": settings.AUDIT_RETENTION_DAYS},
    )
    return count


@transaction.atomic
def audit_log_read(*, actor, filters: dict | None = None, entry: AuditEntry | None = None) -> None:
    """Reading the audit log is itself audited (SECURITY.md AUD-1): the filters of a search, or the
    entry opened. Called before the rows are shown, so a failing audit write means no rows."""
    if entry is not None:
        audit.record(actor, actions.AUDIT_SEARCH, entry, {"seq": entry.seq})
    else:
        audit.record(actor, actions.AUDIT_SEARCH, None, {"filters": filters or {}})
