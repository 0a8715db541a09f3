"""The one set of input rules for customers and contacts, used by the pages, the API and the
import alike (INFO-4): a form validates a dict of raw values whatever door it came in by."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.core import validators
from kehu.core.errors import DomainError
from kehu.core.industries import INDUSTRY_CHOICES
from kehu.core.regions import validate_region
from kehu.customers import custom_fields, filetypes
from kehu.customers.models import (
    AppliesTo,
    AttachmentKind,
    Channel,
    CollectedVia,
    ConsentPurpose,
    Customer,
    DecisionRole,
    FieldType,
    Gender,
    Kind,
    LegalBasis,
    MarketingChannel,
    Scale,
    Source,
    Stage,
)
from kehu.org.forms import BootstrapForm

MAX_TAGS = 20


def _cleaner(field: str, validator):
    """A ``clean_<field>`` method: optional input, folded to half-width, then the GB validator."""

    def clean(self) -> str:
        value = validators.normalize_width(self.cleaned_data[field] or "")
        return validator(value) if value else ""

    return clean


class CustomerForm(forms.Form):
    kind = forms.ChoiceField(label=_("客户类型"), choices=Kind.choices, initial=Kind.ENTERPRISE)
    name = forms.CharField(label=_("客户名称"), max_length=200)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=40, required=False)
    industry = forms.ChoiceField(label=_("行业"), choices=[("", "—"), *INDUSTRY_CHOICES], required=False)
    scale = forms.ChoiceField(label=_("规模"), choices=[("", "—"), *Scale.choices], required=False)
    province = forms.CharField(label=_("省"), max_length=12, required=False)
    city = forms.CharField(label=_("市"), max_length=12, required=False)
    district = forms.CharField(label=_("区县"), max_length=12, required=False)
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    source = forms.ChoiceField(label=_("来源"), choices=[("", "—"), *Source.choices], required=False)
    website = forms.URLField(label=_("网站"), required=False, assume_scheme="https")
    stage = forms.ChoiceField(label=_("阶段"), choices=Stage.choices, initial=Stage.POTENTIAL)
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("多个标签用逗号分隔"))
    preferences = forms.CharField(label=_("偏好"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    service_needs = forms.CharField(label=_("服务需求"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    remarks = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=40, required=False,
                                help_text=_("选填。仅用于个人客户的身份核验与合同签署。"))
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Gender.choices], required=False)
    birthday = forms.DateField(label=_("生日"), required=False)
    mobile = forms.CharField(label=_("手机"), max_length=40, required=False,
                             help_text=_("选填。用于联系客户与查重。"))
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)

    def __init__(self, *args, custom_fields_in_force=None, custom_existing=None, **kwargs):
        """``custom_fields_in_force``: the custom-field definitions (default: those in force, cached);
        ``custom_existing``: the customer's stored custom values when editing."""
        super().__init__(*args, **kwargs)
        self.custom_definitions = (custom_fields.definitions() if custom_fields_in_force is None
                                   else custom_fields_in_force)
        self.custom_existing = dict(custom_existing or {})
        self.custom_errors: dict[str, str] = {}
        for field in self.custom_definitions:
            self.fields[CUSTOM_PREFIX + field.key] = custom_form_field(field)
            if field.key in self.custom_existing and field.type not in custom_fields.PERSONAL_TYPES:
                self.initial.setdefault(CUSTOM_PREFIX + field.key, _initial(field, self.custom_existing[field.key]))

    clean_credit_code = _cleaner("credit_code", validators.validate_credit_code)
    clean_id_number = _cleaner("id_number", validators.validate_resident_id)
    clean_mobile = _cleaner("mobile", validators.validate_mobile)
    clean_email = _cleaner("email", validators.validate_email)

    def clean_name(self) -> str:
        name = validators.normalize_width(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("客户名称不能为空。"), code="required")
        return name

    def clean_tags(self) -> list[str]:
        raw = validators.normalize_width(self.cleaned_data["tags"]).replace("，", ",").replace("、", ",")
        names = list(dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()))
        if len(names) > MAX_TAGS:
            raise ValidationError(_("标签最多 %(n)d 个。") % {"n": MAX_TAGS}, code="too_many_tags")
        if any(len(n) > 30 for n in names):
            raise ValidationError(_("每个标签不超过 30 个字。"), code="tag_too_long")
        return names

    def clean(self):
        data = super().clean()
        try:
            validate_region(data.get("province"), data.get("city"), data.get("district"))
        except DomainError as exc:
            self.add_error(exc.field or "province", str(exc.message))
        if data.get("kind") == Kind.ENTERPRISE:
            for name in ("id_number", "gender", "birthday"):
                if data.get(name):
                    self.add_error(name, _("企业客户不填写此项。"))
        elif data.get("kind") == Kind.INDIVIDUAL:
            if data.get("credit_code"):
                self.add_error("credit_code", _("个人客户没有统一社会信用代码。"))
            number = data.get("id_number")
            if number and not self.has_error("id_number"):
                born = validators.resident_id_birthdate(number)
                if data.get("birthday") and data["birthday"] != born:
                    self.add_error("birthday", _("生日与身份证号中的出生日期（%(date)s）不一致。") % {"date": born})
                data["birthday"] = data.get("birthday") or born
                data["gender"] = data.get("gender") or validators.resident_id_gender(number)
        self._clean_custom(data)
        return data

    def _custom_input(self) -> dict | None:
        """Custom values as sent: a ``custom`` dict (API, import), the ``custom_<key>`` inputs of the
        page, or None when neither came (a partial update that leaves custom values alone)."""
        sent = self.data.get("custom") if hasattr(self.data, "get") else None
        if isinstance(sent, dict):
            return sent
        if not hasattr(self.data, "getlist"):
            return None
        raw = {}
        for field in self.custom_definitions:
            value = self.cleaned_data.get(CUSTOM_PREFIX + field.key)
            if field.type in custom_fields.PERSONAL_TYPES and not value:
                value = self.custom_existing.get(field.key)  # personal values are not sent to the page: empty = unchanged
            if field.type == FieldType.BOOLEAN and value:
                value = value == "yes"
            raw[field.key] = value
        return raw

    def _clean_custom(self, data: dict) -> None:
        raw = self._custom_input()
        if raw is None:
            return
        values, errors = custom_fields.clean_custom(raw, kind=data.get("kind") or Kind.ENTERPRISE,
                                                    fields=self.custom_definitions, existing=self.custom_existing)
        self.custom_errors = errors
        for key, message in errors.items():
            name = CUSTOM_PREFIX + key
            self.add_error(name if name in self.fields else None, message)
        data["custom"] = values


CUSTOM_PREFIX = "custom_"
BOOLEAN_CHOICES = [("", "—"), ("yes", _("是")), ("no", _("否"))]


class _RawField(forms.Field):
    """A custom field's input: the typed widget, no checks of its own — ``clean_custom`` is the one check."""

    def to_python(self, value):
        return value


def custom_form_field(field) -> forms.Field:
    kind = field.type
    choices = [(c, c) for c in field.choices]
    widgets = {
        FieldType.TEXTAREA: forms.Textarea(attrs={"rows": 2}),
        FieldType.INTEGER: forms.NumberInput(attrs={"step": "1"}),
        FieldType.DECIMAL: forms.NumberInput(attrs={"step": "any"}),
        FieldType.DATE: forms.DateInput(attrs={"type": "date"}),
        FieldType.CHOICE: forms.Select(choices=[("", "—"), *choices]),
        FieldType.MULTICHOICE: forms.CheckboxSelectMultiple(choices=choices),
        FieldType.BOOLEAN: forms.Select(choices=BOOLEAN_CHOICES),
        FieldType.MOBILE: forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        FieldType.EMAIL: forms.EmailInput(attrs={"autocomplete": "off"}),
    }
    help_text = field.help_text
    if field.applies_to != AppliesTo.BOTH:
        scope = _("仅企业客户") if field.applies_to == AppliesTo.ENTERPRISE else _("仅个人客户")
        help_text = f"{help_text}（{scope}）" if help_text else scope
    if kind in custom_fields.PERSONAL_TYPES:
        help_text = " ".join(str(part) for part in (help_text, _("留空表示不修改。")) if part)
    widget = widgets.get(kind, forms.TextInput())
    label = f"{field.display_label} *" if field.required else field.display_label
    return _RawField(label=label, required=False, widget=widget, help_text=help_text)


def _initial(field, value):
    if field.type == FieldType.BOOLEAN:
        return "yes" if value else "no"
    return value


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    title = forms.CharField(label=_("职务"), max_length=50, required=False)
    department_name = forms.CharField(label=_("部门"), max_length=50, required=False)
    decision_role = forms.ChoiceField(label=_("决策角色"), choices=[("", "—"), *DecisionRole.choices], required=False)
    mobile = forms.CharField(label=_("手机"), max_length=40, required=False)
    phone = forms.CharField(label=_("座机"), max_length=40, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    wechat = forms.CharField(label=_("微信"), max_length=50, required=False)
    birthday = forms.DateField(label=_("生日"), required=False)
    birthday_is_lunar = forms.BooleanField(label=_("农历生日"), required=False)
    preferred_channel = forms.ChoiceField(label=_("偏好联系方式"), choices=[("", "—"), *Channel.choices], required=False)
    is_primary = forms.BooleanField(label=_("首要联系人"), required=False)
    remarks = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    clean_mobile = _cleaner("mobile", validators.validate_mobile)
    clean_phone = _cleaner("phone", validators.validate_phone)
    clean_email = _cleaner("email", validators.validate_email)

    def clean_name(self) -> str:
        name = validators.normalize_width(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("联系人姓名不能为空。"), code="required")
        return name


KEEP, TAKE = "target", "duplicate"


class MergeForm(forms.Form):
    """Which customer each field's value survives from when ``duplicate`` is merged (INFO-5)."""

    duplicate = forms.IntegerField(label=_("重复客户"), min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, fields: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.merge_fields = fields
        for name in fields:
            self.fields[f"pick_{name}"] = forms.ChoiceField(
                label=Customer._meta.get_field(name).verbose_name, choices=[(KEEP, _("保留本客户的值")), (TAKE, _("采用重复客户的值"))], initial=KEEP,
                required=False, widget=forms.RadioSelect)

    def take_from_duplicate(self) -> list[str]:
        return [name for name in self.merge_fields if self.cleaned_data.get(f"pick_{name}") == TAKE]


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("核实说明"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=_("核实了哪些资料、有何变化。"))
    confirmed_unchanged = forms.BooleanField(label=_("资料无变化"), required=False)


class AttachmentForm(forms.Form):
    """Upload of one file (INFO-10). The limits are the service's (kehu.customers.filetypes)."""

    file = forms.FileField(label=_("文件"))
    kind = forms.ChoiceField(label=_("附件类型"), choices=AttachmentKind.choices, initial=AttachmentKind.OTHER)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = "、".join(ext for t in filetypes.allowed_types() for ext in t.extensions)
        self.fields["file"].help_text = _("允许 %(types)s，不超过 %(mb)d MB。") % {
            "types": allowed, "mb": filetypes.max_bytes() >> 20}


class ConsentForm(forms.Form):
    """A consent, or its withdrawal, for the individual customer or one of its contacts (PRIV-1)."""

    GRANT, WITHDRAW = "grant", "withdraw"

    action = forms.ChoiceField(label=_("记录"), choices=[(GRANT, _("同意")), (WITHDRAW, _("撤回或拒绝"))])
    contact = forms.ChoiceField(label=_("个人"), required=False)
    purpose = forms.ChoiceField(label=_("处理目的"), choices=ConsentPurpose.choices)
    channel = forms.ChoiceField(label=_("营销渠道"), choices=[("", "—"), *MarketingChannel.choices], required=False,
                                help_text=_("仅营销推广填写。"))
    legal_basis = forms.ChoiceField(label=_("合法性基础"), choices=LegalBasis.choices, initial=LegalBasis.CONSENT,
                                    required=False, help_text=_("个人信息保护法第十三条。撤回时沿用原记录。"))
    notice_version = forms.CharField(label=_("告知书版本"), max_length=50, required=False)
    collected_via = forms.ChoiceField(label=_("收集方式"), choices=CollectedVia.choices)
    collected_at = forms.DateTimeField(label=_("表示时间"), required=False, help_text=_("留空为现在。"))
    evidence = forms.CharField(label=_("凭证"), max_length=200, required=False,
                               help_text=_("如纸质表单编号、录音编号。"))

    def __init__(self, *args, customer=None, contacts=(), fixed_contact=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice_version"].initial = settings.KEHU_PRIVACY_NOTICE_VERSION
        people = [(str(c.pk), c.name) for c in ([fixed_contact] if fixed_contact else contacts)]
        if fixed_contact is None and customer is not None and customer.kind == Kind.INDIVIDUAL:
            people.insert(0, ("", _("客户本人")))
        self.fields["contact"].choices = people
        if fixed_contact is not None:
            self.fields["contact"].initial = str(fixed_contact.pk)
            self.fields["contact"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("action") == self.GRANT:
            if not data.get("legal_basis"):
                self.add_error("legal_basis", _("记录同意须选择合法性基础。"))
            if not (data.get("notice_version") or "").strip():
                self.add_error("notice_version", _("记录同意须填写告知书版本。"))
        return data

    def contact_id(self) -> int | None:
        value = self.cleaned_data.get("contact") or ""
        return int(value) if value else None


def apply_field_access(form: forms.Form, access, entity: str, obj=None) -> forms.Form:
    """Shape a customer or contact form for its user (SEC-3): hidden fields leave the form (never
    rendered, never read); fields the user may not write are disabled — Django then ignores what is
    posted for them and keeps the initial value — and carry ``readonly_text`` to show instead.
    ``form.writable`` names the fields a valid form may pass to the service."""
    from kehu.customers.display import field_text
    from kehu.customers.field_access import fields_of

    matrix = set(fields_of(entity))
    for name in list(form.fields):
        if name not in matrix:
            continue
        if not access.visible(entity, name):
            del form.fields[name]
        elif not access.may_write(entity, name, obj):
            form.fields[name].disabled = True
            form.fields[name].readonly_text = field_text(obj, name, form.fields[name], form.initial.get(name))
    # Custom fields (INFO-8) are outside the matrix: the form's cleaned ``custom`` dict always passes.
    form.writable = frozenset(n for n, f in form.fields.items() if not f.disabled) | {"custom"}
    return form


SMALL_SELECT = {"class": "form-select form-select-sm"}


class FieldPermissionForm(forms.Form):
    """One role's column of the field matrix: a level per field, a mask mode per protected field."""

    def __init__(self, *args, role, cells, **kwargs):
        from kehu.customers import field_access
        from kehu.customers import permissions as perms
        from kehu.customers.models import FieldPermission

        super().__init__(*args, **kwargs)
        may_edit = perms.EDIT in role.permissions
        self.rows = []
        for cell in cells:
            key = f"{cell.entity}.{cell.field}"
            levels = [(v, lbl) for v, lbl in FieldPermission.ACCESS_CHOICES
                      if (may_edit or v in (field_access.HIDDEN, field_access.READ))
                      and not (v == field_access.HIDDEN and cell.field in field_access.IDENTITY[cell.entity])]
            self.fields[f"access:{key}"] = forms.ChoiceField(label=cell.label, choices=levels, initial=cell.access,
                                                             widget=forms.Select(attrs=SMALL_SELECT))
            if cell.protected:
                self.fields[f"mask:{key}"] = forms.ChoiceField(label=_("脱敏方式"), choices=FieldPermission.MASK_CHOICES,
                                                               initial=cell.mask, widget=forms.Select(attrs=SMALL_SELECT))
            self.rows.append((cell, self[f"access:{key}"], self[f"mask:{key}"] if cell.protected else None))

    def wanted(self) -> dict[tuple[str, str], tuple[str, str]]:
        data = self.cleaned_data
        return {(cell.entity, cell.field): (data[f"access:{cell.entity}.{cell.field}"],
                                            data.get(f"mask:{cell.entity}.{cell.field}", cell.mask))
                for cell, _access, _mask in self.rows}


class CustomFieldForm(BootstrapForm):
    """A custom-field definition on the system admin's page; the definition's rules are the service's."""

    key = forms.CharField(label=_("字段键"), max_length=40,
                          help_text=_("小写字母开头，只含小写字母、数字和下划线；用于 API、导入列名和筛选 cf_<键>，创建后不可修改。"))
    label = forms.CharField(label=_("名称"), max_length=50)
    label_en = forms.CharField(label=_("英文名称"), max_length=80, required=False)
    type = forms.ChoiceField(label=_("类型"), choices=FieldType.choices, help_text=_("创建后不可修改。"))
    required = forms.TypedChoiceField(label=_("必填"), choices=[("False", _("否")), ("True", _("是"))],
                                      coerce=lambda value: value == "True", initial="False")
    choices = forms.CharField(label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("单选、多选字段：每行一个选项。"))
    min_value = forms.DecimalField(label=_("最小值"), required=False, max_digits=20, decimal_places=6,
                                   help_text=_("数字字段为取值范围，文本字段为字数。"))
    max_value = forms.DecimalField(label=_("最大值"), required=False, max_digits=20, decimal_places=6)
    regex = forms.CharField(label=_("格式（正则表达式）"), max_length=200, required=False,
                            help_text=_("仅文本字段，整段匹配，例如 [A-Z]{2}\\d{6}"))
    help_text = forms.CharField(label=_("说明"), max_length=200, required=False)
    applies_to = forms.ChoiceField(label=_("适用客户"), choices=AppliesTo.choices, initial=AppliesTo.BOTH)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("key", "type"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


# --- ownership and pools (OWN-1..4) ---------------------------------------------------------------
def _business_users(users) -> list:
    """The active users among ``users`` who may see customers and hold no admin duty (two queries)."""
    from kehu.customers import permissions as perms

    users = (users.filter(is_active=True).select_related("department").prefetch_related("roles")
             .order_by("department__path", "full_name"))
    return [u for u in users if not u.admin_duty and u.has_permission(perms.VIEW)]


def receivers_for(actor) -> list:
    """Who ``actor`` may give customers to: business users in their data scope."""
    from kehu.org.models import User

    return _business_users(User.objects.visible_to(actor))


def colleagues_for(actor) -> list:
    """Who ``actor`` may add as a team member: business users of their company."""
    from kehu.org.models import User

    company = actor.department.company_id if actor.department_id else None
    return _business_users(User.objects.filter(department__company_id=company))


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class _ReceiverForm(ReasonForm):
    to_owner = forms.TypedChoiceField(label=_("交给"), coerce=int)

    def __init__(self, *args, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.receivers = {u.pk: u for u in receivers}
        self.fields["to_owner"].choices = [(u.pk, str(u)) for u in receivers]
        self.order_fields(["customers", "to_owner", "keep_as_team_member", "reason"])

    def clean_to_owner(self):
        return self.receivers[self.cleaned_data["to_owner"]]


class TransferForm(_ReceiverForm):
    keep_as_team_member = forms.BooleanField(label=_("原负责人留作协作人（读写）"), required=False)


class AssignForm(_ReceiverForm):
    customers = forms.TypedMultipleChoiceField(label=_("客户"), coerce=int)

    def __init__(self, data=None, *, receivers, **kwargs):
        super().__init__(data, receivers=receivers, **kwargs)
        # Any id: each one is loaded through the pool selector (not found unless the actor may use its pool).
        self.fields["customers"].choices = [(value, value) for value in (data.getlist("customers") if data else [])]


class ReleaseForm(ReasonForm):
    pool = forms.ModelChoiceField(label=_("退回到"), queryset=None, required=False, empty_label=_("负责人所属公海"))

    def __init__(self, *args, pools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        self.order_fields(["pool", "reason"])


class PoolForm(BootstrapForm):
    """A pool's settings (customer.pool.manage). Members and admins come from the manager's scope."""

    code = forms.SlugField(label=_("公海编码"), max_length=40)
    name = forms.CharField(label=_("公海名称"), max_length=50)
    name_en = forms.CharField(label=_("英文名称"), max_length=80, required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    member_departments = forms.ModelMultipleChoiceField(
        label=_("成员（部门及下级部门）"), queryset=None, required=False,
        help_text=_("不设成员（部门和用户都不选）的公海对所有可使用公海的人开放。"))
    member_users = forms.ModelMultipleChoiceField(label=_("成员（用户）"), queryset=None, required=False)
    admins = forms.ModelMultipleChoiceField(label=_("管理员"), queryset=None, required=False,
                                            help_text=_("管理员可把本公海的客户分配给业务人员。"))

    def __init__(self, *args, actor, **kwargs):
        from kehu.org.models import Department, User

        super().__init__(*args, **kwargs)
        users = User.objects.visible_to(actor).filter(is_active=True).order_by("employee_no")
        self.fields["member_users"].queryset = users
        self.fields["admins"].queryset = users
        self.fields["member_departments"].queryset = Department.objects.filter(is_active=True).select_related(
            "company").order_by("path")


class TeamMemberForm(BootstrapForm):
    user = forms.TypedChoiceField(label=_("协作人"), coerce=int)
    access = forms.ChoiceField(label=_("权限"), choices=[("read", _("只读")), ("write", _("读写"))])
    expires_on = forms.DateField(label=_("到期日期"), required=False, help_text=_("到期当日结束时自动移除；不填为长期。"),
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.colleagues = {u.pk: u for u in colleagues}
        self.fields["user"].choices = [(u.pk, str(u)) for u in colleagues]

    def clean_user(self):
        return self.colleagues[self.cleaned_data["user"]]

    def expires_at(self):
        """The end of the chosen day in Asia/Shanghai, or None."""
        import datetime as dt
        from zoneinfo import ZoneInfo

        day = self.cleaned_data.get("expires_on")
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo("Asia/Shanghai")) \
            if day else None
