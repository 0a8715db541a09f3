"""CLS-5: customers that must have a resident representative (驻厂代表)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import Decision, yuan
from kehu.policy.schemas import ResourcesRules


@dataclass(frozen=True)
class ResidentRepDecision(Decision):
    required: bool
    missing: bool  # required and none assigned: to be flagged


def resident_rep_required(rules: ResourcesRules, tier: str, annual_sales: Decimal, has_resident_rep: bool, *,
                          version: int) -> ResidentRepDecision:
    limit = rules.resident_rep_min_annual_sales
    required = tier in rules.resident_rep_tiers and Decimal(annual_sales) >= limit
    if not required:
        reason = _("不要求驻厂代表")
    elif has_resident_rep:
        reason = _("年销售额不低于 %(limit)s，已配驻厂代表") % {"limit": yuan(limit)}
    else:
        reason = _("年销售额不低于 %(limit)s，须配驻厂代表但尚未配备") % {"limit": yuan(limit)}
    return ResidentRepDecision(policy_version=version, reason=reason, required=required,
                               missing=required and not has_resident_rep)
