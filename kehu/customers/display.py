"""How a customer reads on a page: region and industry names, choice lists for the filter bar."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.core.errors import NotFound
from kehu.core.industries import industry_label


def region_name(customer) -> str:
    code = customer.district or customer.city or customer.province
    if not code:
        return ""
    try:
        return regions.region(code).full_name
    except NotFound:
        return code


def industry_name(customer) -> str:
    return industry_label(customer.industry) if customer.industry else ""


def field_value(customer, field: str) -> str:
    """One field as a reader sees it: choice labels, region and industry names, protected values masked."""
    value = getattr(customer, field)
    if value in (None, ""):
        return ""
    if field in ("province", "city", "district"):
        try:
            return regions.region(value).name
        except NotFound:
            return value
    if field == "industry":
        return industry_name(customer)
    display = getattr(customer, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    return str(value)  # a ProtectedValue's str() is its masked form


def field_text(obj, name: str, form_field, initial=None) -> str:
    """A field the reader may not change, as text on a form: protected values masked, choices and
    regions by their names. ``obj`` None (a new record): the form's initial value."""
    if obj is None:
        value = initial if initial is not None else form_field.initial
    elif name == "tags":
        return "、".join(tag.name for tag in obj.tags.all())
    else:
        value = getattr(obj, name)
        if hasattr(value, "masked"):
            return value.masked() if value else ""
    if value in ("", None):
        return ""
    if name in ("province", "city", "district"):
        try:
            return regions.region(value).name
        except NotFound:
            return str(value)
    choices = dict(getattr(form_field, "choices", ()) or ())
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    return str(choices.get(value, value))
