"""Customer pages: list with filters, detail with timeline, create/edit, contacts, reveal (INFO-1..6, INFO-11, SEC-3).

Thin adapters: reads through kehu.customers.selectors (404 out of scope), writes through the
services; a DomainError becomes a form error. The search text may be a phone number, so it is
always POSTed and kept in the session, never put in a URL (SECURITY.md WEB-7).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import regions
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import permissions as perms
from kehu.customers import selectors, services, timeline
from kehu.customers.display import industry_name, region_name
from kehu.customers.filters import CustomerFilterForm
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.listing import counted_window
from kehu.customers.models import Tag
from kehu.web.decorators import permission_required

SEARCH_SESSION_KEY = "kehu_customer_search"
PAGE_SIZE = 20
PROTECTED_INPUTS = ("mobile", "id_number", "email", "address")


def _adapt(call, *args, **kwargs):
    """Run a selector: NotFound → 404 page, PermissionDenied → 403 page."""
    try:
        return call(*args, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc


def _region_options(data) -> dict:
    """The option lists of the three cascading selects for the values currently chosen."""

    def under(code):
        try:
            return regions.children(code) if code else ()
        except NotFound:
            return ()

    return {"provinces": regions.provinces(), "cities": under(data.get("province")),
            "districts": under(data.get("city"))}


@require_GET
@permission_required(perms.VIEW)
def customer_list(request):
    form = CustomerFilterForm(request.GET)
    form.is_valid()
    q = request.session.get(SEARCH_SESSION_KEY, "")
    rows = _adapt(selectors.customers_for, request.user, form.filters(q))
    page = form.cleaned_data.get("page") or 1
    window, counted = counted_window(rows, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    count, more = counted.value, counted.capped
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "customers/list.html", {
        "form": form, "q": q, "customers": window[:PAGE_SIZE], "count": count, "more": more, "page": page,
        "has_next": len(window) > PAGE_SIZE, "query": params.urlencode(), "sort": form.cleaned_data.get("sort", ""),
        "tags": Tag.objects.values_list("name", flat=True), **_region_options(form.cleaned_data),
    })


@require_POST
@permission_required(perms.VIEW)
def customer_search(request):
    """Keep the search text in the session and go back to the list with the same (PI-free) filters."""
    q = request.POST.get("q", "").strip()[:100]
    if q:
        request.session[SEARCH_SESSION_KEY] = q
    else:
        request.session.pop(SEARCH_SESSION_KEY, None)
    params = request.GET.copy()
    params.pop("page", None)
    url = reverse("customers:list")
    return redirect(f"{url}?{params.urlencode()}" if params else url)


@require_GET
@permission_required(perms.VIEW)
def customer_detail(request, pk: int):
    customer = _adapt(selectors.customer_detail_for, request.user, pk)
    services.customer_viewed(actor=request.user, customer=customer)
    contacts = list(selectors.contacts_of(customer))
    return render(request, "customers/detail.html", {
        "customer": customer, "contacts": contacts, "events": timeline.events_for(customer, request.user),
        "history": selectors.field_history(customer), "region": region_name(customer),
        "industry": industry_name(customer), "can_edit": request.user.has_permission(perms.EDIT),
        "can_unmask": request.user.has_permission(perms.UNMASK),
    })


def _customer_form_page(request, form, *, customer=None, conflict=None):
    return render(request, "customers/edit.html", {
        "form": form, "customer": customer, "conflict": conflict,
        "warn": conflict is not None and conflict.code == "duplicate_warning",
        "region_fields": ("province", "city", "district"),
        **_region_options(form.data if form.is_bound else form.initial),
    })


@require_http_methods(["GET", "POST"])
@permission_required(perms.CREATE)
def customer_new(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, data=form.cleaned_data, entry_point="web",
                                                confirmed_duplicate=bool(request.POST.get("confirm_duplicate")))
        except Conflict as exc:
            return _customer_form_page(request, form, conflict=exc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect("customers:detail", pk=customer.pk)
    return _customer_form_page(request, form)


def _initial(obj, fields) -> dict:
    """Form initial values; protected ones stay empty (left empty = unchanged) so no plaintext reaches the page."""
    return {f: getattr(obj, f) for f in fields if f not in PROTECTED_INPUTS}


def _kept_blank(form, obj) -> dict:
    """Cleaned data without the protected fields the user left empty: those keep their stored value."""
    return {k: v for k, v in form.cleaned_data.items() if not (k in PROTECTED_INPUTS and not v and getattr(obj, k))}


@require_http_methods(["GET", "POST"])
@permission_required(perms.EDIT)
def customer_edit(request, pk: int):
    customer = _adapt(selectors.customer_for, request.user, pk)
    initial = {**_initial(customer, services.CUSTOMER_FIELDS), "tags": ", ".join(t.name for t in customer.tags.all())}
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(actor=request.user, customer=customer, data=_kept_blank(form, customer),
                                     entry_point="web", confirmed_duplicate=bool(request.POST.get("confirm_duplicate")))
        except Conflict as exc:
            return _customer_form_page(request, form, customer=customer, conflict=exc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect("customers:detail", pk=customer.pk)
    return _customer_form_page(request, form, customer=customer)


def _contact_page(request, form, customer, contact=None):
    return render(request, "customers/contact_edit.html", {"form": form, "customer": customer, "contact": contact})


@require_http_methods(["GET", "POST"])
@permission_required(perms.EDIT)
def contact_new(request, pk: int):
    customer = _adapt(selectors.customer_for, request.user, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_create(actor=request.user, customer=customer, data=form.cleaned_data)
        return redirect("customers:detail", pk=customer.pk)
    return _contact_page(request, form, customer)


@require_http_methods(["GET", "POST"])
@permission_required(perms.EDIT)
def contact_edit(request, pk: int, contact_pk: int):
    contact = _adapt(selectors.contact_for, request.user, pk, contact_pk)
    form = ContactForm(request.POST or None, initial=_initial(contact, services.CONTACT_FIELDS))
    if request.method == "POST" and form.is_valid():
        services.contact_update(actor=request.user, contact=contact, data=_kept_blank(form, contact))
        return redirect("customers:detail", pk=pk)
    return _contact_page(request, form, contact.customer, contact)


@require_http_methods(["GET", "POST"])
@permission_required(perms.UNMASK)
def reveal(request, pk: int):
    """GET: the small reason form for one value; POST: the plaintext in its place (htmx swaps it in)."""
    source = request.POST if request.method == "POST" else request.GET
    contact_id = source.get("contact", "")
    if contact_id and not contact_id.isdigit():
        raise Http404
    obj = (_adapt(selectors.contact_for, request.user, pk, int(contact_id)) if contact_id
           else _adapt(selectors.customer_for, request.user, pk))
    field = source.get("field", "")
    if field not in services.REVEAL_FIELDS[type(obj)]:
        raise Http404
    context = {"customer_pk": pk, "contact_id": contact_id, "field": field, "masked": getattr(obj, field)}
    if request.method == "GET":
        return render(request, "customers/_reveal_form.html", context)
    try:
        value = services.pii_reveal(actor=request.user, obj=obj, field=field, reason=source.get("reason", ""))
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        return render(request, "customers/_reveal_form.html", {**context, "error": exc.message}, status=exc.status)
    return render(request, "customers/_revealed.html", {"value": value, "label": _("已记录查看")})
