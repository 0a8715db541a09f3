"""Forms of the policy pages. Rule checks live in the schemas and services; these only parse input."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kehu.org.models import Department, User
from kehu.policy import schemas


class VersionEditForm(forms.Form):
    """One JSON textarea per rules section, plus the effective time and the summary of changes."""

    effective_from = forms.DateTimeField(
        label=_lazy("生效时间"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"},
                                   format="%Y-%m-%dT%H:%M"))
    summary = forms.CharField(label=_lazy("修订说明"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))

    def __init__(self, *args, version=None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if version is not None:
            initial.setdefault("effective_from", version.effective_from)
            initial.setdefault("summary", version.summary)
            for name in schemas.SECTIONS:
                initial.setdefault(name, json.dumps(version.rules.get(name, {}), ensure_ascii=False, indent=2))
        super().__init__(*args, initial=initial, **kwargs)
        for name in schemas.SECTIONS:
            self.fields[name] = forms.CharField(
                label=schemas.section_label(name),
                widget=forms.Textarea(attrs={"rows": 8, "class": "form-control font-monospace",
                                             "spellcheck": "false"}))

    def clean(self):
        data = super().clean()
        for name in schemas.SECTIONS:
            text = data.get(name)
            if text is None:
                continue
            try:
                data[name] = json.loads(text)
            except json.JSONDecodeError as exc:
                self.add_error(name, _("%(section)s: JSON 格式错误（第 %(line)s 行第 %(col)s 列）：%(msg)s") % {
                    "section": name, "line": exc.lineno, "col": exc.colno, "msg": exc.msg})
        return data

    def rules(self) -> dict:
        return {name: self.cleaned_data[name] for name in schemas.SECTIONS}

    def add_rule_errors(self, errors: list[dict]) -> None:
        """Put each rules error (dotted path + message) next to its section's textarea."""
        for error in errors:
            section = error["field"].split(".", 1)[0]
            target = section if section in schemas.SECTIONS else None
            self.add_error(target, f"{error['field']}: {error['message']}")


class RejectForm(forms.Form):
    reason = forms.CharField(label=_lazy("退回理由"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class ResponsibilityForm(forms.Form):
    area = forms.ChoiceField(label=_lazy("制度领域"), widget=forms.Select(attrs={"class": "form-select"}))
    department = forms.ModelChoiceField(label=_lazy("责任部门"), queryset=Department.objects.none(),
                                        widget=forms.Select(attrs={"class": "form-select"}))
    person = forms.ModelChoiceField(label=_lazy("责任人"), queryset=User.objects.none(), required=False,
                                    widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(name, schemas.section_label(name)) for name in schemas.SECTIONS]
        self.fields["department"].queryset = Department.objects.filter(is_active=True).select_related("company")
        self.fields["person"].queryset = User.objects.filter(is_active=True).order_by("full_name")
