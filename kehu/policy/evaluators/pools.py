"""OWN-3: when a customer returns to the public pool, and whether a user may claim one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from kehu.policy.evaluators.base import SHANGHAI, Decision, elapsed_days
from kehu.policy.schemas import PoolsRules

NO_FOLLOWUP, NO_OPPORTUNITY, NO_DEAL = "no_followup", "no_opportunity", "no_deal"
_LABELS = {
    NO_FOLLOWUP: N("%(days)s 天无跟进退回公海"),
    NO_OPPORTUNITY: N("%(days)s 天无商机退回公海"),
    NO_DEAL: N("%(days)s 天未成交退回公海"),
}


@dataclass(frozen=True)
class ReturnDecision(Decision):
    due: bool
    days_left: int | None  # None: this customer never returns automatically
    rule: str | None  # NO_FOLLOWUP / NO_OPPORTUNITY / NO_DEAL: the rule that comes due first
    warn: bool  # within the warning period before the return


def _label(rule: str, days: int) -> str:
    return _(_LABELS[rule]) % {"days": days}


def return_due(rules: PoolsRules, tier: str, last_followup_at: dt.datetime | None, received_at: dt.datetime,
               locked: bool, now: dt.datetime, *, last_opportunity_at: dt.datetime | None = None,
               last_deal_at: dt.datetime | None = None, won: bool = False, version: int) -> ReturnDecision:
    """Days count from the later of the event (follow-up, opportunity, deal) and the time the owner
    received the customer. With N = 30, day 29 stays and day 30 returns. ``won``: the customer has a
    deal whose date is not known (its stage says 成交 while deals are not recorded): the no-deal rule
    is met."""
    def never(reason: str) -> ReturnDecision:
        return ReturnDecision(policy_version=version, reason=reason, due=False, days_left=None, rule=None, warn=False)

    if locked:
        return never(_("客户已锁定，不自动退回公海"))
    if tier in rules.never_return_tiers:
        return never(_("该等级客户不自动退回公海"))
    rule = rules.rule_for(tier)
    candidates = []
    for name, limit, last in ((NO_FOLLOWUP, rule.no_followup_days, last_followup_at),
                              (NO_OPPORTUNITY, rule.no_opportunity_days, last_opportunity_at),
                              (NO_DEAL, rule.no_deal_days, last_deal_at)):
        if limit is None or (name == NO_DEAL and won and last is None):
            continue
        anchor = max(received_at, last) if last else received_at
        candidates.append((limit - elapsed_days(anchor, now), name, limit))
    if not candidates:
        return never(_("该等级没有退回公海的规则"))
    days_left, name, limit = min(candidates)
    if days_left <= 0:
        reason = _("已满足“%(rule)s”") % {"rule": _label(name, limit)}
    else:
        reason = _("还有 %(left)s 天满足“%(rule)s”") % {"left": days_left, "rule": _label(name, limit)}
    return ReturnDecision(policy_version=version, reason=reason, due=days_left <= 0, days_left=days_left,
                          rule=name, warn=0 < days_left <= rules.warn_days_before)


HOLDING_CAP, DAILY_CAP, COOLDOWN = "holding_cap", "daily_claim_cap", "reclaim_cooldown"


@dataclass(frozen=True)
class ClaimDecision(Decision):
    allowed: bool
    rule: str | None  # the rule that refused, None when allowed


def claim_allowed(rules: PoolsRules, holding: int, holding_won: int, claimed_today: int,
                  released_at: dt.datetime | None, now: dt.datetime, *, version: int) -> ClaimDecision:
    """May a user claim one more customer from the pool? ``holding`` counts the customers they own
    now, ``holding_won`` how many of those are won (counted only if the policy says so),
    ``released_at`` when this user last lost this very customer (None if never)."""
    def refuse(rule: str, reason: str) -> ClaimDecision:
        return ClaimDecision(policy_version=version, reason=reason, allowed=False, rule=rule)

    if released_at is not None:
        waited = elapsed_days(released_at, now)
        if waited < rules.reclaim_cooldown_days:
            again = released_at.astimezone(SHANGHAI).date() + dt.timedelta(days=rules.reclaim_cooldown_days)
            values = {"ago": waited, "date": f"{again:%m-%d}", "days": rules.reclaim_cooldown_days}
            if waited == 0:
                return refuse(COOLDOWN, _("您今天刚退回了该客户，%(date)s 起可重新领取（冷却期 %(days)s 天）。") % values)
            return refuse(COOLDOWN, _("您 %(ago)s 天前退回了该客户，%(date)s 起可重新领取（冷却期 %(days)s 天）。") % values)
    if claimed_today >= rules.daily_claim_cap:
        return refuse(DAILY_CAP, _("您今天已领取 %(n)s/%(cap)s 个客户，达到每日领取上限，明天可再领取。") % {
            "n": claimed_today, "cap": rules.daily_claim_cap})
    counted = holding if rules.holding_cap_counts_won else holding - holding_won
    if counted >= rules.holding_cap:
        return refuse(HOLDING_CAP, _("您已持有 %(n)s/%(cap)s 个客户，达到持有上限，请先跟进或退回部分客户。") % {
            "n": counted, "cap": rules.holding_cap})
    return ClaimDecision(policy_version=version, reason=_("可以领取"), allowed=True, rule=None)
