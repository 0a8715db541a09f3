"""OWN-6: a user's day of customer views, reveals or exports far above their own recent level.

Unusual means both: more than ``exfiltration_multiplier`` × the median of the user's daily counts over
the ``exfiltration_baseline_days`` days before, AND more than ``exfiltration_min_count``. Days without
any activity count as 0 (a quiet colleague's median is 0), so a new account is judged by the floor alone.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import Decision
from kehu.policy.schemas import MonitoringRules


@dataclass(frozen=True)
class AccessDecision(Decision):
    unusual: bool
    count: int
    median: Decimal
    threshold: Decimal  # the count must be above this (the larger of multiplier × median and the floor)


def daily_median(history: Sequence[int], days: int) -> Decimal:
    """The median of the last ``days`` daily counts, days missing from ``history`` (the oldest) taken as 0."""
    recent = list(history)[-days:]
    padded = [0] * (days - len(recent)) + recent
    return Decimal(str(statistics.median(padded)))


def unusual_access(rules: MonitoringRules, count: int, history: Sequence[int], *, version: int) -> AccessDecision:
    """``count``: the day's views, reveals or exported rows; ``history``: the daily counts of the days before,
    oldest first (at most ``exfiltration_baseline_days`` are read)."""
    median = daily_median(history, rules.exfiltration_baseline_days)
    threshold = max(rules.exfiltration_multiplier * median, Decimal(rules.exfiltration_min_count))
    unusual = count > rules.exfiltration_multiplier * median and count > rules.exfiltration_min_count
    facts = {"count": count, "median": _number(median), "times": _number(rules.exfiltration_multiplier),
             "days": rules.exfiltration_baseline_days, "floor": rules.exfiltration_min_count}
    if unusual:
        reason = _("当日 %(count)s 次，高于本人近 %(days)s 天日中位数 %(median)s 的 %(times)s 倍且高于 %(floor)s 次") % facts
    else:
        reason = _("当日 %(count)s 次，未同时超过本人近 %(days)s 天日中位数 %(median)s 的 %(times)s 倍和 %(floor)s 次") % facts
    return AccessDecision(policy_version=version, reason=reason, unusual=unusual, count=count,
                          median=median, threshold=threshold)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"
