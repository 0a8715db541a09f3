"""Forms of commitments, the handbook and the policy problem log: the fields' shapes; the rules are the
services' (the API runs the same checks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.org.forms import BootstrapForm
from kehu.service import handbook, problems

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitmentForm(BootstrapForm):
    content = forms.CharField(label=_("承诺内容"), widget=forms.Textarea(attrs={"rows": 3}))
    standard = forms.CharField(label=_("服务标准"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    response_hours = forms.IntegerField(label=_("响应时限（小时）"), required=False, min_value=1)
    resolution_hours = forms.IntegerField(label=_("解决时限（小时）"), required=False, min_value=1)
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE)
    valid_until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    signed_by = forms.CharField(label=_("签署人"), max_length=50, required=False)


class ArticleForm(BootstrapForm):
    title = forms.CharField(label=_("标题"), max_length=handbook.TITLE_MAX)
    problem = forms.CharField(label=_("问题"), widget=forms.Textarea(attrs={"rows": 4}))
    solution = forms.CharField(label=_("解决办法"), widget=forms.Textarea(attrs={"rows": 6}))
    keywords = forms.CharField(label=_("关键词"), max_length=handbook.KEYWORDS_MAX, required=False,
                               help_text=_("以空格或逗号分隔，用于推荐与搜索。"))
    categories = forms.ModelMultipleChoiceField(label=_("适用分类"), queryset=None, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    published = forms.BooleanField(label=_("发布"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = handbook.categories()
        self.fields["published"].widget.attrs["class"] = "form-check-input"


class ProblemForm(BootstrapForm):
    section = forms.ChoiceField(label=_("相关制度章节"), required=False)
    description = forms.CharField(label=_("问题描述"), max_length=problems.DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", _("（不确定）")), *problems.section_choices()]


class SolveForm(BootstrapForm):
    title = forms.CharField(label=_("手册条目标题"), max_length=handbook.TITLE_MAX, required=False,
                            help_text=_("不填则取问题描述的开头。"))
    solution = forms.CharField(label=_("解决办法"), widget=forms.Textarea(attrs={"rows": 3}))
    keywords = forms.CharField(label=_("关键词"), max_length=handbook.KEYWORDS_MAX, required=False)
    categories = forms.ModelMultipleChoiceField(label=_("适用分类"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = handbook.categories()


class DeclineForm(BootstrapForm):
    reason = forms.CharField(label=_("不予处理的理由"), max_length=500)
