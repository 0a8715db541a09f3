"""The ticket queue (the customer-service agent's work list), entering a ticket from any channel (SVC-1,
SVC-2), and the customer page's 服务工单 tab.

Thin adapters: reads through kehu.service.selectors (scope applied), writes through kehu.service.services;
a DomainError becomes a form error. The search text may be a phone number or a person's name: it is POSTed
and kept in the session, never put in a URL (SECURITY.md WEB-7), as on the customer list.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import clock
from kehu.core.errors import DomainError, NotFound
from kehu.customers import selectors as customer_selectors
from kehu.customers.views import _adapt
from kehu.org.forms import add_domain_error
from kehu.service import handbook, selectors, services
from kehu.service import permissions as perms
from kehu.service.forms import QueueFilterForm, TicketForm
from kehu.service.live import live_clock
from kehu.service.models import TicketCategory
from kehu.web import search
from kehu.web.decorators import permission_required

SEARCH_SESSION_KEY = "kehu_ticket_search"
PAGE_SIZE = 50
PICK_ROWS = 10  # customers the picker lists for a search
TAB_ROWS = 20  # the customer page's tab: the newest tickets, the queue filtered holds the rest


@require_GET
@permission_required(perms.TICKET_VIEW)
def ticket_queue(request):
    """Strategic customers first, then priority, then the resolution due time (selectors.queue)."""
    form = QueueFilterForm(request.GET)
    form.is_valid()
    q = search.remembered(request, SEARCH_SESSION_KEY)
    rows = _adapt(selectors.queue, request.user, **form.filters(), q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    return render(request, "service/queue.html", {
        "form": form, "q": q, "page": page, "rows": [(ticket, live_clock(ticket, now)) for ticket in page],
        "can_open": request.user.has_permission(perms.TICKET_HANDLE)})


@require_POST
@permission_required(perms.TICKET_VIEW)
def ticket_search(request):
    """Keep the search text in the session and go back to the queue with the same (PI-free) filters."""
    return search.remember(request, SEARCH_SESSION_KEY, reverse("service:queue"))


def _customer_pick(request, data, preset=None) -> dict:
    """The picker's choices: the customers in the user's scope matching the search text (the customer list's
    search), the customer picked (posted, else ``preset`` from the customer page) and its contacts."""
    q = data.get("customer_q", "").strip()[:100]
    posted = str(data.get("customer", "") or "")
    picked = _picked(request.user, int(posted)) if posted.isdigit() else preset
    found = list(_adapt(customer_selectors.customers_for, request.user,
                        customer_selectors.CustomerFilters(q=q))[:PICK_ROWS]) if q else []
    if picked is not None and picked.pk not in {customer.pk for customer in found}:
        found.insert(0, picked)
    return {"customer_q": q, "found": found, "picked": picked, "searched": bool(q),
            "contacts": customer_selectors.contacts_of(picked) if picked else [],
            "picked_contact": str(data.get("contact", ""))}


def _picked(user, pk: int):
    """The posted customer, or None when it is not one the user may see (the form says so on the field)."""
    try:
        return customer_selectors.customer_for(user, pk)
    except NotFound:
        return None


def _new_page(request, form: TicketForm, data, preset=None, status: int = 200):
    return render(request, "service/ticket_new.html", {"form": form, **_customer_pick(request, data, preset)},
                  status=status)


@require_http_methods(["GET", "POST"])
@permission_required(perms.TICKET_HANDLE)
def ticket_new(request):
    """Enter a ticket for any channel; ``?customer=<pk>`` comes from the customer page (404 out of scope)."""
    preset = request.GET.get("customer", "")
    customer = _adapt(customer_selectors.customer_for, request.user, int(preset)) if preset.isdigit() else None
    form = TicketForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = services.ticket_open(actor=request.user, **form.service_fields())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("已登记工单 %(number)s。") % {"number": ticket.number})
                return redirect("service:ticket", pk=ticket.pk)
        return _new_page(request, form, request.POST, status=400)
    return _new_page(request, form, {}, preset=customer)


@require_POST
@permission_required(perms.TICKET_HANDLE)
def ticket_new_pick(request):
    """Search and pick the customer, then its contact: the picker for htmx, else the whole form again with what
    was typed (not yet checked: the search is no attempt to save)."""
    if request.htmx:
        return render(request, "service/_customer_pick.html", _customer_pick(request, request.POST))
    return _new_page(request, TicketForm(user=request.user, initial=request.POST.dict()), request.POST)


@require_POST
@permission_required(perms.TICKET_HANDLE)
def ticket_new_suggest(request):
    """The handbook's articles for the ticket being written (htmx, as its category, title or description
    change). POSTed, like the search: a description may hold a phone number, which must not reach a URL
    (WEB-7)."""
    pk = request.POST.get("category", "")
    category = TicketCategory.objects.filter(pk=pk, active=True).first() if pk.isdigit() else None
    text = f"{request.POST.get('title', '')} {request.POST.get('description', '')}"
    return render(request, "service/_handbook_suggestions.html",
                  {"articles": handbook.suggest(category=category, text=text)})


def tickets_tab(request, customer) -> dict:
    """The customer page's 服务工单 tab (kehu.customers.views.register_tab): the newest tickets first."""
    user = request.user
    if not user.has_permission(perms.TICKET_VIEW):
        return {"tickets": None, "can_open": False}  # the tab says so instead of listing
    tickets = selectors.tickets_visible(user).filter(customer=customer).order_by("-opened_at", "-id")[:TAB_ROWS]
    return {"tickets": list(tickets), "can_open": user.has_permission(perms.TICKET_HANDLE)}
