"""The audit-log search filters, shared by the page (a form) and the API (query parameters)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.compliance import audit
from kehu.compliance.models import AuditEntry
from kehu.core.i18n import with_detail


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    result: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def __post_init__(self):
        # Times without an offset are read as China time, the time the page shows.
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and timezone.is_naive(value):
                object.__setattr__(self, name, timezone.make_aware(value, timezone.get_default_timezone()))

    def as_dict(self) -> dict:
        """The filters that were set, as recorded in the AUDIT_SEARCH entry."""
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}


def action_choices() -> list[tuple[str, str]]:
    return [("", _("全部动作"))] + [(code, with_detail(action.label, code)) for code, action in sorted(audit.ACTIONS.items())]


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("操作人账号"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("动作"), choices=action_choices, required=False)
    target_type = forms.CharField(label=_("对象类型"), max_length=64, required=False,
                                  help_text=_("例如 org.user"))
    target_id = forms.CharField(label=_("对象编号"), max_length=64, required=False)
    result = forms.ChoiceField(label=_("结果"), choices=[("", _("全部结果")), *AuditEntry.RESULT_CHOICES], required=False)
    since = forms.DateTimeField(label=_("开始时间"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    until = forms.DateTimeField(label=_("结束时间"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"

    def to_filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(**{name: data.get(name) or ("" if name not in ("since", "until") else None)
                               for name in AuditFilters.__dataclass_fields__})
