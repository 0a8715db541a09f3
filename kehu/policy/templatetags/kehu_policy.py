"""Names from the policy in force, for templates: {% load kehu_policy %} {% tier_name customer.tier %}."""

from __future__ import annotations

from django import template

from kehu.policy.selectors import tier_names

register = template.Library()


@register.simple_tag(takes_context=True)
def tier_name(context, code: str) -> str:
    """The tier's name in the reader's language from the tier scheme in force (战略客户, not ``strategic``).
    The policy is read once per request however many rows a list shows."""
    request = context.get("request")
    names = getattr(request, "_kehu_tier_names", None)
    if names is None:
        names = tier_names()
        if request is not None:
            request._kehu_tier_names = names
    return names.get(code, code)
