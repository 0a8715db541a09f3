"""Investor suitability (适当性管理, 《证券期货投资者适当性管理办法》): may a product of risk Rn be
offered to an investor of risk-tolerance level Cm?

The matching is the regulation's, not a company choice, so it takes no policy section: R1 低风险 suits
every level, R2 中低风险 C2 and above, R3 中等风险 C3 and above, R4 中高风险 C4 and above, R5 高风险 C5
only. Above the investor's level the institution may not recommend (推介) the product; an ordinary
investor who asks for it on their own may buy it only after a special written risk warning, except
the lowest category (风险承受能力最低类别), who may not buy it at all. Kehu treats every C1 investor
as the lowest category — the strict reading; an investor without an assessment gets nothing offered.
Pure: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

CUSTOMER_LEVELS = ("C1", "C2", "C3", "C4", "C5")
PRODUCT_RISKS = ("R1", "R2", "R3", "R4", "R5")
LEVEL_NAMES = {"C1": N("保守型"), "C2": N("谨慎型"), "C3": N("稳健型"), "C4": N("积极型"), "C5": N("激进型")}
RISK_NAMES = {"R1": N("低风险"), "R2": N("中低风险"), "R3": N("中等风险"), "R4": N("中高风险"), "R5": N("高风险")}
LOWEST_CATEGORY = "C1"

MATCH, WARN, REFUSE, NOT_ASSESSED = "match", "warn", "refuse", "not_assessed"


@dataclass(frozen=True)
class SuitabilityDecision:
    customer_level: str | None
    product_risk: str
    outcome: str  # match / warn (only on the investor's own request, after a written warning) / refuse / not_assessed
    may_offer: bool  # the salesperson may recommend and sell it
    may_sell_on_request: bool  # may be sold if the investor insists, after the special written warning
    reason: str


def level_label(level: str) -> str:
    return f"{level} {_(LEVEL_NAMES[level])}"


def risk_label(risk: str) -> str:
    return f"{risk} {_(RISK_NAMES[risk])}"


def evaluate(*, customer_level: str | None, product_risk: str) -> SuitabilityDecision:
    if product_risk not in PRODUCT_RISKS:
        raise ValueError(f"product risk must be one of {PRODUCT_RISKS}, not {product_risk!r}")
    product = risk_label(product_risk)
    if customer_level not in CUSTOMER_LEVELS:
        return SuitabilityDecision(None, product_risk, NOT_ASSESSED, False, False,
                                   _("客户尚未完成风险承受能力评估（或等级无效），不得向其推介或销售%(product)s产品。")
                                   % {"product": product})
    investor = level_label(customer_level)
    if PRODUCT_RISKS.index(product_risk) <= CUSTOMER_LEVELS.index(customer_level):
        return SuitabilityDecision(customer_level, product_risk, MATCH, True, True,
                                   _("适当：%(product)s产品不高于%(investor)s投资者的风险承受能力，可以推介。")
                                   % {"product": product, "investor": investor})
    if customer_level == LOWEST_CATEGORY:
        return SuitabilityDecision(customer_level, product_risk, REFUSE, False, False,
                                   _("不适当：%(investor)s属于风险承受能力最低类别，不得推介或销售高于其承受能力的"
                                     "%(product)s产品，客户主动要求也不可以。") % {"product": product, "investor": investor})
    return SuitabilityDecision(customer_level, product_risk, WARN, False, True,
                               _("不适当：%(product)s产品高于%(investor)s投资者的风险承受能力，不得推介；客户主动要求购买的，"
                                 "须先作特别的书面风险警示，客户仍坚持购买方可销售。")
                               % {"product": product, "investor": investor})
