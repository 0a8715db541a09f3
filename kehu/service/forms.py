"""Forms of the service pages (SVC-1..6). They only shape input; the rules live in services.py, whose
DomainError lands back here as an error on the field it names (``kehu.org.forms.add_domain_error``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import NotFound
from kehu.core.i18n import join_list
from kehu.customers import selectors as customer_selectors
from kehu.org.forms import BootstrapForm, DepartmentChoiceField, UserChoiceField
from kehu.org.models import Department, User
from kehu.service import permissions as perms
from kehu.service.models import Channel, Priority, Severity, SlaState, Status, TicketCategory, TicketKind
from kehu.service.selectors import ALL_STATUSES, NONE


def active_users():
    return User.objects.filter(is_active=True).order_by("employee_no")


def teams():
    return Department.objects.filter(is_active=True).select_related("company").order_by("path")


def _any(label) -> list:
    return [("", label)]


def _categories() -> list:
    return [*_any(_("全部分类")), (NONE, _("（未分类）")),
            *((str(category.pk), category.display_name) for category in TicketCategory.objects.all())]


class QueueFilterForm(forms.Form):
    """The queue's filters: all PI-free, so they live in the URL (the search text does not: WEB-7)."""

    team = DepartmentChoiceField(label=_("处理团队"), queryset=teams(), required=False, empty_label=_("全部团队"))
    # Empty: every open status (selectors.queue's default), the list an agent works from.
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[*_any(_("未关闭")), *Status.choices, (ALL_STATUSES, _("全部状态"))])
    category = forms.ChoiceField(label=_("分类"), required=False, choices=_categories)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=_any(_("全部类型")) + TicketKind.choices)
    priority = forms.ChoiceField(label=_("优先级"), required=False, choices=_any(_("全部优先级")) + Priority.choices)
    sla_state = forms.ChoiceField(label=_("时限状态"), required=False, choices=_any(_("全部")) + SlaState.choices)
    mine = forms.BooleanField(label=_("只看我负责的"), required=False)
    # Set by the analysis pages' drill-down links (kehu/service/analysis.py queue_link), kept as the filters change.
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)
    responsible = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rated = forms.ChoiceField(required=False, choices=[("", ""), ("no", "no")], widget=forms.HiddenInput)

    DRILL_DOWN = ("customer", "product", "responsible", "rated")

    def drill_down(self) -> str:
        """What the hidden drill-down filters in force select, for the line above the list ("" for none)."""
        data = getattr(self, "cleaned_data", {})
        labels = {"customer": _("指定客户"), "responsible": _("指定责任人"), "rated": _("待回访评价")}
        return join_list(_("产品：%(product)s") % {"product": data[name]} if name == "product" else labels[name]
                         for name in self.DRILL_DOWN if data.get(name))

    def without_drill_down(self) -> str:
        """The query string of the visible filters alone (the drill-down line's "clear" link)."""
        kept = self.data.copy()
        for name in (*self.DRILL_DOWN, "page"):
            kept.pop(name, None)
        return kept.urlencode()

    def filters(self) -> dict:
        """The keyword arguments of ``selectors.queue`` (the form has been validated)."""
        data = self.cleaned_data
        return {"team": data.get("team"), "status": data.get("status") or None, "kind": data.get("kind") or None,
                "priority": data.get("priority") or None, "sla_state": data.get("sla_state") or None,
                "mine": bool(data.get("mine")), "category": data.get("category") or None,
                "customer": data.get("customer"), "product": data.get("product") or "",
                "responsible": data.get("responsible"), "rated": data.get("rated") or ""}


class TicketForm(BootstrapForm):
    """A ticket entered by staff, from any channel (SVC-1). The customer is picked among those the user may
    see (``customer`` holds its id; the page's search fills the choices); the contact must be the customer's."""

    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    kind = forms.ChoiceField(label=_("类型"), choices=TicketKind.choices, initial=TicketKind.COMPLAINT)
    category = forms.ModelChoiceField(label=_("分类"), queryset=TicketCategory.objects.filter(active=True),
                                      required=False, empty_label=_("（未分类）"))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.NORMAL)
    product = forms.CharField(label=_("产品"), max_length=100, required=False)
    customer = forms.IntegerField(label=_("客户"), required=False, widget=forms.HiddenInput)
    contact = forms.IntegerField(label=_("联系人"), required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("反映人"), max_length=50, required=False)
    reporter_company = forms.CharField(label=_("反映人单位"), max_length=200, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    reporter_email = forms.EmailField(label=_("电子邮箱"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 5}))

    responsible = UserChoiceField(label=_("责任人"), queryset=active_users(), required=False,
                                  empty_label=_("（按分类或客户自动分派）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_permission(perms.TICKET_ASSIGN):
            del self.fields["responsible"]  # routed by category and customer (services.ticket_open)

    def clean_customer(self):
        pk = self.cleaned_data.get("customer")
        if pk is None:
            return None
        try:
            return customer_selectors.customer_for(self.user, pk)
        except NotFound:
            raise forms.ValidationError(_("客户不存在，或不在您的数据范围内。"), code="customer_not_found") from None

    def clean(self):
        data = super().clean()
        customer, contact_pk = data.get("customer"), data.get("contact")
        data["contact"] = None
        if contact_pk is not None and customer is not None:
            try:
                data["contact"] = customer_selectors.contact_for(self.user, customer.pk, contact_pk)
            except NotFound:
                self.add_error("contact", _("联系人不属于所选客户。"))
        return data

    def service_fields(self) -> dict:
        """The keyword arguments of ``services.ticket_open`` besides the actor."""
        return dict(self.cleaned_data)


class TicketEditForm(BootstrapForm):
    """Correct what was registered (``services.ticket_update``): a new severity gives a new priority."""

    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ModelChoiceField(label=_("分类"), queryset=TicketCategory.objects.filter(active=True),
                                      required=False, empty_label=_("（未分类）"))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    product = forms.CharField(label=_("产品"), max_length=100, required=False)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}))

    @classmethod
    def initial_of(cls, ticket) -> dict:
        return {name: getattr(ticket, name) for name in cls.base_fields}


class AssignForm(BootstrapForm):
    responsible = UserChoiceField(label=_("责任人"), queryset=active_users())
    note = forms.CharField(label=_("处理说明"), max_length=500, required=False)


class NoteForm(BootstrapForm):
    """Respond, start, wait, resume, close, reopen: what happened, in a sentence (required to respond)."""

    note = forms.CharField(label=_("处理说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, note_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = note_required


class ResolveForm(BootstrapForm):
    cause = forms.CharField(label=_("原因分析"), widget=forms.Textarea(attrs={"rows": 3}))
    solution = forms.CharField(label=_("解决方案"), widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("处理说明"), required=False, max_length=500)


class FeedbackForm(BootstrapForm):
    feedback = forms.CharField(label=_("反馈客户内容"), widget=forms.Textarea(attrs={"rows": 3}))


class CategoryForm(BootstrapForm):
    code = forms.SlugField(label=_("编码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=50)
    name_en = forms.CharField(label=_("英文名称"), max_length=80, required=False)
    kind = forms.ChoiceField(label=_("默认类型"), required=False, choices=_any(_("（不限）")) + TicketKind.choices)
    team = DepartmentChoiceField(label=_("处理团队"), queryset=teams(), required=False, empty_label=_("（按客户）"))
    default_handler = UserChoiceField(label=_("默认处理人"), queryset=active_users(), required=False,
                                      empty_label=_("（客户负责人）"))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    position = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["active"].widget.attrs["class"] = "form-check-input"  # not BootstrapForm's form-control

    @classmethod
    def of(cls, category: TicketCategory) -> CategoryForm:
        return cls(initial={name: getattr(category, name) for name in cls.base_fields})
