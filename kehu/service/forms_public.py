"""The forms of the public service page (SVC-8): filing a ticket and looking one up."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.core.validators.phone import validate_mobile
from kehu.org.forms import BootstrapForm
from kehu.service.models import TicketCategory
from kehu.service.public import PUBLIC_KINDS


class MobileField(forms.CharField):
    """A mainland mobile number in its canonical 11 digits (kehu/core/validators/phone.py)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                         **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return validate_mobile(value) if value else value


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TicketCategory) -> str:
        return obj.display_name


class ChallengeForm(BootstrapForm):
    """The spam checks every public form carries: the signed challenge and its answer, and a honeypot field
    people never see (a CSS class moves it off screen) and bots fill in."""

    challenge = forms.CharField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("验证题：图中算式的结果是多少？"), max_length=4,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                             help_text=_("请用阿拉伯数字填写，例如 12。"))
    website = forms.CharField(label=_("请勿填写此项"), required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def renew(self, token: str) -> None:
        """Show the form again with a new challenge and an empty answer (a question gets one answer)."""
        self.data = self.data.copy()  # a QueryDict: update() would append, item assignment replaces
        self.data["challenge"], self.data["answer"] = token, ""

    def clean_website(self):
        if self.cleaned_data["website"]:
            # The same words as any refused check: nothing tells a bot which trap it walked into.
            raise ValidationError(_("提交未通过校验，请按新的验证题重新提交。"), code="honeypot")
        return ""


class IntakeForm(ChallengeForm):
    kind = forms.ChoiceField(label=_("类型"), choices=[(kind.value, kind.label) for kind in PUBLIC_KINDS],
                             widget=forms.RadioSelect)
    category = CategoryField(label=_("问题分类"), queryset=TicketCategory.objects.none(), required=False,
                             empty_label=_("（不确定）"))
    company = forms.CharField(label=_("单位名称"), max_length=200, required=False)
    name = forms.CharField(label=_("您的姓名"), max_length=50)
    phone = MobileField(label=_("手机号码"), help_text=_("查询处理进度时需要填写此号码。"))
    email = forms.EmailField(label=_("电子邮箱"), required=False, max_length=254)
    product = forms.CharField(label=_("涉及产品"), max_length=100, required=False)
    description = forms.CharField(label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))

    field_order = ["kind", "category", "company", "name", "phone", "email", "product", "description", "website",
                   "challenge", "answer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = TicketCategory.objects.filter(active=True)


class LookupForm(ChallengeForm):
    number = forms.CharField(label=_("工单号"), max_length=20)
    phone = MobileField(label=_("提交时填写的手机号码"))

    field_order = ["number", "phone", "website", "challenge", "answer"]
