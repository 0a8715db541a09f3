"""The system admin's custom-field pages (INFO-8): list, create, edit, deactivate / activate, install
a preset. Thin: definitions through the selectors, every change through an audited service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core.errors import DomainError
from kehu.customers import permissions as perms
from kehu.customers import selectors, services
from kehu.customers.forms import CustomFieldForm
from kehu.customers.presets import PRESETS
from kehu.customers.views import _adapt
from kehu.org.forms import add_domain_error
from kehu.web.decorators import permission_required

FORM_FIELDS = ("label", "label_en", "required", "choices", "min_value", "max_value", "regex", "help_text",
               "applies_to", "order")


@require_GET
@permission_required(perms.CUSTOM_FIELDS)
def field_list(request):
    fields = list(_adapt(selectors.custom_fields_for, request.user))
    installed = {f.preset for f in fields if f.preset}
    return render(request, "customers/fields.html", {
        "fields": fields, "presets": [(p, p.name in installed) for p in PRESETS.values()]})


def _form_page(request, form, title):
    return render(request, "org/form.html", {"form": form, "title": title, "back": "customers:field_list"})


@require_http_methods(["GET", "POST"])
@permission_required(perms.CUSTOM_FIELDS)
def field_new(request):
    form = CustomFieldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            field = services.custom_field_create(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已新建自定义字段“%(label)s”。") % {"label": field.label})
            return redirect("customers:field_list")
    return _form_page(request, form, _("新建自定义字段"))


@require_http_methods(["GET", "POST"])
@permission_required(perms.CUSTOM_FIELDS)
def field_edit(request, pk: int):
    field = _adapt(selectors.custom_field_for, request.user, pk)
    initial = {"key": field.key, "type": field.type, "choices": "\n".join(field.choices),
               **{name: getattr(field, name) for name in FORM_FIELDS if name != "choices"}}
    form = CustomFieldForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_update(actor=request.user, field=field,
                                         data={name: form.cleaned_data[name] for name in FORM_FIELDS})
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("customers:field_list")
    return _form_page(request, form, _("编辑自定义字段：%(label)s（%(key)s）") % {"label": field.label, "key": field.key})


@require_POST
@permission_required(perms.CUSTOM_FIELDS)
def field_deactivate(request, pk: int):
    field = _adapt(selectors.custom_field_for, request.user, pk)
    services.custom_field_deactivate(actor=request.user, field=field)
    messages.success(request, _("已停用“%(label)s”；已填写的值仍保留。") % {"label": field.label})
    return redirect("customers:field_list")


@require_POST
@permission_required(perms.CUSTOM_FIELDS)
def field_activate(request, pk: int):
    field = _adapt(selectors.custom_field_for, request.user, pk)
    services.custom_field_activate(actor=request.user, field=field)
    messages.success(request, _("已启用“%(label)s”。") % {"label": field.label})
    return redirect("customers:field_list")


@require_POST
@permission_required(perms.CUSTOM_FIELDS)
def preset_install(request, name: str):
    if name not in PRESETS:
        raise Http404
    created = services.custom_fields_install_preset(actor=request.user, preset=name)
    if created:
        messages.success(request, _("已安装预置方案“%(preset)s”，新建 %(n)d 个字段。")
                         % {"preset": PRESETS[name].label, "n": len(created)})
    else:
        messages.info(request, _("预置方案“%(preset)s”的字段都已存在，未作改动。") % {"preset": PRESETS[name].label})
    return redirect("customers:field_list")
