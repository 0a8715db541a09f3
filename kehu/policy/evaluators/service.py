"""SVC-2, SVC-5: a new ticket's priority from the customer's tier and the severity, and whether it is handled
first and responsibility settled later. Pure: no database.

The severity gives a base priority (``priority_by_severity``); the customer's tier raises it by
``tier_raise`` steps, never above urgent, so a strategic customer's ordinary complaint outranks anyone
else's of the same severity. The queue then puts the ``strategic_tiers`` first whatever the priority.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from kehu.policy.evaluators.base import Decision
from kehu.policy.schemas import PRIORITIES, ServiceRules

# Severities of kehu.service.models.Severity that are "major" (重大) or worse: SVC-5 handles first only
# what is not. Kept here as codes so the evaluator needs no model import.
MAJOR_SEVERITIES = ("critical", "major")
QUALITY = "quality"
_PRIORITY_NAMES = {"urgent": N("紧急"), "high": N("高"), "medium": N("中"), "low": N("低")}
_SEVERITY_NAMES = {"critical": N("特别重大"), "major": N("重大"), "normal": N("一般"), "minor": N("轻微")}


@dataclass(frozen=True)
class PriorityDecision(Decision):
    priority: str
    strategic: bool  # the tier is one of the queue's first tiers


def _name(names: dict[str, str], code: str) -> str:
    return _(names[code]) if code in names else code


def priority(rules: ServiceRules, tier: str, severity: str, *, version: int, tier_name: str = "") -> PriorityDecision:
    """The priority of a ticket of ``severity`` from a customer of ``tier`` ("" when there is no customer);
    ``tier_name`` names the tier in the reason (default: its code)."""
    if severity not in _SEVERITY_NAMES:
        raise ValueError(f"unknown severity {severity!r}")
    base = getattr(rules.priority_by_severity, severity)
    steps = rules.tier_raise.get(tier, 0) if tier else 0
    raised = PRIORITIES[max(PRIORITIES.index(base) - steps, 0)]  # PRIORITIES runs from urgent down
    strategic = bool(tier) and tier in rules.strategic_tiers
    values = {"severity": _name(_SEVERITY_NAMES, severity), "base": _name(_PRIORITY_NAMES, base),
              "priority": _name(_PRIORITY_NAMES, raised), "tier": tier_name or tier}
    if raised != base:
        reason = _("严重程度“%(severity)s”为%(base)s优先级，客户等级 %(tier)s 提高为%(priority)s") % values
    elif steps:
        reason = _("严重程度“%(severity)s”为%(priority)s优先级，已是最高") % values
    else:
        reason = _("严重程度“%(severity)s”为%(priority)s优先级") % values
    return PriorityDecision(policy_version=version, reason=reason, priority=raised, strategic=strategic)


def handle_first(rules: ServiceRules, tier: str, kind: str, severity: str, *, version: int,
                 tier_name: str = "") -> Decision | None:
    """先处理后分清责任 (SVC-5): a quality issue short of major, from a customer of one of
    ``handle_first_tiers``, is handled before responsibility is settled. None when it does not apply."""
    if kind != QUALITY or severity in MAJOR_SEVERITIES or not tier or tier not in rules.handle_first_tiers:
        return None
    return Decision(policy_version=version, reason=_("%(tier)s 等级客户的非重大质量问题：先处理，后分清责任") % {
        "tier": tier_name or tier})
