"""Forms of the organisation pages. They only shape input; the rules live in services.py, whose
DomainError lands back here as an error on the field it names (``add_domain_error``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.errors import DomainError
from kehu.core.i18n import with_detail
from kehu.org import permissions as p
from kehu.org.models import Company, Department, Role, User
from kehu.org.selectors import STATUS_ACTIVE, STATUS_DISABLED


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


class BootstrapForm(forms.Form):
    """Gives each widget its Bootstrap 5 class, so templates render fields without per-field markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        # Indented by depth so the tree reads in a plain <select>, which works on any phone.
        return '　' * obj.depth + with_detail(obj.name, obj.company)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _("%(name)s（%(username)s，%(employee_no)s）") % {
            "name": obj.full_name, "username": obj.username, "employee_no": obj.employee_no}


def _active_users():
    return User.objects.filter(is_active=True).order_by("employee_no")


def _departments():
    return Department.objects.select_related("company").order_by("path")


class CompanyForm(BootstrapForm):
    name = forms.CharField(label=_("公司名称"), max_length=200)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    parent = forms.ModelChoiceField(label=_("上级公司"), queryset=Company.objects.filter(parent__isnull=True),
                                    required=False, empty_label=_("（无：本公司即集团）"))


class DepartmentForm(BootstrapForm):
    company = forms.ModelChoiceField(label=_("公司"), queryset=Company.objects.order_by("id"))
    name = forms.CharField(label=_("部门名称"), max_length=100)
    code = forms.SlugField(label=_("部门编码"), max_length=50, required=False)
    parent = DepartmentChoiceField(label=_("上级部门"), queryset=_departments(), required=False,
                                   empty_label=_("（无：公司下的一级部门）"))
    head = UserChoiceField(label=_("部门负责人"), queryset=_active_users(), required=False)

    def __init__(self, *args, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if department is not None:
            # The company of an existing department is fixed; it moves only within it, never under itself.
            del self.fields["company"]
            self.fields["parent"].queryset = _departments().filter(company=department.company).exclude(
                path__startswith=department.path)

    def clean(self):
        data = super().clean()
        parent, company = data.get("parent"), data.get("company")
        if parent is not None and company is not None and parent.company_id != company.pk:
            self.add_error("parent", _("上级部门：只能选择同一公司内的部门。"))
        return data


class UserEditForm(BootstrapForm):
    full_name = forms.CharField(label=_("姓名"), max_length=100)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    department = DepartmentChoiceField(label=_("部门"), queryset=_departments())
    manager = UserChoiceField(label=_("直属上级"), queryset=_active_users(), required=False)

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["manager"].queryset = _active_users().exclude(pk=user.pk)


class UserCreateForm(UserEditForm):
    GENERATE, CHOOSE = "generate", "choose"

    username = forms.CharField(label=_("用户名"), max_length=150,
                               help_text=_("英文字母、数字和 @/./+/-/_；不区分大小写，不能与他人重复。"))
    employee_no = forms.CharField(label=_("工号"), max_length=32)
    password_mode = forms.ChoiceField(
        label=_("初始密码"), widget=forms.RadioSelect, initial=GENERATE,
        choices=[(GENERATE, _("随机生成（仅显示一次）")), (CHOOSE, _("由我设置"))],
    )
    password = forms.CharField(label=_("密码"), required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("选择“由我设置”时填写；用户首次登录须修改。"))

    field_order = ["username", "full_name", "employee_no", "email", "department", "manager", "password_mode",
                   "password"]

    def clean(self):
        data = super().clean()
        if data.get("password_mode") == self.CHOOSE and not data.get("password"):
            self.add_error("password", _("密码：选择“由我设置”时必须填写密码。"))
        if data.get("password_mode") == self.GENERATE:
            data["password"] = None
        return data


class UserDisableForm(BootstrapForm):
    reason = forms.CharField(label=_("停用原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    successor = UserChoiceField(label=_("交接人"), queryset=_active_users(), required=False,
                                help_text=_("该用户负责的部门、制度和下级将转交给交接人。"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = _active_users().exclude(pk=user.pk)


class UserFilterForm(BootstrapForm):
    q = forms.CharField(label=_("搜索"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("姓名、用户名或工号")}))
    department = DepartmentChoiceField(label=_("部门"), queryset=_departments(), required=False,
                                       empty_label=_("全部部门"))
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.order_by("id"), required=False,
                                  empty_label=_("全部角色"))
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态")), (STATUS_ACTIVE, pgettext_lazy("user status", "启用")),
                                        (STATUS_DISABLED, pgettext_lazy("user status", "停用"))])


class DirectoryFilterForm(BootstrapForm):
    q = forms.CharField(label=_("搜索"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("姓名、用户名或工号")}))
    department = DepartmentChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False,
                                       empty_label=_("全部部门"))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class RoleForm(BootstrapForm):
    code = forms.SlugField(label=_("角色编码"), max_length=50, help_text=_("英文字母、数字、连字符，创建后不可修改。"))
    name = forms.CharField(label=_("角色名称"), max_length=50)
    name_en = forms.CharField(label=_("英文名称"), max_length=80, required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    data_scope = forms.ChoiceField(label=_("数据范围"), choices=Role.SCOPE_CHOICES)
    permissions = forms.MultipleChoiceField(label=_("权限"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, role: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        duty = role.duty if role is not None else p.BUSINESS
        # Only the role's own duty is offered; the service refuses anything else (SECURITY.md AC-2).
        self.fields["permissions"].choices = [(perm.code, perm.label) for perm in p.REGISTRY.values()
                                              if perm.duty == duty]
        if role is not None:
            del self.fields["code"]
            if role.is_admin_duty:
                # Admin roles see no business data: their scope is fixed at "own" (the service insists).
                self.fields["data_scope"].disabled = True


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Role) -> str:
        return with_detail(obj.display_name, obj.get_duty_display())


class UserRolesForm(BootstrapForm):
    roles = RoleChoiceField(label=_("角色"), queryset=Role.objects.order_by("id"), required=False,
                                           widget=forms.CheckboxSelectMultiple)


class ReceiversField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return UserChoiceField.label_from_instance(self, obj)


class HandoverForm(BootstrapForm):
    """A departure handover (OWN-5): the leaving user, one or more receivers, the reason."""

    leaver = UserChoiceField(label=_("离职人员"), queryset=User.objects.none())
    receivers = ReceiversField(label=_("接收人"), queryset=User.objects.none(),
                               widget=forms.SelectMultiple(attrs={"size": 8}),
                               help_text=_("可选多位：客户等业务记录按编号轮流平均分配；部门负责人等职责交给第一位。"))
    reason = forms.CharField(label=_("交接原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidates, actor, **kwargs):
        super().__init__(*args, **kwargs)
        active = candidates.filter(is_active=True).order_by("employee_no")
        self.fields["leaver"].queryset = active.exclude(pk=actor.pk)
        self.fields["receivers"].queryset = active
