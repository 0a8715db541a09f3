"""CLS-1: which tier a customer belongs to under the active tier scheme."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import Decision, yuan
from kehu.policy.schemas import Tier, TiersRules


@dataclass(frozen=True)
class TierDecision(Decision):
    tier: str
    tier_name: str


def _match(tier: Tier, annual_sales: Decimal, revenue_share: Decimal, designated: bool, has_deal: bool) -> str | None:
    """The reason ``tier`` applies, or None. Sales thresholds are inclusive (≥), shares strict (>)."""
    if tier.designatable and designated:
        return _("经审批指定为%(tier)s") % {"tier": tier.display_name}
    if tier.min_revenue_share_percent is not None and revenue_share > tier.min_revenue_share_percent:
        return _("占公司收入 %(share)s%% 高于 %(limit)s%%") % {
            "share": revenue_share.normalize(), "limit": tier.min_revenue_share_percent.normalize()}
    if tier.min_annual_sales is not None and annual_sales >= tier.min_annual_sales:
        return _("年销售额 %(sales)s 不低于 %(limit)s") % {
            "sales": yuan(annual_sales), "limit": yuan(tier.min_annual_sales)}
    if tier.is_fallback and (has_deal or not tier.requires_deal):
        return _("已成交，未达到更高等级的标准") if has_deal else _("尚未成交")
    return None


def classify(rules: TiersRules, annual_sales: Decimal, revenue_share: Decimal, designated_strategic: bool = False,
             *, has_deal: bool | None = None, version: int) -> TierDecision:
    """``revenue_share`` is the customer's share of company revenue in percent (5.2 means 5.2 %).
    ``designated_strategic``: an approved designation, honoured by the scheme's designatable tier.
    ``has_deal`` defaults to "annual sales above zero"."""
    annual_sales, revenue_share = Decimal(annual_sales), Decimal(revenue_share)
    deal = annual_sales > 0 if has_deal is None else has_deal
    for tier in rules.active.tiers:
        reason = _match(tier, annual_sales, revenue_share, designated_strategic, deal)
        if reason is not None:
            return TierDecision(policy_version=version, reason=reason, tier=tier.code, tier_name=tier.name_zh)
    # The schema guarantees a last tier that takes everyone; reaching here means it was bypassed.
    raise ValueError("tier scheme without a fallback tier")
