"""The follow-up form (REL-1): one column on a phone, the same checks as the API (in the service)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.engagement.models import FollowUp
from kehu.org.forms import BootstrapForm

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class FollowUpForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("方式"), choices=FollowUp._meta.get_field("kind").choices)
    contact = forms.ModelChoiceField(label=_("联系人"), queryset=None, required=False, empty_label=_("（不指定）"))
    happened_at = forms.DateTimeField(
        label=_("跟进时间"), input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE))
    content = forms.CharField(label=_("跟进内容"), widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.CharField(label=_("结果"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("下一步"), max_length=200, required=False)
    next_date = forms.DateField(label=_("下次跟进日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                help_text=_("填写后生成一条到期提醒的待办。"))

    def __init__(self, *args, contacts, **kwargs):
        kwargs.setdefault("initial", {"happened_at": timezone.localtime(clock.now()).replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
