"""INFO-7 and REL-4: stale customer data, customers to contact again, first follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import Decision, elapsed_days
from kehu.policy.schemas import RemindersRules


@dataclass(frozen=True)
class DueDecision(Decision):
    due: bool
    days_left: int  # ≤ 0 when due
    interval_days: int


def _due(version: int, interval: int, since: dt.datetime, now: dt.datetime, what: str) -> DueDecision:
    left = interval - elapsed_days(since, now)
    if left <= 0:
        reason = _("%(what)s：已超过 %(days)s 天") % {"what": what, "days": interval}
    else:
        reason = _("%(what)s：还有 %(left)s 天到期（周期 %(days)s 天）") % {"what": what, "left": left, "days": interval}
    return DueDecision(policy_version=version, reason=reason, due=left <= 0, days_left=left, interval_days=interval)


def review_due(rules: RemindersRules, tier: str, last_reviewed: dt.datetime | None, now: dt.datetime, *,
               created_at: dt.datetime | None = None, version: int) -> DueDecision:
    """Is the customer's data due for review? Never reviewed counts from ``created_at``, or is due now."""
    interval = rules.review_interval(tier)
    since = last_reviewed or created_at
    if since is None:
        return DueDecision(policy_version=version, reason=_("资料从未复核"), due=True, days_left=0,
                           interval_days=interval)
    return _due(version, interval, since, now, _("资料复核"))


def recontact_due(rules: RemindersRules, last_contact_at: dt.datetime | None, received_at: dt.datetime,
                  now: dt.datetime, *, version: int) -> DueDecision:
    """REL-4: X days without contact (counted from the later of last contact and receipt) → recontact task."""
    since = max(received_at, last_contact_at) if last_contact_at else received_at
    return _due(version, rules.recontact_after_days, since, now, _("再次联系"))


def first_followup_due(rules: RemindersRules, created_at: dt.datetime, now: dt.datetime, *,
                       version: int) -> DueDecision:
    """REL-4: a new customer's first follow-up is due within Y days of creation."""
    return _due(version, rules.first_followup_within_days, created_at, now, _("首次跟进"))
