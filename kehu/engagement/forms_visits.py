"""The visit form (REL-2): one column, large fields, usable from a phone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.engagement.models import IntelKind
from kehu.engagement.services import CONTENT_MAX
from kehu.org.forms import BootstrapForm

# One text box per kind of intelligence: each filled one becomes a typed row that reports count.
INTEL_FIELDS = {kind: f"intel_{kind}" for kind in IntelKind.values}


class VisitForm(BootstrapForm):
    # ISO format whatever the language: a date input only takes YYYY-MM-DD.
    visited_on = forms.DateField(label=_("拜访日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    content = forms.CharField(label=_("拜访内容"), max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    attendees = forms.TypedMultipleChoiceField(label=_("我方其他参加人"), coerce=int, required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 5}))
    customer_attendees = forms.CharField(label=_("客户方参加人"), max_length=300, required=False)
    feedback = forms.CharField(label=_("客户反馈"), max_length=5000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, colleagues, **kwargs):
        kwargs.setdefault("initial", {"visited_on": clock.today()})
        super().__init__(*args, **kwargs)
        self.colleagues = {user.pk: user for user in colleagues}
        self.fields["attendees"].choices = [(user.pk, str(user)) for user in colleagues]
        for kind, name in INTEL_FIELDS.items():
            self.fields[name] = forms.CharField(label=IntelKind(kind).label, max_length=2000, required=False,
                                                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def clean_attendees(self):
        return [self.colleagues[pk] for pk in self.cleaned_data["attendees"]]

    def intel(self) -> list[tuple[str, str]]:
        return [(kind, self.cleaned_data[name]) for kind, name in INTEL_FIELDS.items() if self.cleaned_data.get(name)]
