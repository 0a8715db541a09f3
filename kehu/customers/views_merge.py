"""Merging duplicate customers (合并重复客户, INFO-5): pick the duplicate, compare side by side, merge.

``/customers/<A>/merge/`` merges a duplicate B INTO A (A survives). Both are loaded through the
selectors, so each must be in the user's scope (404 otherwise); protected values show masked.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import permissions as perms
from kehu.customers import selectors, services
from kehu.customers.display import field_value
from kehu.customers.duplicates import find_duplicates
from kehu.customers.forms import TAKE, MergeForm
from kehu.customers.models import Customer
from kehu.customers.views import _adapt
from kehu.web.decorators import permission_required


def _duplicate_hits(user, customer: Customer) -> tuple[list, int]:
    """The customer's duplicate-check hits the user may open, and how many others exist out of scope."""
    mobiles = (customer.mobile.reveal() if customer.mobile else "",
               *(c.mobile.reveal() for c in customer.contacts.all() if c.mobile))
    hits = find_duplicates(kind=customer.kind, name=customer.name, credit_code=customer.credit_code,
                           mobiles=tuple(dict.fromkeys(filter(None, mobiles))), exclude_id=customer.pk)
    visible = selectors.visible_ids(user, [h.customer_id for h in hits])
    return [h for h in hits if h.customer_id in visible], sum(h.customer_id not in visible for h in hits)


def _comparison(target: Customer, duplicate: Customer) -> list[dict]:
    rows = []
    for name in services.MERGE_FIELDS:
        mine, theirs = field_value(target, name), field_value(duplicate, name)
        rows.append({"name": name, "label": Customer._meta.get_field(name).verbose_name, "target": mine,
                     "duplicate": theirs, "same": services._comparable(target, name) == services._comparable(duplicate, name)})
    return rows


def _moving(duplicate: Customer) -> dict:
    return {"contacts": duplicate.contacts.count(), "tags": duplicate.tags.count(),
            "members": duplicate.memberships.count(), "history": duplicate.field_changes.count()}


def _load_duplicate(user, pk) -> Customer:
    try:
        return selectors.customer_for(user, pk)
    except NotFound as exc:
        if exc.code == "customer_merged":
            raise Conflict("already_merged", _("该客户已被合并，不能再合并。"), field="duplicate") from exc
        raise Http404(str(exc.message)) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc


@require_http_methods(["GET", "POST"])
@permission_required(perms.MERGE)
def customer_merge(request, pk: int):
    target = _adapt(selectors.customer_for, request.user, pk)
    source = request.POST if request.method == "POST" else request.GET
    form = MergeForm(source if "duplicate" in source else None, fields=services.MERGE_FIELDS)
    context = {"customer": target, "form": form}
    if not form.is_bound or not form.is_valid():
        hits, hidden = _duplicate_hits(request.user, target)
        return render(request, "customers/merge_pick.html", {**context, "hits": hits, "hidden": hidden},
                      status=400 if form.is_bound else 200)
    try:
        duplicate = _load_duplicate(request.user, form.cleaned_data["duplicate"])
        services.check_merge(target, duplicate)
        if request.method == "POST":
            services.customer_merge(actor=request.user, target=target, duplicate=duplicate,
                                    take_from_duplicate=form.take_from_duplicate())
            return redirect("customers:detail", pk=target.pk)
    except DomainError as exc:
        hits, hidden = _duplicate_hits(request.user, target)
        return render(request, "customers/merge_pick.html",
                      {**context, "hits": hits, "hidden": hidden, "error": exc.message}, status=exc.status)
    return render(request, "customers/merge.html", {
        **context, "duplicate": duplicate, "rows": _comparison(target, duplicate), "moving": _moving(duplicate),
        "take": TAKE,
    })
