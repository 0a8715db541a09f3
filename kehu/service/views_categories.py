"""Ticket categories (SVC-2): the list, and one page to create or edit a category (audited in
kehu/service/services_categories.py)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kehu.core.errors import DomainError
from kehu.org.forms import add_domain_error
from kehu.service import permissions as perms
from kehu.service.forms import CategoryForm
from kehu.service.models import TicketCategory
from kehu.service.services_categories import category_save
from kehu.web.decorators import permission_required


@require_GET
@permission_required(perms.CATEGORY_MANAGE)
def category_list(request):
    categories = TicketCategory.objects.select_related("team", "default_handler")
    return render(request, "service/categories.html", {"categories": categories})


@require_http_methods(["GET", "POST"])
@permission_required(perms.CATEGORY_MANAGE)
def category_edit(request, pk: int | None = None):
    category = get_object_or_404(TicketCategory, pk=pk) if pk else None
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category_save(actor=request.user, category=category, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("工单分类已保存。"))
                return redirect("service:categories")
    else:
        form = CategoryForm.of(category) if category else CategoryForm()
    title = category.display_name if category else _("新增工单分类")
    return render(request, "org/form.html", {"form": form, "title": title, "back": "service:categories",
                                             "field_template": "service/_field.html"},
                  status=400 if form.is_bound else 200)
