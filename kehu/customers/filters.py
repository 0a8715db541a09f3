"""The list page's filter bar: GET parameters (no personal information: the search text is POSTed, WEB-7)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.core.industries import INDUSTRY_CHOICES
from kehu.customers.models import Stage
from kehu.customers.selectors import SORTS, CustomerFilters

SORT_CHOICES = [("", "")] + [(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS]


class CustomerFilterForm(forms.Form):
    tier = forms.CharField(label=_("客户等级"), max_length=20, required=False)
    stage = forms.ChoiceField(label=_("阶段"), choices=[("", _("全部阶段")), *Stage.choices], required=False)
    owner = forms.IntegerField(label=_("负责人"), required=False, min_value=1)
    province = forms.CharField(label=_("省"), max_length=12, required=False)
    city = forms.CharField(label=_("市"), max_length=12, required=False)
    district = forms.CharField(label=_("区县"), max_length=12, required=False)
    industry = forms.ChoiceField(label=_("行业"), choices=[("", _("全部行业")), *INDUSTRY_CHOICES], required=False)
    tag = forms.CharField(label=_("标签"), max_length=30, required=False)
    last_contact_after = forms.DateField(label=_("最近联系不早于"), required=False)
    last_contact_before = forms.DateField(label=_("最近联系早于"), required=False)
    stale = forms.TypedChoiceField(label=_("资料待核实"), choices=[("", ""), ("0", ""), ("1", "")], required=False,
                                   coerce=lambda value: value == "1", empty_value=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def filters(self, q: str = "") -> CustomerFilters:
        """The valid part of the filters (an invalid value is dropped, and shown as an error by the form)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors and k != "page"}
        return CustomerFilters(q=q, **{k: v for k, v in data.items() if v not in (None, "")})


class PoolFilterForm(forms.Form):
    """The pool page's filters (OWN-3): what a salesperson picks customers by."""

    tier = forms.CharField(label=_("客户等级"), max_length=20, required=False)
    industry = forms.ChoiceField(label=_("行业"), choices=[("", _("全部行业")), *INDUSTRY_CHOICES], required=False)
    province = forms.CharField(label=_("省"), max_length=12, required=False)

    def filters(self) -> dict:
        """The valid, non-empty filters as field lookups."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
